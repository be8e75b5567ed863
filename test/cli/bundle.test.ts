/**
 * The `strata` bin runs the CLI's esbuild bundle (dist/cli), not TypeScript through tsx, and
 * `--help` loads no command and no package: only the bundle's entry and the chunks it needs
 * (what makes start-up fast; the time itself is measured by `npm run bench -- cli-start`).
 * A command loads its own chunk on demand; a source edited after the build triggers a rebuild.
 */
import { readFileSync, utimesSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import { runProcess } from '../helpers/cli';

const root = fileURLToPath(new URL('../..', import.meta.url));

// Records every module URL Node resolves (module.register resolve hook), printed at exit.
const TRACE = `data:text/javascript,${encodeURIComponent(`
import { register } from 'node:module';
import { MessageChannel } from 'node:worker_threads';
const { port1, port2 } = new MessageChannel();
const seen = [];
port1.on('message', (url) => seen.push(url));
port1.unref();
register('data:text/javascript,' + encodeURIComponent(\`
let port;
export function initialize(data) { port = data.port; }
export async function resolve(specifier, context, next) {
  const r = await next(specifier, context);
  port.postMessage(r.url);
  return r;
}\`), { data: { port: port2 }, transferList: [port2] });
process.on('exit', () => process.stderr.write('LOADED ' + JSON.stringify(seen) + '\\n'));
`)}`;

async function loaded(args: string[]): Promise<{ code: number | null; stdout: string; modules: string[] }> {
  const r = await runProcess(process.execPath, ['--import', TRACE, join(root, 'bin/strata.js'), ...args]);
  const line = r.stderr.split('\n').find((l) => l.startsWith('LOADED ')) ?? 'LOADED []';
  const modules = (JSON.parse(line.slice(7)) as string[]).filter((u) => u.startsWith('file:')).map((u) => fileURLToPath(u).slice(root.length));
  return { code: r.code, stdout: r.stdout, modules };
}

describe('strata CLI bundle', { timeout: 120_000 }, () => {
  // Builds the bundle first if a source changed since it was built (that run loads esbuild).
  beforeAll(async () => {
    expect((await runProcess(process.execPath, [join(root, 'bin/strata.js'), 'version'])).code).toBe(0);
  }, 120_000);

  it('--help loads only the bundle: no tsx, no TypeScript source, no package (sharp, aws-sdk…)', async () => {
    const { code, stdout, modules } = await loaded(['--help']);
    expect(code).toBe(0);
    expect(stdout).toContain('usage: strata <command>');
    expect(modules).toContain('dist/cli/main.js');
    expect(modules.filter((m) => !m.startsWith('dist/cli/') && m !== 'bin/strata.js' && m !== 'infra/cli/build.mjs')).toEqual([]);
    expect(modules.some((m) => m.startsWith('dist/cli/') && /^dist\/cli\/(asset|hash|invoke|lifecycle|features)-/.test(m))).toBe(false);
  });

  it('a command loads its own chunk and the packages it uses, from the bundle', async () => {
    const { code, stdout, modules } = await loaded(['events', 'parse', join(root, 'test/fixtures/events/timer/scf-doc-timer.json'), '--json']);
    expect(code).toBe(0);
    expect(JSON.parse(stdout)).toMatchObject({ kind: 'timer' });
    expect(modules.some((m) => /^dist\/cli\/events-[A-Z0-9]+\.js$/.test(m))).toBe(true);
    expect(modules.filter((m) => m.endsWith('.ts'))).toEqual([]);
    expect(modules.some((m) => m.includes('node_modules/tsx/'))).toBe(false);
  });

  it('rebuilds when a source it was built from changed', async () => {
    const manifest = JSON.parse(readFileSync(join(root, 'dist/cli/manifest.json'), 'utf8')) as { builtAt: number };
    // Just after that build started (still in the past: no rebuild loop afterwards).
    const after = new Date(manifest.builtAt + 1);
    utimesSync(join(root, 'infra/cli/commands/version.ts'), after, after);
    const r = await runProcess(process.execPath, [join(root, 'bin/strata.js'), 'version']);
    expect(r.code).toBe(0);
    const rebuilt = JSON.parse(readFileSync(join(root, 'dist/cli/manifest.json'), 'utf8')) as { builtAt: number };
    expect(rebuilt.builtAt).toBeGreaterThan(manifest.builtAt);
  });
});
