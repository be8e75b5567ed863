/**
 * Function bundles as the emulator runs them: npm packages bundled in (native ones left to Node),
 * kept across stacks while no input file changed, rebuilt when one did.
 */
import { spawnSync } from 'node:child_process';
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { FunctionBundles } from '../../../../infra/local/emulator/bundle';

const REPO = resolve(import.meta.dirname, '../../../..');
// Inside the project, so the bundle resolves packages from its node_modules.
const dir = join(REPO, 'test', 'fixtures', `.bundle-test-${process.pid}`);
const entry = join(dir, 'index.ts');

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

const handlerSource = (marker: string) => `
import pLimit from 'p-limit';
import sharp from 'sharp';
export async function main_handler() {
  const limit = pLimit(1);
  return { marker: ${JSON.stringify(marker)}, sharp: typeof sharp, limited: await limit(async () => 42) };
}
`;

describe('function bundles', () => {
  it('bundles npm packages but not native ones, reuses the bundle in the next stack, and rebuilds it when an input changes', async () => {
    await mkdir(dir, { recursive: true });
    await writeFile(entry, handlerSource('first'));
    const a = new FunctionBundles();
    const first = await a.entry('bundle-test', entry);
    await a.close();
    expect(first).not.toBeNull();
    const code = await readFile(first!.handler, 'utf8');
    expect(code).not.toMatch(/from ['"]p-limit['"]/); // bundled in
    expect(code).toMatch(/from ['"]sharp['"]/); // native: left to Node
    // The bundle runs as the child does it: loaded by Node from where it is kept.
    const run = spawnSync(process.execPath, ['--input-type=module', '-e', `const m = await import(${JSON.stringify(first!.handler)}); console.log(JSON.stringify(await m.main_handler()));`], { encoding: 'utf8' });
    expect(run.stderr).toBe('');
    expect(JSON.parse(run.stdout)).toEqual({ marker: 'first', sharp: 'function', limited: 42 });

    const b = new FunctionBundles();
    const again = await b.entry('bundle-test', entry);
    expect(again!.handler).toBe(first!.handler);
    expect(await readFile(again!.handler, 'utf8')).toBe(code);

    await writeFile(entry, handlerSource('second'));
    const c = new FunctionBundles();
    const rebuilt = await c.entry('bundle-test', entry);
    expect(await readFile(rebuilt!.handler, 'utf8')).toContain('"second"');
    await b.close();
    await c.close();
  }, 120_000);
});
