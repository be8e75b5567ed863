/**
 * The JSON contract of `strata events parse FILE --json`: exactly these fields, in this
 * order, `null` where the payload has no value. Handler-only fields of the model are left out.
 */
import type { CanonicalEvent, StorageRecord } from './types';

function recordContract(r: StorageRecord): Record<string, unknown> {
  return {
    bucket: r.bucket,
    ...(r.appid === undefined ? {} : { appid: r.appid }),
    key: r.key,
    operation: r.operation,
    size: r.size,
    etag: r.etag,
    versionId: r.versionId,
    sequencer: r.sequencer,
    time: r.time,
  };
}

export function toContractJson(event: CanonicalEvent): Record<string, unknown> {
  switch (event.kind) {
    case 'storage':
      return { kind: 'storage', provider: event.provider, records: event.records.map(recordContract) };
    case 'timer':
      return { kind: 'timer', provider: 'scf', trigger: event.trigger, time: event.time, message: event.message };
    case 'http':
      return { kind: 'http', provider: 'scf', method: event.method, path: event.path, query: event.query, headers: event.headers, body: event.body };
    case 'test':
      return { kind: 'test', provider: 's3', bucket: event.bucket, time: event.time, records: [] };
  }
}
