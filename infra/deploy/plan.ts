/**
 * The deploy plan: the API calls that turn the account (as described) into what serverless.yml
 * asks for, and nothing else. Pure: the same desired state and account give the same calls in
 * the same order (layers, then functions in serverless.yml order, then buckets), so a dry run
 * prints the same bytes every time and a plan against the state a run leaves is empty.
 */
import type { AccountFunction, AccountState, AccountTrigger } from './account';
import { stableJson } from './account';
import type { DeployAction } from './apiSchemas';
import type { Desired, DesiredFunction, DesiredTrigger } from './desired';

export interface PlannedCall {
  readonly service: 'scf' | 'cos';
  readonly action: DeployAction;
  readonly region: string;
  readonly params: Record<string, unknown>;
}

/** A zip artifact travels as `file:<path>#sha256:<hex>` in the plan; the run reads and base64-encodes it. */
export const ARTIFACT_REF = /^file:(.+)#sha256:([0-9a-f]{64}|unbuilt)$/;

function artifactRef(a: { path: string; sha256: string | null }): string {
  return `file:${a.path}#sha256:${a.sha256 ?? 'unbuilt'}`;
}

/** A JSON TriggerDesc compared by content (key order and spacing aside); a cron string as is. */
function normDesc(desc: string): string {
  try {
    return stableJson(JSON.parse(desc), 0);
  } catch {
    return desc;
  }
}

function sameTrigger(a: AccountTrigger, b: DesiredTrigger): boolean {
  return normDesc(a.TriggerDesc) === normDesc(b.TriggerDesc) && a.Enable === b.Enable && (a.CustomArgument ?? '') === (b.CustomArgument ?? '');
}

function layerBinding(desired: Desired, account: AccountState): Map<string, { LayerName: string; LayerVersion: number; publish: boolean }> {
  const out = new Map<string, { LayerName: string; LayerVersion: number; publish: boolean }>();
  for (const layer of desired.layers) {
    const versions = account.layers[layer.LayerName] ?? [];
    const match = versions.filter((v) => v.Description === layer.Description).sort((a, b) => b.LayerVersion - a.LayerVersion)[0];
    // SCF numbers a layer's versions 1, 2, 3…: a new one is the next number.
    const next = Math.max(0, ...versions.map((v) => v.LayerVersion)) + 1;
    out.set(layer.key, { LayerName: layer.LayerName, LayerVersion: match ? match.LayerVersion : next, publish: !match });
  }
  return out;
}

function codeOf(fn: DesiredFunction, imageType: string): Record<string, unknown> {
  // Web-server image: SCF sends each event to POST /event-invoke on port 9000 (infra/package/image-server.mjs).
  return fn.image ? { ImageConfig: { ImageType: imageType, ImageUri: fn.ImageUri, ImagePort: 9000 } } : { ZipFile: artifactRef(fn.artifact) };
}

function variables(v: Readonly<Record<string, string>>): { Variables: { Key: string; Value: string }[] } {
  return { Variables: Object.keys(v).sort().map((Key) => ({ Key, Value: v[Key]! })) };
}

function sameVariables(a: Readonly<Record<string, string>>, b: Readonly<Record<string, string>>): boolean {
  return stableJson(a) === stableJson(b);
}

export interface PlanOptions {
  readonly imageType?: 'personal' | 'enterprise';
}

