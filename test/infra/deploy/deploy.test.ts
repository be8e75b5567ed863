/**
 * `npm run deploy`: the dry-run plan of the repo's serverless.yml (deterministic, every call's
 * parameters valid against the API's documented parameter list), and a real run through the SCF
 * SDK against a fake account: a second plan against the state it leaves is empty, and a change in
 * serverless.yml plans exactly the calls that change it.
 */
import { execFile } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { accountSchema, stableJson } from '../../../infra/deploy/account';
import { API_SCHEMAS, type DeployAction } from '../../../infra/deploy/apiSchemas';
import { readDesired } from '../../../infra/deploy/desired';
import { type PlannedCall, planDeploy } from '../../../infra/deploy/plan';
import { deploy } from '../../../infra/deploy/run';
import { scfPort } from '../../../infra/deploy/sdk';
import { startFakeAccount, type FakeAccount } from '../../helpers/fakeTencentAccount';

const run = promisify(execFile);
const REGISTRY = 'ccr.ccs.tencentyun.com/strata';

/**
 * The repo's serverless.yml and lifecycle rules, copied with small stand-in artifacts (fixed
 * bytes: other tests rebuild dist/ while these run), so plans name real hashes.
 */
function projectCopy(edit: (yml: string) => string = (y) => y): string {
  const dir = mkdtempSync(join(tmpdir(), 'strata-deploy-'));
  writeFileSync(join(dir, 'serverless.yml'), edit(readFileSync('serverless.yml', 'utf8')));
  cpSync('infra/deploy/lifecycle', join(dir, 'infra/deploy/lifecycle'), { recursive: true });
  for (const path of ['dist/layers/core.zip', ...['on-upload', 'api', 'lifecycle', 'scrub'].map((f) => `dist/functions/${f}.zip`), ...['transcode', 'features', 'index-writer'].map((f) => `dist/images/${f}.zip`)]) {
    mkdirSync(dirname(join(dir, path)), { recursive: true });
    writeFileSync(join(dir, path), `stand-in for ${path}`);
  }
  return dir;
}

const project = projectCopy();

async function dryRun(...args: string[]): Promise<string> {
  const { stdout } = await run(process.execPath, ['--import', 'tsx', 'infra/deploy/main.ts', '--dry-run', '--config', join(project, 'serverless.yml'), '--image-registry', REGISTRY, ...args], {
    // The plan reads ${env:…} in serverless.yml: only its defaults, whatever the test run sets.
    env: { ...Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('STRATA_') && !k.startsWith('TENCENTCLOUD_'))) },
    timeout: 120_000,
  });
  return stdout;
}

function schemaProblems(calls: readonly PlannedCall[]): string[] {
  return calls.flatMap((c) => {
    const r = API_SCHEMAS[c.action as DeployAction].safeParse(c.params);
    return r.success ? [] : [`${c.action} ${String(c.params.FunctionName ?? c.params.LayerName ?? c.params.Bucket)}: ${r.error.message}`];
  });
}

