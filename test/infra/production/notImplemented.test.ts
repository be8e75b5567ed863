import { readdirSync, readFileSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

const REPO = resolve(import.meta.dirname, '../../..');

function sources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const path = join(dir, e.name);
    if (e.isDirectory()) return e.name === 'node_modules' ? [] : sources(path);
    return /\.(ts|mts|js|mjs|cjs)$/.test(e.name) ? [path] : [];
  });
}

// What runs on SCF: the functions, what they bundle from shared/, the core layer, the image server.
const PRODUCTION = ['functions', 'shared', 'layers/core/src', 'infra/package/image-server.mjs'];

describe('production paths', () => {
  it('contain no NotImplemented', () => {
    const files = PRODUCTION.flatMap((p) => (p.endsWith('.mjs') ? [join(REPO, p)] : sources(join(REPO, p))));
    expect(files.length).toBeGreaterThan(50);
    // The code table (layers/core/src/errorCodes.ts) lists the code; nothing on these paths may raise it.
    const hits = files
      .filter((f) => !f.endsWith('errorCodes.ts') && readFileSync(f, 'utf8').includes('NotImplemented'))
      .map((f) => relative(REPO, f));
    expect(hits).toEqual([]);
  });
});
