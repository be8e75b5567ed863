import { hasCode, type ObjectRef, type StorageGateway } from '@strata/core';
import { writePending } from './pending';
import { featureRecordKey } from './record';

/**
 * A source object was deleted: its feature record goes now, and a delete of its index row is
 * queued for the one index writer (workers never write the table).
 */
export async function removeAssetFeatures(gateway: StorageGateway, derivedBucket: string, source: ObjectRef, now = new Date()): Promise<void> {
  await gateway.delete({ bucket: derivedBucket, key: featureRecordKey(source) }).catch((err: unknown) => {
    if (!hasCode(err, 'NoSuchKey')) throw err;
  });
  await writePending(gateway, derivedBucket, { op: 'delete', uri: `s3://${source.bucket}/${source.key}`, at: now.toISOString() });
}
