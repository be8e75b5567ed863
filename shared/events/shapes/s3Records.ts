/**
 * S3-style notification `Records[]`: AWS S3 (`aws:s3`), MinIO (`minio:s3`), RustFS (`rustfs:s3`),
 * Ceph RGW (`ceph:s3`), and the local s3rver (`aws:s3` with its `arn:aws:s3: : :` bucket ARN).
 * Quirks handled: keys form-encoded except for Ceph and s3rver (raw); Ceph's `size` may be a
 * string and its `eTag` may be spelled `etag`; Ceph's `versionId` is `""` when unversioned;
 * `eventTime` may use a space instead of `T` and microseconds.
 */
import { z } from 'zod';
import { bucketName, isoTime, objectSize, optionalId, unquoteEtag } from '../fields';
import { idempotencyKeyOf } from '../idempotency';
import { formatPath, invalidEvent, reasonFromZod } from '../invalid';
import { decodeFormKey, requireKey } from '../keys';
import { operationOfEventName } from '../operation';
import type { StorageEvent, StorageProvider, StorageRecord } from '../types';

const PROVIDER_BY_SOURCE: Readonly<Record<string, Exclude<StorageProvider, 'cos' | 'eventbridge'>>> = {
  'aws:s3': 's3',
  'minio:s3': 'minio',
  'rustfs:s3': 'rustfs',
  'ceph:s3': 'ceph',
};

// s3rver (the local server) builds `arn:aws:s3: : :<bucket>` and sends raw keys, unlike AWS.
const S3RVER_ARN_PREFIX = 'arn:aws:s3: : :';

const recordSchema = z.object({
  eventSource: z.string(),
  eventName: z.string().min(1, 'must not be empty'),
  eventTime: isoTime.nullish(),
  responseElements: z.object({ 'x-amz-request-id': optionalId }).nullish(),
  s3: z.object({
    bucket: z.object({ name: bucketName, arn: z.string().nullish() }),
    object: z.object({
      key: z.string(),
      size: objectSize.nullish(),
      eTag: z.string().nullish(),
      etag: z.string().nullish(),
      versionId: optionalId,
      sequencer: optionalId,
    }),
  }),
});

type S3Record = z.infer<typeof recordSchema>;

function providerOf(record: S3Record, index: number): StorageProvider {
  const provider = Object.hasOwn(PROVIDER_BY_SOURCE, record.eventSource) ? PROVIDER_BY_SOURCE[record.eventSource] : undefined;
  if (!provider) {
    throw invalidEvent(
      `Records[${index}].eventSource: unsupported ${JSON.stringify(record.eventSource.slice(0, 64))} (expected aws:s3, minio:s3, rustfs:s3 or ceph:s3)`,
    );
  }
  return provider;
}

function keyOf(record: S3Record, provider: StorageProvider, index: number): string {
  const where = formatPath(['Records', index, 's3', 'object', 'key']);
  const raw = record.s3.object.key;
  const sendsRawKeys = provider === 'ceph' || (record.s3.bucket.arn ?? '').startsWith(S3RVER_ARN_PREFIX);
  return requireKey(sendsRawKeys ? raw : decodeFormKey(raw, where), where);
}

function toRecord(record: S3Record, provider: StorageProvider, index: number): StorageRecord {
  const key = keyOf(record, provider, index);
  const object = record.s3.object;
  const operation = operationOfEventName(record.eventName);
  const fields = {
    bucket: record.s3.bucket.name,
    key,
    operation,
    eventName: record.eventName,
    size: object.size ?? null,
    etag: unquoteEtag(object.eTag ?? object.etag),
    versionId: object.versionId,
    sequencer: object.sequencer,
    time: record.eventTime ?? null,
    requestId: record.responseElements?.['x-amz-request-id'] ?? null,
  };
  return { ...fields, idempotencyKey: idempotencyKeyOf(fields) };
}

/** Parses a payload already known to have a non-empty `Records` array of S3-style records. */
export function parseS3Records(records: readonly unknown[]): StorageEvent {
  let provider: StorageProvider | undefined;
  const out: StorageRecord[] = [];
  // Index loop, not forEach: holes in a sparse array must fail as missing records, not vanish.
  for (let index = 0; index < records.length; index += 1) {
    const raw = records[index];
    const parsed = recordSchema.safeParse(raw, { reportInput: true });
    if (!parsed.success) throw invalidEvent(reasonFromZod(parsed.error, ['Records', index]));
    const recordProvider = providerOf(parsed.data, index);
    if (provider !== undefined && recordProvider !== provider) {
      throw invalidEvent(`Records[${index}].eventSource: ${parsed.data.eventSource} differs from Records[0] (one event has one provider)`);
    }
    provider = recordProvider;
    out.push(toRecord(parsed.data, recordProvider, index));
  }
  return { kind: 'storage', provider: provider ?? 's3', records: out };
}
