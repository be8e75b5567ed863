import { createS3Gateway, type StorageGateway } from '@strata/core';
import type { Config } from '../config';

/**
 * The storage gateway a function uses, from its validated config. Locally the emulator injects
 * STRATA_S3_ENDPOINT; with no endpoint and the `local` provider it falls back to the local port.
 */
export function gatewayFromConfig(config: Config): StorageGateway {
  const endpoint = config.storage.endpoint ?? (config.storage.provider === 'local' ? `http://127.0.0.1:${config.local.s3Port}` : undefined);
  return createS3Gateway({
    ...(endpoint ? { endpoint } : {}),
    provider: config.storage.provider,
    region: config.storage.region,
    credentials: config.storage.credentials,
    ...(config.storage.appid ? { appid: config.storage.appid } : {}),
  });
}
