/**
 * Hands work to another function asynchronously through SCF's `Invoke` API (TencentCloud API
 * 3.0, version 2018-04-16, `InvocationType: "Event"`, the event as the `ClientContext` JSON
 * string), through a small TC3-signed client (shared/tencentCloudApi.ts; loading the official SDK
 * cost every on-upload cold start ~0.24 s of CPU). Returns once SCF has queued the event;
 * the target runs later under SCF's async retry policy.
 *
 * The same call runs everywhere: on SCF it goes to scf.tencentcloudapi.com; locally and in
 * tests `STRATA_SCF_ENDPOINT` points it at the emulator, which answers the same API.
 * - The target is the deployed name `<STRATA_SERVICE>-<STRATA_STAGE>-<function>` in namespace
 *   `STRATA_SCF_NAMESPACE`, region `STRATA_SCF_REGION` (default: SCF's TENCENTCLOUD_REGION).
 * - Signed with the execution role's keys, TENCENTCLOUD_SECRETID/SECRETKEY/SESSIONTOKEN, read
 *   for every call: SCF rotates them under a warm instance.
 * - SCF caps an async event at 128 KB. A larger one is stored in object storage (the caller
 *   gives the store) and the event carries only its key; `resolveInvokeEvent` loads it back.
 */
import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import type { ObjectRef, StorageGateway } from '@strata/core';
import { ConfigError, isErrorCode, StrataError } from '@strata/core/errors';
import { callTencentCloudApi, TencentCloudApiError } from './tencentCloudApi';
import { describeZodError } from './validation';

/** SCF's limit for an async event's ClientContext (bytes of its JSON). */
export const MAX_ASYNC_EVENT_BYTES = 128 * 1024;
/** Where events too large for ClientContext are stored, in the derived bucket. */
export const SPILLED_EVENT_PREFIX = 'work/invoke/';

const invokeEnvSchema = z.object({
  STRATA_SCF_ENDPOINT: z.string().url().optional(),
  STRATA_SERVICE: z.string().regex(/^[A-Za-z][A-Za-z0-9_-]*$/, 'must be the serverless.yml service name'),
  STRATA_STAGE: z.string().regex(/^[A-Za-z0-9_-]+$/, 'must be the deployed stage'),
  STRATA_SCF_NAMESPACE: z.string().min(1).default('default'),
  STRATA_SCF_REGION: z.string({ error: (issue) => (issue.input === undefined ? 'unset (and no TENCENTCLOUD_REGION)' : undefined) }).regex(/^[a-z]+-[a-z0-9-]+$/, 'must be a region such as ap-guangzhou'),
});

export interface InvokeSettings {
  /** `host[:port]` of the API endpoint and its protocol; undefined = SCF's (https://scf.tencentcloudapi.com). */
  readonly endpoint: { readonly host: string; readonly protocol: 'http://' | 'https://' } | undefined;
  readonly service: string;
  readonly stage: string;
  readonly namespace: string;
  readonly region: string;
}

/** The settings invokeAsync reads, validated (a missing one names its variable). */
export function invokeSettings(env: NodeJS.ProcessEnv = process.env): InvokeSettings {
  const cleaned = Object.fromEntries(Object.entries(env).filter(([, v]) => v !== undefined && v !== ''));
  const parsed = invokeEnvSchema.safeParse({ ...cleaned, STRATA_SCF_REGION: cleaned.STRATA_SCF_REGION ?? cleaned.TENCENTCLOUD_REGION });
  if (!parsed.success) {
    throw new ConfigError(`async invoke: ${describeZodError(parsed.error)}`);
  }
  const e = parsed.data;
  let endpoint: InvokeSettings['endpoint'];
  if (e.STRATA_SCF_ENDPOINT) {
    const url = new URL(e.STRATA_SCF_ENDPOINT);
    endpoint = { host: url.host, protocol: url.protocol === 'http:' ? 'http://' : 'https://' };
  }
  return { endpoint, service: e.STRATA_SERVICE, stage: e.STRATA_STAGE, namespace: e.STRATA_SCF_NAMESPACE, region: e.STRATA_SCF_REGION };
}

/** SCF's API endpoint (the SDK's default). */
const SCF_API_ENDPOINT = { host: 'scf.tencentcloudapi.com', protocol: 'https://' } as const;

/** `<service>-<stage>-<function>`, the name the deployed function has on SCF. */
export function deployedFunctionName(settings: Pick<InvokeSettings, 'service' | 'stage'>, functionName: string): string {
  return `${settings.service}-${settings.stage}-${functionName}`;
}

