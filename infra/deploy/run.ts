/**
 * A real deploy: describe the account, plan the difference, execute it call by call, describe
 * again (that answer is what `--state FILE` records). The account is reached through two narrow
 * ports: `ScfPort` (one TencentCloud API 3.0 action by name, answered by the
 * tencentcloud-sdk-nodejs-scf client) and `CosPort` (bucket lifecycle and inventory through the
 * COS XML API). Tests give in-memory ports; `sdkPorts` gives the real ones.
 */
import { readFileSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { join } from 'node:path';
import { StrataError } from '@strata/core/errors';
import { type AccountState, type AccountTrigger, emptyAccount } from './account';
import { API_SCHEMAS } from './apiSchemas';
import type { Desired } from './desired';
import { ARTIFACT_REF, type PlannedCall, planDeploy, type PlanOptions } from './plan';

export interface ScfPort {
  /** Calls one SCF action; rejects with an error whose `code` is the API's error code. */
  call(action: string, params: Record<string, unknown>): Promise<Record<string, unknown>>;
}

export interface CosPort {
  getLifecycle(bucket: string): Promise<Record<string, unknown>[] | null>;
  putLifecycle(bucket: string, rules: readonly Record<string, unknown>[]): Promise<void>;
  getInventory(bucket: string, id: string): Promise<Record<string, unknown> | null>;
  putInventory(bucket: string, id: string, configuration: Record<string, unknown>): Promise<void>;
}

function notFound(err: unknown): boolean {
  const code = String((err as { code?: unknown })?.code ?? '');
  return code.startsWith('ResourceNotFound');
}

async function orNull<T>(p: Promise<T>): Promise<T | null> {
  try {
    return await p;
  } catch (err) {
    if (notFound(err)) return null;
    throw err;
  }
}

function trigger(t: Record<string, unknown>): AccountTrigger {
  return {
    Type: String(t.Type),
    TriggerName: String(t.TriggerName),
    TriggerDesc: String(t.TriggerDesc ?? ''),
    Enable: t.Enable === 1 || t.Enable === 'OPEN' ? 'OPEN' : 'CLOSE',
    ...(t.CustomArgument ? { CustomArgument: String(t.CustomArgument) } : {}),
  };
}

/** The describe calls: what the account holds of everything `desired` names. */
export async function describeAccount(desired: Desired, scf: ScfPort, cos: CosPort): Promise<AccountState> {
  const account = emptyAccount();
  const ns = desired.namespace;
  for (const layer of desired.layers) {
    const r = await orNull(scf.call('ListLayerVersions', { LayerName: layer.LayerName }));
    const versions = (r?.LayerVersions as Record<string, unknown>[] | undefined) ?? [];
    account.layers[layer.LayerName] = versions.map((v) => ({ LayerVersion: Number(v.LayerVersion), Description: String(v.Description ?? '') }));
  }
  for (const fn of desired.functions) {
    const base = { FunctionName: fn.FunctionName, Namespace: ns };
    const f = await orNull(scf.call('GetFunction', base));
    if (!f) continue;
    const triggers = (await scf.call('ListTriggers', { ...base, Limit: 100 })).Triggers as Record<string, unknown>[] | undefined;
    const asyncCfg = (await orNull(scf.call('GetFunctionEventInvokeConfig', base)))?.AsyncTriggerConfig as
      | { RetryConfig?: { RetryNum?: number }[]; MsgTTL?: number }
      | undefined;
    const reserved = await orNull(scf.call('GetReservedConcurrencyConfig', base));
    const env = (f.Environment as { Variables?: { Key?: string; Value?: string }[] } | undefined)?.Variables ?? [];
    const dl = f.DeadLetterConfig as { Type?: string; Name?: string; FilterType?: string } | undefined;
    account.functions[fn.FunctionName] = {
      Runtime: String(f.Runtime ?? ''),
      Handler: String(f.Handler ?? ''),
      MemorySize: Number(f.MemorySize ?? 0),
      Timeout: Number(f.Timeout ?? 0),
      Description: String(f.Description ?? ''),
      Variables: Object.fromEntries(env.map((v) => [String(v.Key), String(v.Value ?? '')])),
      Role: String(f.Role ?? ''),
      Layers: ((f.Layers as { LayerName?: string; LayerVersion?: number }[] | undefined) ?? []).map((l) => ({ LayerName: String(l.LayerName), LayerVersion: Number(l.LayerVersion) })),
      ImageUri: (f.ImageConfig as { ImageUri?: string } | undefined)?.ImageUri ?? null,
      DeadLetter: dl?.Type && dl.Name ? { Type: dl.Type, Name: dl.Name, ...(dl.FilterType ? { FilterType: dl.FilterType } : {}) } : null,
      Triggers: (triggers ?? []).map(trigger),
      Async: asyncCfg?.RetryConfig?.length ? { RetryNum: Number(asyncCfg.RetryConfig[0]!.RetryNum), MsgTTL: Number(asyncCfg.MsgTTL) } : null,
      ReservedConcurrencyMem: reserved && typeof reserved.ReservedMem === 'number' ? reserved.ReservedMem : null,
    };
  }
  for (const b of desired.buckets) {
    const inventory: Record<string, Record<string, unknown>> = {};
    if (b.inventory) {
      const id = String(b.inventory.Id);
      const cfg = await cos.getInventory(b.Bucket, id);
      if (cfg) inventory[id] = cfg;
    }
    account.buckets[b.Bucket] = { Lifecycle: b.lifecycle ? await cos.getLifecycle(b.Bucket) : null, Inventory: inventory };
  }
  return account;
}

/** Replaces `file:<path>#sha256:<hex>` with the file's base64, after checking it is still that file. */
function withArtifacts(value: unknown, root: string): unknown {
  if (typeof value === 'string') {
    const m = ARTIFACT_REF.exec(value);
    if (!m) return value;
    if (m[2] === 'unbuilt') throw new StrataError('InvalidConfig', `${m[1]} is not built: run npm run package first`);
    const bytes = readFileSync(join(root, m[1]!));
    if (createHash('sha256').update(bytes).digest('hex') !== m[2]) throw new StrataError('InvalidConfig', `${m[1]} changed since the plan was made: plan again`);
    return bytes.toString('base64');
  }
  if (Array.isArray(value)) return value.map((v) => withArtifacts(v, root));
  if (value && typeof value === 'object') return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, withArtifacts(v, root)]));
  return value;
}

