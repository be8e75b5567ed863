import { createS3Gateway, type StorageGateway } from '@strata/core';
import type { Config } from '../config';

/**
 * The local stack's port when the provider is `local` and no endpoint is set (the emulator
 * injects STRATA_S3_ENDPOINT); otherwise the configured endpoint, or none: the provider
 * profile's default (AWS, COS).
 */
export function defaultEndpoint(config: Config): string | undefined {
  return config.storage.endpoint ?? (config.storage.provider === 'local' ? `http://127.0.0.1:${config.local.s3Port}` : undefined);
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
