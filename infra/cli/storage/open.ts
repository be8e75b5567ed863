/**
 * What storage commands (put, get, stat, ls, scrub, heal, gc) share: the config, the resolved
 * endpoint and a gateway context built with the configured provider profile and COS APPID.
 */
import { createGatewayContext, gatewayFromContext, type GatewayContext, type StorageGateway } from '@strata/core';
import { loadConfig, type Config } from '../../../shared/config';
import { resolveS3Endpoint } from '../context';

export interface StorageCli {
  readonly config: Config;
  readonly endpoint: string;
  readonly ctx: GatewayContext;
  readonly gateway: StorageGateway;
}

export function openStorage(env: NodeJS.ProcessEnv): StorageCli {
  const config = loadConfig(env);
  // Non-local providers use their profile's endpoint when none is configured (AWS, COS).
  const endpoint = config.storage.provider === 'local' ? resolveS3Endpoint(config) : config.storage.endpoint;
  const ctx = createGatewayContext({
    ...(endpoint ? { endpoint } : {}),
    provider: config.storage.provider,
    region: config.storage.region,
    credentials: config.storage.credentials,
    ...(config.storage.appid ? { appid: config.storage.appid } : {}),
  });
  return { config, endpoint: endpoint ?? '(provider default)', ctx, gateway: gatewayFromContext(ctx) };
}
