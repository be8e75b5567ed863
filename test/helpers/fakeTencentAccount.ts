/**
 * A small fake Tencent Cloud account for deploy tests: an HTTP TencentCloud API 3.0 endpoint
 * (`POST /`, `X-TC-Action`, TC3 signature verified with the emulator's verifier) answering the
 * SCF actions the deploy step uses from memory, checking every write's parameters against the
 * documented schema, and recording `Invoke` hand-offs; plus an in-memory COS port for bucket lifecycle/inventory. Functions become
 * Active after one GetFunction poll, as SCF's do after a while.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { API_SCHEMAS } from '../../infra/deploy/apiSchemas';
import type { CosPort } from '../../infra/deploy/run';
import { verifyTc3 } from '../../infra/local/emulator/tc3';

type Json = Record<string, unknown>;

interface FakeFunction {
  config: Json;
  triggers: Json[];
  asyncConfig: Json | null;
  reservedMem: number | null;
  polls: number;
}

export interface FakeAccount {
  readonly endpoint: string;
  readonly credentials: { secretId: string; secretKey: string };
  readonly cos: CosPort;
  /** Actions received, in order. */
  readonly actions: string[];
  /** Invoke calls received (async hand-offs), with their ClientContext. */
  readonly invocations: { FunctionName: string; InvocationType: string; ClientContext: string }[];
  close(): Promise<void>;
}

