/**
 * `strata iam policy`: every S3 call and hand-off the production code makes is granted, and
 * nothing else is. The call sites are found here independently of the generator.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { buildPolicy, COS_ACTIONS, findCallSites, PRODUCTION_ROOTS, type CamPolicy } from '../../../infra/iam/policy';
import { runCli } from '../../helpers/cli';

const REPO = resolve(import.meta.dirname, '../../..');

function files(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = join(dir, e.name);
    if (e.isDirectory()) return e.name === 'node_modules' ? [] : files(p);
    return /\.(ts|mts|js|mjs)$/.test(e.name) && !e.name.endsWith('.test.ts') ? [p] : [];
  });
}

/** S3 client commands the production tree constructs, by grep: `new <Name>Command(`. */
function grepCommands(): Map<string, string[]> {
  const found = new Map<string, string[]>();
  for (const root of PRODUCTION_ROOTS) {
    for (const f of files(join(REPO, root))) {
      const text = readFileSync(f, 'utf8');
      for (const m of text.matchAll(/new\s+([A-Z]\w*Command)\s*\(/g)) found.set(m[1]!, [...(found.get(m[1]!) ?? []), relative(REPO, f)]);
    }
  }
  return found;
}

const granted = (policy: CamPolicy) => new Set(policy.statement.flatMap((s) => s.action));

describe('strata iam policy', () => {
  it('grants the COS action of every S3 call site and scf:InvokeFunction on every hand-off target, and nothing else', async () => {
    const r = await runCli(['iam', 'policy'], { STRATA_DATA_DIR: '/nonexistent-strata', TENCENTCLOUD_UIN: '100000000001' });
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const policy = JSON.parse(r.stdout) as CamPolicy;
    expect(policy.version).toBe('2.0');

    const commands = grepCommands();
    expect(commands.size).toBeGreaterThan(10);
    const expected = new Set<string>();
    for (const [command, where] of commands) {
      expect(COS_ACTIONS[command], `${command} (${where.join(', ')}) has no COS action`).toBeDefined();
      for (const a of COS_ACTIONS[command]!) expected.add(`name/${a}`);
    }
    // Hand-offs: every invokeAsync names its target literally, so the policy can name it.
    const targets = new Set<string>();
    for (const root of PRODUCTION_ROOTS) {
      for (const f of files(join(REPO, root))) {
        if (f.endsWith(join('shared', 'invoke.ts'))) continue;
        const text = readFileSync(f, 'utf8');
        // A pass-through wrapper (`(fn, event) => invokeAsync(fn, event)`, also through a lazy
        // `(await import(…)).invokeAsync(fn, event)`) is allowed; its callers name the target.
        for (const m of text.matchAll(/(=>\s*(?:\(await import\([^)]*\)\)\.)?)?invokeAsync\(\s*([^,)]*)/g)) {
          if (m[1] && !m[2]!.startsWith("'")) continue;
          expect(m[2], `${relative(REPO, f)}: invokeAsync target must be a string literal`).toMatch(/^'[\w-]+'$/);
          targets.add(m[2]!.slice(1, -1));
        }
        for (const m of text.matchAll(/deps\.invoke\(\s*([^,)]*)/g)) {
          expect(m[1], `${relative(REPO, f)}: deps.invoke target must be a string literal`).toMatch(/^'[\w-]+'$/);
          targets.add(m[1]!.slice(1, -1));
        }
      }
    }
    expect(targets.has('transcode')).toBe(true);
    expected.add('name/scf:InvokeFunction');
    expect([...granted(policy)].sort()).toEqual([...expected].sort());

    const invoke = policy.statement.find((s) => s.action.includes('name/scf:InvokeFunction'))!;
    expect(invoke.resource.sort()).toEqual([...targets].sort().map((t) => `qcs::scf:ap-guangzhou:uin/100000000001:namespace/default/function/strata-dev-${t}`));
    // COS actions only on Strata's buckets (name-appid), never on every bucket.
    for (const s of policy.statement.filter((s) => s !== invoke)) {
      for (const res of s.resource) expect(res).toMatch(/^qcs::cos:ap-guangzhou:uid\/1250000000:(uploads|derived|shards-[a-d])-1250000000\/\*?$/);
    }
  }, 60_000);

  it('refuses a call it has no action for, naming where it is', () => {
    expect(() => buildPolicy([{ file: 'x.ts', line: 3, call: 'PutBucketPolicyCommand' }], { service: 's', stage: 'dev', region: 'ap-guangzhou', appid: '1', uin: '*', namespace: 'default', buckets: ['b'] })).toThrow(/x\.ts:3: PutBucketPolicyCommand/);
    expect(findCallSites(REPO).length).toBeGreaterThan(10);
  });
});
