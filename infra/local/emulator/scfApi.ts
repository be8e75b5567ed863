/**
 * The emulator's TencentCloud API 3.0 endpoint (`POST /` on the stack's HTTP port): SCF's
 * `Invoke` action (version 2018-04-16), answered the way SCF answers it, so the same
 * `tencentcloud-sdk-nodejs-scf` call runs locally, in tests and in production.
 * - Headers `X-TC-Action`, `X-TC-Version`, `X-TC-Region`, `X-TC-Timestamp`, TC3-HMAC-SHA256
 *   `Authorization` verified against the stack's key pair (tc3.ts).
 * - `FunctionName` is the deployed name `<service>-<stage>-<function>`, `Namespace` `default`.
 * - `InvocationType: "Event"` queues `ClientContext` (a JSON string, ≤ 128 KB) with SCF's
 *   async retry policy; `RequestResponse` runs it now and returns its result.
 * - Every answer is HTTP 200 with `{"Response":{…,"RequestId"}}`; errors carry
 *   `Response.Error.{Code,Message}` (AuthFailure.SignatureFailure, ResourceNotFound.Function,
 *   InvalidParameterValue.ClientContext, …).
 */
import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { StrataError } from '@strata/core/errors';
import type { Logger } from '../../../shared/log';
import { MAX_ASYNC_EVENT_BYTES, type AsyncDispatcher } from './dispatcher';
import { jsonNestingDepth, MAX_EVENT_DEPTH } from './jsonDepth';
import type { FunctionPool } from './functionPool';
import { verifyTc3 } from './tc3';

export const SCF_API_VERSION = '2018-04-16';
/** SCF's synchronous request limit; the whole API request body stays under it. */
const MAX_API_BODY_BYTES = 6 * 1024 * 1024;

export interface ScfApiDeps {
  readonly service: string;
  readonly stage: string;
  readonly region: string;
  readonly pools: ReadonlyMap<string, FunctionPool>;
  readonly dispatcher: AsyncDispatcher;
  /** The one key pair the stack accepts (the role keys it gives its functions). */
  readonly credentials: { readonly secretId: string; readonly secretKey: string };
  readonly log: Logger;
}

/** What the endpoint has answered, by action and outcome (tests assert hand-offs went through signed Invoke). */
export interface ScfApiStats {
  invoke: number;
  rejected: number;
  readonly byCode: Record<string, number>;
}

class ApiError extends Error {
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

function send(res: ServerResponse, response: Record<string, unknown>): void {
  const body = JSON.stringify({ Response: response });
  res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) });
  res.end(body);
}

