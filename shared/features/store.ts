/**
 * Opening the feature store from config: the LanceDB table at `s3://<derived>/index/lancedb`
 * on the configured object storage (the same endpoint and keys as the gateway).
 */
import type { Config } from '../config';
import { indexKey } from '../contracts/derivedKeys';
import { defaultEndpoint } from '../pipeline/gateway';
import { LanceIndex, lanceStorageOptions } from './lance';
import { EMBEDDING_DIM } from './record';
import type { FeatureSettings } from './settings';

export function lanceUri(config: Config): string {
  return `s3://${config.buckets.derived}/${indexKey('lancedb')}`;
}

export function openLanceIndex(config: Config, settings: Pick<FeatureSettings, 'refreshMs'> & Partial<Pick<FeatureSettings, 'ef' | 'exactBelow'>>, endpoint = defaultEndpoint(config)): Promise<LanceIndex> {
  const creds = config.storage.liveCredentials?.() ?? config.storage.credentials;
  return LanceIndex.open({
    uri: lanceUri(config),
    dim: EMBEDDING_DIM,
    storageOptions: lanceStorageOptions({ endpoint, region: config.storage.region, ...creds }),
    refreshMs: settings.refreshMs,
    ...(settings.ef !== undefined ? { ef: settings.ef } : {}),
    ...(settings.exactBelow !== undefined ? { exactBelow: settings.exactBelow } : {}),
  });
}