/** The execution role's keys as they are now. */
function roleKeys(env: NodeJS.ProcessEnv): { secretId: string; secretKey: string; token?: string } {
  const secretId = env.TENCENTCLOUD_SECRETID;
  const secretKey = env.TENCENTCLOUD_SECRETKEY;
  if (!secretId || !secretKey) {
    throw new StrataError('CredentialsMissing', 'async invoke: TENCENTCLOUD_SECRETID/TENCENTCLOUD_SECRETKEY are unset (SCF sets them from the function\'s execution role; the local stack sets its own)');
  }
  const token = env.TENCENTCLOUD_SESSIONTOKEN;
  return token ? { secretId, secretKey, token } : { secretId, secretKey };
}

/** An event stored in object storage because it was over the async limit: `{ strataEventRef: { bucket, key } }`. */
export const spilledEventSchema = z.object({ strataEventRef: z.object({ bucket: z.string().min(1), key: z.string().startsWith(SPILLED_EVENT_PREFIX) }) }).strict();

export interface SpillStore {
  readonly gateway: Pick<StorageGateway, 'put'>;
  /** The derived bucket. */
  readonly bucket: string;
}

export interface InvokeAsyncResult {
  /** The async invocation's request id (SCF's FunctionRequestId; `strata events list` shows it locally). */
  readonly requestId: string;
  /** Set when the event was over 128 KB and went to object storage. */
  readonly spilledTo?: ObjectRef;
}

export interface InvokeAsyncOptions {
  /** Where settings and role keys are read from (default process.env), at each call. */
  readonly env?: NodeJS.ProcessEnv;
  /** Where an event over 128 KB is stored; without it such an event is refused (EventTooLarge). */
  readonly spill?: SpillStore;
}

/** Queues `event` for `functionName` (its key in serverless.yml) through SCF's async Invoke. */
export async function invokeAsync(functionName: string, event: unknown, options: InvokeAsyncOptions = {}): Promise<InvokeAsyncResult> {
  const env = options.env ?? process.env;
  const settings = invokeSettings(env);
  const credential = roleKeys(env);
  let clientContext = JSON.stringify(event ?? null);
  let spilledTo: ObjectRef | undefined;
  const size = Buffer.byteLength(clientContext);
  if (size > MAX_ASYNC_EVENT_BYTES) {
    if (!options.spill) {
      throw new StrataError('EventTooLarge', `invokeAsync('${functionName}'): the event is ${size} bytes; SCF takes at most ${MAX_ASYNC_EVENT_BYTES} in an async call, and no store was given for larger ones`);
    }
    spilledTo = { bucket: options.spill.bucket, key: `${SPILLED_EVENT_PREFIX}${functionName}/${randomUUID()}.json` };
    await options.spill.gateway.put(spilledTo, clientContext, { contentType: 'application/json' });
    clientContext = JSON.stringify({ strataEventRef: spilledTo });
  }
  const target = deployedFunctionName(settings, functionName);
  let response: { Result?: { FunctionRequestId?: string }; RequestId?: string };
  try {
    response = await callTencentCloudApi({
      endpoint: settings.endpoint ?? SCF_API_ENDPOINT,
      service: 'scf',
      version: '2018-04-16',
      action: 'Invoke',
      region: settings.region,
      credential,
      payload: { FunctionName: target, Namespace: settings.namespace, InvocationType: 'Event', ClientContext: clientContext },
    });
  } catch (err) {
    if (err instanceof TencentCloudApiError) {
      // The API's own code when Strata names it (ResourceNotFound.Function, AuthFailure.SignatureFailure, …); else InvokeFailed with it in details.
      const code = isErrorCode(err.code) ? err.code : 'InvokeFailed';
      throw new StrataError(code, `invokeAsync('${functionName}' as ${target}): ${err.code}: ${err.message}`, { cause: err, details: { apiCode: err.code, requestId: err.requestId } });
    }
    const endpoint = settings.endpoint ?? SCF_API_ENDPOINT;
    throw new StrataError('InvokeUnavailable', `invokeAsync('${functionName}' as ${target}): ${endpoint.protocol}${endpoint.host} unreachable: ${(err as Error).message ?? String(err)}`, { cause: err });
  }
  const requestId = response.Result?.FunctionRequestId ?? response.RequestId ?? '';
  return spilledTo ? { requestId, spilledTo } : { requestId };
}

/**
 * The event a function was invoked with: itself, or — when invokeAsync stored it because it
 * was over 128 KB — the stored JSON, read back.
 */
export async function resolveInvokeEvent(event: unknown, gateway: Pick<StorageGateway, 'getBytes'>): Promise<unknown> {
  const ref = spilledEventSchema.safeParse(event);
  if (!ref.success) return event;
  const { bytes } = await gateway.getBytes(ref.data.strataEventRef);
  return JSON.parse(bytes.toString('utf8')) as unknown;
}
