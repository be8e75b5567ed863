import { createGatewayContext, gatewayFromContext, type GatewayContext, type StorageGateway } from '@strata/core';
import type { Config } from '../config';

/**
 * The storage gateway context (client + provider profile) a function uses, from its validated
 * config. Locally the emulator injects STRATA_S3_ENDPOINT; with no endpoint and the `local`
 * provider it falls back to the local port.
 */
export function gatewayContextFromConfig(config: Config): GatewayContext {
  const endpoint = config.storage.endpoint ?? (config.storage.provider === 'local' ? `http://127.0.0.1:${config.local.s3Port}` : undefined);
  return createGatewayContext({
    ...(endpoint ? { endpoint } : {}),
    provider: config.storage.provider,
    region: config.storage.region,
    credentials: config.storage.credentials,
    ...(config.storage.appid ? { appid: config.storage.appid } : {}),
  });
}

/** The storage gateway a function uses, from its validated config. */
export function gatewayFromConfig(config: Config): StorageGateway {
  return gatewayFromContext(gatewayContextFromConfig(config));
}