class ApiError extends Error {
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

export async function startFakeAccount(): Promise<FakeAccount> {
  const credentials = { secretId: 'AKIDfakeDeploy', secretKey: 'fake-deploy-secret' };
  const layers = new Map<string, Json[]>();
  const functions = new Map<string, FakeFunction>();
  const actions: string[] = [];
  const invocations: { FunctionName: string; InvocationType: string; ClientContext: string }[] = [];

  const fn = (p: Json): FakeFunction => {
    const f = functions.get(String(p.FunctionName));
    if (!f) throw new ApiError('ResourceNotFound.Function', `function ${String(p.FunctionName)} does not exist`);
    return f;
  };
  const handlers: Record<string, (p: Json) => Json> = {
    // Recorded, not run: the test hands the event on itself (as SCF would, asynchronously).
    Invoke: (p) => {
      invocations.push({ FunctionName: String(p.FunctionName), InvocationType: String(p.InvocationType ?? 'RequestResponse'), ClientContext: String(p.ClientContext ?? '') });
      return { Result: { FunctionRequestId: `fake-invoke-${invocations.length}`, InvokeResult: 0 } };
    },
    ListLayerVersions: (p) => {
      const versions = layers.get(String(p.LayerName));
      if (!versions) throw new ApiError('ResourceNotFound.Layer', 'no such layer');
      return { LayerVersions: versions };
    },
    PublishLayerVersion: (p) => {
      const versions = layers.get(String(p.LayerName)) ?? [];
      const LayerVersion = versions.length + 1;
      layers.set(String(p.LayerName), [...versions, { LayerName: p.LayerName, LayerVersion, Description: p.Description ?? '' }]);
      return { LayerVersion };
    },
    CreateFunction: (p) => {
      if (functions.has(String(p.FunctionName))) throw new ApiError('ResourceInUse.Function', 'exists');
      const code = p.Code as Json;
      functions.set(String(p.FunctionName), {
        config: { ...p, Code: undefined, ImageConfig: code.ImageConfig, Status: 'Creating' },
        triggers: [],
        asyncConfig: null,
        reservedMem: null,
        polls: 0,
      });
      return {};
    },
    GetFunction: (p) => {
      const f = fn(p);
      f.polls += 1;
      if (f.polls > 1) f.config.Status = 'Active';
      return { ...f.config, Triggers: f.triggers };
    },
    UpdateFunctionCode: (p) => {
      const f = fn(p);
      const code = p.Code as Json | undefined;
      f.config = { ...f.config, ...(code?.ImageConfig ? { ImageConfig: code.ImageConfig } : {}), ...(p.Handler ? { Handler: p.Handler } : {}), Status: 'Updating' };
      f.polls = 0;
      return {};
    },
    UpdateFunctionConfiguration: (p) => {
      const f = fn(p);
      f.config = { ...f.config, ...p, Status: 'Updating' };
      f.polls = 0;
      return {};
    },
    ListTriggers: (p) => ({ Triggers: fn(p).triggers.map((t) => ({ ...t, Enable: t.Enable === 'OPEN' ? 1 : 0 })) }),
    CreateTrigger: (p) => {
      const f = fn(p);
      f.triggers.push({ Type: p.Type, TriggerName: p.TriggerName, TriggerDesc: p.TriggerDesc, Enable: p.Enable ?? 'CLOSE', CustomArgument: p.CustomArgument });
      return {};
    },
    DeleteTrigger: (p) => {
      const f = fn(p);
      const before = f.triggers.length;
      f.triggers = f.triggers.filter((t) => !(t.Type === p.Type && t.TriggerName === p.TriggerName && (p.Type !== 'cos' || t.TriggerDesc === p.TriggerDesc)));
      if (f.triggers.length === before) throw new ApiError('ResourceNotFound.Trigger', 'no such trigger');
      return {};
    },
    GetFunctionEventInvokeConfig: (p) => ({ AsyncTriggerConfig: fn(p).asyncConfig ?? { RetryConfig: [], MsgTTL: 0 } }),
    UpdateFunctionEventInvokeConfig: (p) => {
      fn(p).asyncConfig = p.AsyncTriggerConfig as Json;
      return {};
    },
    GetReservedConcurrencyConfig: (p) => {
      const mem = fn(p).reservedMem;
      return mem === null ? {} : { ReservedMem: mem };
    },
    PutReservedConcurrencyConfig: (p) => {
      fn(p).reservedMem = Number(p.ReservedConcurrencyMem);
      return {};
    },
  };

  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks);
      const action = String(req.headers['x-tc-action'] ?? '');
      let response: Json;
      try {
        const failure = verifyTc3({ method: 'POST', path: '/', query: '', headers: req.headers, body }, credentials);
        if (failure) throw new ApiError(failure.code, failure.message);
        const params = JSON.parse(body.toString('utf8') || '{}') as Json;
        const schema = (API_SCHEMAS as Record<string, { safeParse(v: unknown): { success: boolean; error?: { message: string } } }>)[action];
        if (schema) {
          const checked = schema.safeParse(params);
          if (!checked.success) throw new ApiError('InvalidParameter', `${action}: ${checked.error?.message}`);
        }
        const handler = handlers[action];
        if (!handler) throw new ApiError('InvalidAction', `fake account does not answer ${action}`);
        actions.push(action);
        response = { ...handler(params), RequestId: `fake-${actions.length}` };
      } catch (err) {
        const e = err instanceof ApiError ? err : new ApiError('InternalError', String(err));
        response = { Error: { Code: e.code, Message: e.message }, RequestId: 'fake-error' };
      }
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ Response: response }));
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as AddressInfo;

  const lifecycles = new Map<string, Json[]>();
  const inventories = new Map<string, Json>();
  const cos: CosPort = {
    getLifecycle: async (bucket) => lifecycles.get(bucket) ?? null,
    putLifecycle: async (bucket, rules) => {
      const checked = API_SCHEMAS.PutBucketLifecycle.safeParse({ Bucket: bucket, LifecycleConfiguration: { Rule: rules } });
      if (!checked.success) throw new Error(checked.error.message);
      lifecycles.set(bucket, structuredClone([...rules]) as Json[]);
    },
    getInventory: async (bucket, id) => inventories.get(`${bucket}/${id}`) ?? null,
    putInventory: async (bucket, id, configuration) => {
      const checked = API_SCHEMAS.PutBucketInventory.safeParse({ Bucket: bucket, id, InventoryConfiguration: configuration });
      if (!checked.success) throw new Error(checked.error.message);
      inventories.set(`${bucket}/${id}`, structuredClone(configuration));
    },
  };

  return {
    endpoint: `http://127.0.0.1:${port}`,
    credentials,
    cos,
    actions,
    invocations,
    close: () => new Promise<void>((r) => server.close(() => r())),
  };
}
