/** Loads the event fixtures of test/fixtures/events (payload + expected canonical event). */
import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { join } from 'node:path';

export const FIXTURE_ROOT = fileURLToPath(new URL('../../fixtures/events', import.meta.url));

export interface EventFixture {
  readonly kind: string;
  readonly name: string;
  readonly path: string;
  readonly payload: unknown;
  readonly expected: Record<string, unknown>;
}

export function readJson(path: string): unknown {
  return JSON.parse(readFileSync(path, 'utf8'));
}

/** Every payload file (`*.json` that is neither `*.expected.json` nor `*.input.json`), by kind folder. */
export function loadFixtures(): EventFixture[] {
  const out: EventFixture[] = [];
  for (const kind of readdirSync(FIXTURE_ROOT, { withFileTypes: true }).filter((d) => d.isDirectory()).map((d) => d.name).sort()) {
    for (const file of readdirSync(join(FIXTURE_ROOT, kind)).sort()) {
      if (!file.endsWith('.json') || file.endsWith('.expected.json') || file.endsWith('.input.json')) continue;
      const path = join(FIXTURE_ROOT, kind, file);
      const expected = readJson(path.replace(/\.json$/, '.expected.json')) as Record<string, unknown>;
      out.push({ kind, name: file.replace(/\.json$/, ''), path, payload: readJson(path), expected });
    }
  }
  return out;
}