export function planDeploy(desired: Desired, account: AccountState, options: PlanOptions = {}): PlannedCall[] {
  const { region, namespace } = desired;
  const imageType = options.imageType ?? 'personal';
  const calls: PlannedCall[] = [];
  const scf = (action: DeployAction, params: Record<string, unknown>) => calls.push({ service: 'scf', action, region, params });
  const bindings = layerBinding(desired, account);

  for (const layer of desired.layers) {
    if (!bindings.get(layer.key)!.publish) continue;
    scf('PublishLayerVersion', {
      LayerName: layer.LayerName,
      CompatibleRuntimes: [...layer.CompatibleRuntimes],
      Content: { ZipFile: artifactRef(layer.artifact) },
      Description: layer.Description,
    });
  }

  for (const fn of desired.functions) {
    const current: AccountFunction | undefined = account.functions[fn.FunctionName];
    const Layers = fn.layers.map((l) => {
      const b = bindings.get(l)!;
      return { LayerName: b.LayerName, LayerVersion: b.LayerVersion };
    });
    const base = { FunctionName: fn.FunctionName, Namespace: namespace };
    if (!current) {
      scf('CreateFunction', {
        ...base,
        Code: codeOf(fn, imageType),
        ...(fn.image ? {} : { Handler: fn.Handler, Runtime: fn.Runtime }),
        Type: 'Event',
        Description: fn.Description,
        MemorySize: fn.MemorySize,
        Timeout: fn.Timeout,
        Environment: variables(fn.Variables),
        Role: fn.Role,
        ...(Layers.length > 0 ? { Layers } : {}),
        ...(fn.deadLetter ? { DeadLetterConfig: fn.deadLetter } : {}),
      });
    } else {
      const codeChanged = fn.image ? current.ImageUri !== fn.ImageUri : current.Description !== fn.Description;
      if (codeChanged) {
        scf('UpdateFunctionCode', fn.image ? { ...base, Code: codeOf(fn, imageType) } : { ...base, Handler: fn.Handler, ZipFile: artifactRef(fn.artifact) });
      }
      const update: Record<string, unknown> = {};
      if (current.Description !== fn.Description) update.Description = fn.Description;
      if (current.MemorySize !== fn.MemorySize) update.MemorySize = fn.MemorySize;
      if (current.Timeout !== fn.Timeout) update.Timeout = fn.Timeout;
      if (!fn.image && current.Runtime !== fn.Runtime) update.Runtime = fn.Runtime;
      if (!sameVariables(current.Variables, fn.Variables)) update.Environment = variables(fn.Variables);
      if (current.Role !== fn.Role) update.Role = fn.Role;
      if (stableJson(current.Layers) !== stableJson(Layers)) update.Layers = Layers;
      if (fn.deadLetter && stableJson(current.DeadLetter) !== stableJson(fn.deadLetter)) update.DeadLetterConfig = fn.deadLetter;
      if (Object.keys(update).length > 0) scf('UpdateFunctionConfiguration', { ...base, ...update });
    }

    // A trigger is known by type and name (and, for COS, its event and filter: one bucket can
    // trigger a function on several events). One that differs is replaced; one serverless.yml no
    // longer names is removed.
    const existing = current?.Triggers ?? [];
    const keyOf = (t: { Type: string; TriggerName: string; TriggerDesc: string }) => `${t.Type}\0${t.TriggerName}\0${t.Type === 'cos' ? normDesc(t.TriggerDesc) : ''}`;
    const kept = new Set<string>();
    for (const t of existing) {
      const want = fn.triggers.find((d) => keyOf(d) === keyOf(t));
      if (want && sameTrigger(t, want)) {
        kept.add(keyOf(t));
        continue;
      }
      scf('DeleteTrigger', { ...base, TriggerName: t.TriggerName, Type: t.Type, ...(t.Type === 'cos' ? { TriggerDesc: t.TriggerDesc } : {}) });
    }
    for (const t of fn.triggers) {
      if (kept.has(keyOf(t))) continue;
      scf('CreateTrigger', {
        ...base,
        TriggerName: t.TriggerName,
        Type: t.Type,
        TriggerDesc: t.TriggerDesc,
        Enable: t.Enable,
        ...(t.CustomArgument ? { CustomArgument: t.CustomArgument } : {}),
      });
    }

    if (fn.async && stableJson(current?.Async ?? null) !== stableJson(fn.async)) {
      scf('UpdateFunctionEventInvokeConfig', { ...base, AsyncTriggerConfig: { RetryConfig: [{ RetryNum: fn.async.RetryNum }], MsgTTL: fn.async.MsgTTL } });
    }
    if (fn.ReservedConcurrencyMem !== null && (current?.ReservedConcurrencyMem ?? null) !== fn.ReservedConcurrencyMem) {
      scf('PutReservedConcurrencyConfig', { ...base, ReservedConcurrencyMem: fn.ReservedConcurrencyMem });
    }
  }

  for (const b of desired.buckets) {
    const current = account.buckets[b.Bucket];
    if (b.lifecycle && stableJson(current?.Lifecycle ?? null) !== stableJson(b.lifecycle)) {
      calls.push({ service: 'cos', action: 'PutBucketLifecycle', region, params: { Bucket: b.Bucket, LifecycleConfiguration: { Rule: b.lifecycle } } });
    }
    if (b.inventory) {
      const id = String(b.inventory.Id);
      if (stableJson(current?.Inventory[id] ?? null) !== stableJson(b.inventory)) {
        calls.push({ service: 'cos', action: 'PutBucketInventory', region, params: { Bucket: b.Bucket, id, InventoryConfiguration: b.inventory } });
      }
    }
  }
  return calls;
}

const SECRET_NAME = /SECRET|PASSWORD|TOKEN|CREDENTIAL|PRIVATE|(^|_)KEY$/i;

/** The call with secrets masked: environment values whose name looks secret print as `***`. */
export function maskSecrets(call: PlannedCall): PlannedCall {
  const env = call.params.Environment as { Variables?: { Key: string; Value: string }[] } | undefined;
  if (!env?.Variables) return call;
  const Variables = env.Variables.map((v) => (SECRET_NAME.test(v.Key) ? { Key: v.Key, Value: '***' } : v));
  return { ...call, params: { ...call.params, Environment: { Variables } } };
}

/** The plan as printed by `--dry-run`: one JSON document, keys sorted, secrets masked. */
export function renderPlan(calls: readonly PlannedCall[], desired: Desired): string {
  return `${stableJson({
    service: desired.service,
    stage: desired.stage,
    region: desired.region,
    calls: calls.map(maskSecrets),
    // The images this plan deploys: build (x86-64, as SCF requires) and push them before the real run.
    docker: dockerCommands(calls, desired),
  })}\n`;
}

/** `docker build` / `docker push` for each image a CreateFunction or UpdateFunctionCode call names. */
export function dockerCommands(calls: readonly PlannedCall[], desired: Desired): string[] {
  const uris = new Set(calls.map((c) => ((c.params.Code as { ImageConfig?: { ImageUri?: string } } | undefined)?.ImageConfig?.ImageUri ?? '')));
  return desired.images.filter((i) => uris.has(i.ImageUri)).flatMap((i) => [`docker build --platform linux/amd64 -t ${i.ImageUri} ${i.context}`, `docker push ${i.ImageUri}`]);
}
