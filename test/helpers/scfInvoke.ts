/**
 * Invokes a function of a running local stack the way production code does: SCF's `Invoke`
 * API through tencentcloud-sdk-nodejs-scf (shared/invoke.ts), signed with the stack's keys.
 */
import { invokeAsync } from '../../shared/invoke';
import type { RunningStack } from '../../infra/local/stack';

/** The settings and role keys a function of `stack` gets for invokeAsync. */
export function invokeEnv(stack: RunningStack, overrides: Record<string, string> = {}): NodeJS.ProcessEnv {
  return {
    STRATA_SCF_ENDPOINT: stack.emulator.httpEndpoint,
    STRATA_SERVICE: stack.spec.service,
    STRATA_STAGE: stack.spec.stage,
    TENCENTCLOUD_REGION: stack.spec.region,
    TENCENTCLOUD_SECRETID: stack.config.storage.credentials.accessKeyId,
    TENCENTCLOUD_SECRETKEY: stack.config.storage.credentials.secretAccessKey,
    ...overrides,
  };
}

/** Queues `event` for `functionName` through the stack's SCF API; returns the event's id. */
export async function invokeThroughApi(stack: RunningStack, functionName: string, event: unknown): Promise<string> {
  return (await invokeAsync(functionName, event, { env: invokeEnv(stack) })).requestId;
}
