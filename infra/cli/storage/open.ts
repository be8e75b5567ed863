/**
 * What storage commands (put, get, stat, ls, scrub, heal, gc) share: the config, the resolved
 * endpoint and a gateway context built with the configured provider profile and COS APPID.
 */
import { gatewayFromContext, type GatewayContext, type StorageGateway } from '@strata/core';
import { loadConfig, type Config } from '../../../shared/config';
import { gatewayContextFromConfig } from '../../../shared/pipeline/gateway';
import { cliEndpoint } from '../context';

export interface StorageCli {
  readonly config: Config;
  readonly endpoint: string;
  readonly ctx: GatewayContext;
  readonly gateway: StorageGateway;
}

export function openStorage(env: NodeJS.ProcessEnv): StorageCli {
  const config = loadConfig(env);
  const endpoint = cliEndpoint(config);
  const ctx = gatewayContextFromConfig(config, endpoint);
  return { config, endpoint: endpoint ?? '(provider default)', ctx, gateway: gatewayFromContext(ctx) };
}
