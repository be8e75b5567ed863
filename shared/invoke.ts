/**
 * Hands work to another function asynchronously, as SCF's Invoke API with
 * `InvocationType=Event` does: returns once the event is queued; the target runs later with
 * SCF's async retry policy. Locally the stack injects `STRATA_INVOKE_ENDPOINT` into every
 * function (its HTTP server); on a deployed SCF this is not implemented yet (deploy issue).
 */
import { isErrorCode, StrataError } from '@strata/core/errors';

export interface InvokeAsyncResult {
  /** The async invocation's request id (= the event's id in `strata events list`). */
  readonly requestId: string;
}

export interface InvokeAsyncOptions {
  /** Where to read STRATA_INVOKE_ENDPOINT from (default process.env). */
  readonly env?: NodeJS.ProcessEnv;
}

/** Queues `event` (JSON, ≤ 128 KB as on SCF) for `functionName` (its key in serverless.yml). */
export async function invokeAsync(functionName: string, event: unknown, options: InvokeAsyncOptions = {}): Promise<InvokeAsyncResult> {
  const env = options.env ?? process.env;
  const endpoint = env.STRATA_INVOKE_ENDPOINT;
  if (!endpoint) {
    // Deployed SCF: calling the SCF Invoke API (tencentcloud-sdk, role keys, the deployed
    // name `<service>-<stage>-<function>`) belongs to the deploy issue, not written yet.
    throw new StrataError(
      'NotImplemented',
      `invokeAsync('${functionName}'): no STRATA_INVOKE_ENDPOINT (set by the local stack); async Invoke on a deployed SCF is not implemented yet`,
    );
  }
  let url: URL;
  try {
    url = new URL(`_scf/functions/${encodeURIComponent(functionName)}/invocations`, endpoint.endsWith('/') ? endpoint : `${endpoint}/`);
  } catch {
    throw new StrataError('InvalidConfig', `STRATA_INVOKE_ENDPOINT: not a URL: ${endpoint}`);
  }
  let response: Response;
  try {
    response = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(event ?? null) });
  } catch (err) {
    throw new StrataError('InvokeUnavailable', `invokeAsync('${functionName}'): ${url.origin} unreachable: ${(err as Error).message}`, { cause: err });
  }
  const text = await response.text();
  let body: { requestId?: unknown; errorCode?: unknown; errorMessage?: unknown } = {};
  try {
    body = JSON.parse(text) as typeof body;
  } catch {
    // reported below
  }
  if (response.status !== 202 || typeof body.requestId !== 'string') {
    // The invoked side's code when it is one of ours (ResourceNotFound.Function, EventTooLarge, …).
    const code = isErrorCode(body.errorCode) ? body.errorCode : 'InvokeFailed';
    const message = typeof body.errorMessage === 'string' ? body.errorMessage : `HTTP ${response.status}: ${text.slice(0, 200)}`;
    const remote = typeof body.errorCode === 'string' && body.errorCode !== code ? { remoteCode: body.errorCode } : {};
    throw new StrataError(code, `invokeAsync('${functionName}'): ${message}`, { details: { status: response.status, ...remote } });
  }
  return { requestId: body.requestId };
}