export interface ExecuteOptions {
  readonly root: string;
  readonly log?: (line: string) => void;
  /** Pause between status polls (default 1 s); tests pass 0. */
  readonly pollMs?: number;
}

/** Actions after which SCF updates the function in the background: wait for it to be Active again. */
const UPDATES_FUNCTION = new Set(['CreateFunction', 'UpdateFunctionCode', 'UpdateFunctionConfiguration']);

async function waitActive(scf: ScfPort, params: Record<string, unknown>, pollMs: number): Promise<void> {
  // As the Tencent plugin does: GetFunction every second, up to 90 times (image pulls take a while).
  for (let i = 0; i < 90; i++) {
    const f = await scf.call('GetFunction', { FunctionName: params.FunctionName, Namespace: params.Namespace });
    if (f.Status === 'Active') return;
    if (typeof f.Status === 'string' && /Failed$/.test(f.Status)) throw new StrataError('DeployFailed', `${String(params.FunctionName)}: ${f.Status} ${String(f.StatusDesc ?? '')}`);
    await new Promise((r) => setTimeout(r, pollMs));
  }
  throw new StrataError('DeployFailed', `${String(params.FunctionName)}: not Active after 90 polls`);
}

/** Runs the calls in order. A published layer version differing from the planned one is rebound. */
export async function executePlan(calls: readonly PlannedCall[], scf: ScfPort, cos: CosPort, options: ExecuteOptions): Promise<void> {
  const layerVersions = new Map<string, { planned: number; actual: number }>();
  for (const call of calls) {
    const schema = API_SCHEMAS[call.action];
    const checked = schema.safeParse(call.params);
    if (!checked.success) throw new StrataError('DeployFailed', `${call.action}: parameters fail the API's documented schema: ${checked.error.message}`);
    let params = call.params;
    const layers = params.Layers as { LayerName: string; LayerVersion: number }[] | undefined;
    if (layers) {
      params = { ...params, Layers: layers.map((l) => ({ ...l, LayerVersion: layerVersions.get(l.LayerName)?.actual ?? l.LayerVersion })) };
    }
    options.log?.(`${call.service} ${call.action} ${String(params.FunctionName ?? params.LayerName ?? params.Bucket ?? '')}`);
    if (call.service === 'cos') {
      const bucket = String(params.Bucket);
      if (call.action === 'PutBucketLifecycle') await cos.putLifecycle(bucket, (params.LifecycleConfiguration as { Rule: Record<string, unknown>[] }).Rule);
      else await cos.putInventory(bucket, String(params.id), params.InventoryConfiguration as Record<string, unknown>);
      continue;
    }
    const answer = await scf.call(call.action, withArtifacts(params, options.root) as Record<string, unknown>);
    if (UPDATES_FUNCTION.has(call.action)) await waitActive(scf, params, options.pollMs ?? 1000);
    if (call.action === 'PublishLayerVersion') {
      const versions = calls.flatMap((c) => (c.params.Layers as { LayerName: string; LayerVersion: number }[] | undefined) ?? []).filter((l) => l.LayerName === params.LayerName);
      layerVersions.set(String(params.LayerName), { planned: versions[0]?.LayerVersion ?? 0, actual: Number(answer.LayerVersion) });
    }
  }
}

/** Describe, plan, execute, describe again: returns the calls made and the account afterwards. */
export async function deploy(desired: Desired, scf: ScfPort, cos: CosPort, options: ExecuteOptions & PlanOptions): Promise<{ calls: PlannedCall[]; after: AccountState }> {
  const before = await describeAccount(desired, scf, cos);
  const calls = planDeploy(desired, before, options);
  await executePlan(calls, scf, cos, options);
  return { calls, after: await describeAccount(desired, scf, cos) };
}