describe('npm run deploy -- --dry-run (repo serverless.yml)', () => {
  let first: string;
  let plan: { calls: PlannedCall[]; docker: string[]; region: string };
  beforeAll(async () => {
    first = await dryRun();
    plan = JSON.parse(first);
  }, 150_000);

  it('prints the same bytes on a second run', async () => {
    expect(await dryRun()).toBe(first);
  }, 150_000);

  it('every call passes the schema written from its API documentation page', () => {
    expect(plan.calls.length).toBeGreaterThan(10);
    expect(schemaProblems(plan.calls)).toEqual([]);
  });

  it('plans the layer, image functions, Function URL, async settings, concurrency, lifecycle and inventory', () => {
    const actions = new Set(plan.calls.map((c) => c.action));
    for (const a of ['PublishLayerVersion', 'CreateFunction', 'CreateTrigger', 'UpdateFunctionEventInvokeConfig', 'PutReservedConcurrencyConfig', 'PutBucketLifecycle', 'PutBucketInventory']) {
      expect(actions, a).toContain(a);
    }
    const create = (name: string) => plan.calls.find((c) => c.action === 'CreateFunction' && c.params.FunctionName === name)!.params;
    // Zip functions bind the layer version the plan publishes; image functions load no layer.
    expect(create('strata-dev-on-upload').Layers).toEqual([{ LayerName: 'strata-core', LayerVersion: 1 }]);
    const image = (create('strata-dev-transcode').Code as { ImageConfig: { ImageUri: string; ImagePort: number } }).ImageConfig;
    expect(image.ImageUri).toMatch(new RegExp(`^${REGISTRY}/strata-transcode:[0-9a-f]{12}$`));
    expect(image.ImagePort).toBe(9000);
    expect(create('strata-dev-transcode').Layers).toBeUndefined();
    expect(plan.docker).toContain(`docker push ${image.ImageUri}`);
    expect(plan.docker).toContain(`docker build --platform linux/amd64 -t ${image.ImageUri} dist/images/transcode`);
    // A zip travels as a reference to the file and its hash; the real run uploads its bytes.
    expect((create('strata-dev-scrub').Code as { ZipFile: string }).ZipFile).toMatch(/^file:dist\/functions\/scrub\.zip#sha256:[0-9a-f]{64}$/);
    const url = plan.calls.find((c) => c.action === 'CreateTrigger' && c.params.Type === 'http')!;
    expect(url.params.FunctionName).toBe('strata-dev-api');
    // Reserved concurrency is memory: 8 instances × 256 MB for on-upload.
    expect(plan.calls.find((c) => c.action === 'PutReservedConcurrencyConfig' && c.params.FunctionName === 'strata-dev-on-upload')!.params.ReservedConcurrencyMem).toBe(8 * 256);
    expect(plan.calls.find((c) => c.action === 'UpdateFunctionEventInvokeConfig' && c.params.FunctionName === 'strata-dev-transcode')!.params.AsyncTriggerConfig).toEqual({
      RetryConfig: [{ RetryNum: 2 }],
      MsgTTL: 21600,
    });
  });

  it('COS triggers name the upload bucket only, never the derived bucket', () => {
    const cos = plan.calls.filter((c) => c.action === 'CreateTrigger' && c.params.Type === 'cos');
    expect(cos.map((c) => c.params.TriggerName)).toEqual(['uploads-1250000000.cos.ap-guangzhou.myqcloud.com', 'uploads-1250000000.cos.ap-guangzhou.myqcloud.com']);
    expect(first).not.toMatch(/derived-1250000000\.cos\./);
  });
});

describe('deploy against a fake account (SCF SDK over TC3, in-memory COS)', () => {
  let account: FakeAccount;
  beforeAll(async () => {
    account = await startFakeAccount();
  });
  afterAll(async () => {
    await account?.close();
  });

  it('a run applies the plan; planning against the state it leaves is empty (also from --state FILE)', async () => {
    const desired = await readDesired({ file: join(project, 'serverless.yml'), imageRegistry: REGISTRY, env: {} });
    const scf = scfPort(desired.region, account.credentials, account.endpoint);
    const { calls, after } = await deploy(desired, scf, account.cos, { root: project, pollMs: 0 });
    expect(calls.length).toBeGreaterThan(10);
    expect(planDeploy(desired, after)).toEqual([]);
    expect(account.actions).toContain('PublishLayerVersion');
    expect(account.actions).toContain('CreateFunction');

    const stateFile = join(project, 'state.json');
    writeFileSync(stateFile, `${stableJson(after)}\n`);
    expect(accountSchema.parse(JSON.parse(readFileSync(stateFile, 'utf8')))).toEqual(after);
    const fromState = JSON.parse(await dryRun('--state', stateFile));
    expect(fromState.calls).toEqual([]);
    expect(fromState.docker).toEqual([]);

    // Changing one setting plans exactly that change: a new memory size updates the
    // configuration and the reserved concurrency (memory-denominated) of that function only.
    const changed = { ...desired, functions: desired.functions.map((f) => (f.key === 'scrub' ? { ...f, MemorySize: 1024, ReservedConcurrencyMem: 1024 } : f)) };
    expect(planDeploy(changed, after).map((c) => [c.action, c.params.FunctionName, c.params.MemorySize ?? c.params.ReservedConcurrencyMem])).toEqual([
      ['UpdateFunctionConfiguration', 'strata-dev-scrub', 1024],
      ['PutReservedConcurrencyConfig', 'strata-dev-scrub', 1024],
    ]);
  }, 150_000);

  it('a wrong secret is refused with the API error, and nothing is created', async () => {
    const desired = await readDesired({ file: join(project, 'serverless.yml'), imageRegistry: REGISTRY, env: {} });
    const scf = scfPort(desired.region, { ...account.credentials, secretKey: 'wrong' }, account.endpoint);
    const before = account.actions.length;
    await expect(deploy(desired, scf, account.cos, { root: project, pollMs: 0 })).rejects.toMatchObject({ code: 'AuthFailure.SignatureFailure' });
    expect(account.actions.length).toBe(before);
  });
});

describe('readDesired', () => {
  it('refuses a COS trigger on the derived bucket', async () => {
    const dir = projectCopy((yml) =>
      yml.replace(
        "bucket: ${env:STRATA_UPLOAD_BUCKET, 'uploads'}-${self:custom.strata.appid}.cos.${self:provider.region}.myqcloud.com\n            events: 'cos:ObjectRemove:*'",
        "bucket: ${env:STRATA_DERIVED_BUCKET, 'derived'}-${self:custom.strata.appid}.cos.${self:provider.region}.myqcloud.com\n            events: 'cos:ObjectRemove:*'",
      ),
    );
    expect(readFileSync(join(dir, 'serverless.yml'), 'utf8')).toContain("bucket: ${env:STRATA_DERIVED_BUCKET, 'derived'}");
    await expect(readDesired({ file: join(dir, 'serverless.yml'), env: {} })).rejects.toThrow(/derived bucket .* must never trigger/);
  });

  it('a dead-letter target goes into the function configuration', async () => {
    const dir = projectCopy((yml) => yml.replace('async: { retries: 2, maxEventAgeSeconds: 21600 }', 'async: { retries: 1, maxEventAgeSeconds: 3600, deadLetter: { type: queue, name: strata-dlq } }'));
    const desired = await readDesired({ file: join(dir, 'serverless.yml'), env: {} });
    const calls = planDeploy(desired, { layers: {}, functions: {}, buckets: {} });
    const onUpload = calls.find((c) => c.action === 'CreateFunction' && c.params.FunctionName === 'strata-dev-on-upload')!;
    expect(onUpload.params.DeadLetterConfig).toEqual({ Type: 'queue', Name: 'strata-dlq' });
    expect(calls.find((c) => c.action === 'UpdateFunctionEventInvokeConfig' && c.params.FunctionName === 'strata-dev-on-upload')!.params.AsyncTriggerConfig).toEqual({
      RetryConfig: [{ RetryNum: 1 }],
      MsgTTL: 3600,
    });
    expect(schemaProblems(calls)).toEqual([]);
  });
});