function readBody(req: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_API_BODY_BYTES) {
        req.removeAllListeners('data');
        req.resume();
        reject(new ApiError('RequestSizeLimitExceeded', `request body over ${MAX_API_BODY_BYTES} bytes`));
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

const header = (req: IncomingMessage, name: string): string => {
  const v = req.headers[name];
  return (Array.isArray(v) ? v[0] : v) ?? '';
};

export function createScfApi(deps: ScfApiDeps): { readonly stats: ScfApiStats; handle(req: IncomingMessage, res: ServerResponse): Promise<void> } {
  const stats: ScfApiStats = { invoke: 0, rejected: 0, byCode: {} };
  const prefix = `${deps.service}-${deps.stage}-`;

  function functionOf(deployedName: unknown, namespace: unknown): FunctionPool {
    if (typeof deployedName !== 'string' || deployedName === '') throw new ApiError('MissingParameter', 'FunctionName is required');
    if (namespace !== undefined && namespace !== 'default') throw new ApiError('ResourceNotFound.Namespace', `namespace ${String(namespace)} does not exist (the local stack has only 'default')`);
    const pool = deployedName.startsWith(prefix) ? deps.pools.get(deployedName.slice(prefix.length)) : undefined;
    if (!pool) {
      const known = [...deps.pools.keys()].map((n) => prefix + n).join(', ');
      throw new ApiError('ResourceNotFound.Function', `function ${deployedName} does not exist in namespace default (this stack has: ${known})`);
    }
    return pool;
  }

  async function invoke(params: Record<string, unknown>, requestId: string): Promise<Record<string, unknown>> {
    const pool = functionOf(params.FunctionName, params.Namespace);
    const type = params.InvocationType ?? 'RequestResponse';
    if (type !== 'Event' && type !== 'RequestResponse') throw new ApiError('InvalidParameterValue.InvocationType', `InvocationType must be Event or RequestResponse, not ${String(type)}`);
    if (params.Qualifier !== undefined && params.Qualifier !== '$LATEST') throw new ApiError('ResourceNotFound.Version', `only $LATEST exists locally, not ${String(params.Qualifier)}`);
    const context = params.ClientContext ?? '{}';
    if (typeof context !== 'string') throw new ApiError('InvalidParameterValue.ClientContext', 'ClientContext must be a JSON string');
    const size = Buffer.byteLength(context);
    if (type === 'Event' && size > MAX_ASYNC_EVENT_BYTES) {
      throw new ApiError('InvalidParameterValue.ClientContext', `ClientContext is ${size} bytes; an async invocation accepts at most ${MAX_ASYNC_EVENT_BYTES}`);
    }
    const depth = jsonNestingDepth(context);
    if (depth > MAX_EVENT_DEPTH) {
      throw new ApiError('InvalidParameterValue.ClientContext', `ClientContext nests ${depth} levels deep; at most ${MAX_EVENT_DEPTH} are accepted`);
    }
    let event: unknown;
    try {
      event = JSON.parse(context);
    } catch {
      throw new ApiError('InvalidParameterValue.ClientContext', 'ClientContext is not valid JSON');
    }
    if (type === 'Event') {
      const record = await deps.dispatcher.enqueue(pool.spec.name, event, 'invoke');
      stats.invoke += 1;
      return { Result: { FunctionRequestId: record.id, RetMsg: 'Async invoke success', ErrMsg: '', InvokeResult: 0, Log: '', BillDuration: 0, Duration: 0, MemUsage: 0 }, RequestId: requestId };
    }
    const running = pool.tryInvoke({ requestId, event, triggerSrc: null });
    if (!running) throw new ApiError('ResourceInsufficient.Concurrency', `${pool.spec.name} is at its concurrency limit (${pool.spec.reservedConcurrency})`);
    stats.invoke += 1;
    const outcome = await running;
    const ok = outcome.kind === 'ok';
    return {
      Result: {
        FunctionRequestId: requestId,
        RetMsg: ok ? JSON.stringify(outcome.value ?? null) : '',
        ErrMsg: ok ? '' : outcome.error,
        InvokeResult: ok ? 0 : -1,
        Log: '',
        Duration: outcome.durationMs,
        BillDuration: Math.ceil(outcome.durationMs),
        MemUsage: 0,
      },
      RequestId: requestId,
    };
  }

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const requestId = randomUUID();
    try {
      if (req.method !== 'POST') throw new ApiError('UnsupportedOperation', 'TencentCloud API 3.0 takes POST /');
      const body = await readBody(req);
      const failure = verifyTc3({ method: 'POST', path: '/', query: '', headers: req.headers, body }, deps.credentials);
      if (failure) throw new ApiError(failure.code, failure.message);
      const action = header(req, 'x-tc-action');
      const version = header(req, 'x-tc-version');
      if (version !== SCF_API_VERSION) throw new ApiError('NoSuchVersion', `version ${version || '(none)'} is not supported; SCF's is ${SCF_API_VERSION}`);
      const region = header(req, 'x-tc-region');
      if (region && region !== deps.region) throw new ApiError('UnsupportedRegion', `this stack emulates region ${deps.region}, not ${region}`);
      let params: Record<string, unknown>;
      try {
        params = JSON.parse(body.toString('utf8') || '{}') as Record<string, unknown>;
      } catch {
        throw new ApiError('InvalidParameter', 'request body is not JSON');
      }
      if (action !== 'Invoke') throw new ApiError('InvalidAction', `action ${action || '(none)'} is not served by the local stack (only Invoke)`);
      const response = await invoke(params, requestId);
      deps.log.debug({ action, function: params.FunctionName, type: params.InvocationType, requestId }, 'SCF API call');
      send(res, response);
    } catch (err) {
      const code = err instanceof ApiError || err instanceof StrataError ? mapCode(err.code) : 'InternalError';
      stats.rejected += 1;
      stats.byCode[code] = (stats.byCode[code] ?? 0) + 1;
      if (code === 'InternalError') deps.log.error({ err }, 'SCF API call failed');
      else deps.log.info({ code, message: (err as Error).message }, 'SCF API call refused');
      if (res.headersSent) return void res.destroy();
      send(res, { Error: { Code: code, Message: (err as Error).message }, RequestId: requestId });
    }
  }

  return { stats, handle };
}

/** Dispatcher errors in SCF's vocabulary. */
function mapCode(code: string): string {
  if (code === 'StackStopping') return 'InternalError';
  if (code === 'EventTooLarge') return 'InvalidParameterValue.ClientContext';
  return code;
}
