import { createS3Gateway, type StorageGateway } from '@strata/core';
import type { Config } from '../config';

/** The local S3 server's default address (infra/local/settings.ts: STRATA_S3_PORT 4568). */
const LOCAL_STACK_S3 = 'http://127.0.0.1:4568';

/**
 * The configured endpoint; for the `local` provider without one (the emulator injects
 * STRATA_S3_ENDPOINT into every function), the local stack's default address; otherwise none:
 * the provider profile's default (AWS, COS).
 */
export function defaultEndpoint(config: Config): string | undefined {
  return config.storage.endpoint ?? (config.storage.provider === 'local' ? LOCAL_STACK_S3 : undefined);
}

/** The storage gateway (client + provider profile) from validated config; `maintenance(gateway)` gives scrub, heal and gc. */
export function gatewayFromConfig(config: Config, endpoint = defaultEndpoint(config)): StorageGateway {
  return createS3Gateway({
    ...(endpoint ? { endpoint } : {}),
    provider: config.storage.provider,
    region: config.storage.region,
    credentials: config.storage.liveCredentials ?? config.storage.credentials,
    ...(config.storage.appid ? { appid: config.storage.appid } : {}),
  });
}
