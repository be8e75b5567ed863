import { describe, expect, it } from 'vitest';
import { StrataError } from '@strata/core/errors';
import { toCosEvent, type CosSourceEvent } from '../../../../infra/local/emulator/cosEvent';
import { parseEvent, type StorageEvent } from '../../../../shared/events';

const upload: CosSourceEvent = {
  type: 'created',
  op: 'put',
  bucket: 'uploads',
  key: 'dir with space/ünï+cøde&x=1.bin',
  size: 5,
  etag: '5d41402abc4b2a76b9719d911017c592',
  sequencer: '0190F1A2B3C40000',
  time: '2026-03-01T10:20:30.456Z',
  requestId: '9A1B2C3D4E5F6071',
};
const options = { appid: '1250000000', region: 'gz' };

function storage(payload: unknown): StorageEvent {
  const event = parseEvent(payload);
  if (event.kind !== 'storage') throw new Error(`expected storage, got ${event.kind}`);
  return event;
}

describe('toCosEvent', () => {
  it('builds the COS trigger shape SCF delivers (key prefixed with /appid/bucket/, unix-seconds time)', () => {
    const [record] = toCosEvent([upload], options).Records;
    expect(record?.cos.cosObject.key).toBe('/1250000000/uploads/dir with space/ünï+cøde&x=1.bin');
    expect(record?.cos.cosBucket).toEqual({ region: 'gz', name: 'uploads', appid: '1250000000' });
    expect(record?.event.eventSource).toBe('qcs::cos');
    expect(record?.event.eventName).toBe('cos:ObjectCreated:Put');
    expect(record?.event.eventTime).toBe(Math.floor(Date.parse(upload.time) / 1000));
    expect(record?.cos.cosObject.meta['x-cos-request-id']).toBe(upload.sequencer);
  });

  it('round-trips through the parser: same bucket, raw key, operation, size; time to the second', () => {
    const event = storage(toCosEvent(upload, options));
    expect(event.provider).toBe('cos');
    expect(event.records).toHaveLength(1);
    expect(event.records[0]).toMatchObject({
      bucket: 'uploads',
      appid: '1250000000',
      key: upload.key,
      operation: 'created',
      eventName: 'cos:ObjectCreated:Put',
      size: 5,
      etag: null,
      versionId: null,
      sequencer: null,
      time: '2026-03-01T10:20:30.000Z',
      requestId: upload.sequencer,
    });
  });

  it('maps every local op to its COS event name and canonical operation', () => {
    const ops = [
      ['put', 'created', 'cos:ObjectCreated:Put'],
      ['post', 'created', 'cos:ObjectCreated:Post'],
      ['copy', 'created', 'cos:ObjectCreated:Copy'],
      ['multipart', 'created', 'cos:ObjectCreated:CompleteMultipartUpload'],
      ['delete', 'removed', 'cos:ObjectRemove:Delete'],
      ['restore', 'restored', 'cos:ObjectRestore:Completed'],
    ] as const;
    const events = ops.map(([op], i) => ({ ...upload, op, sequencer: `S${i}`, size: op === 'delete' ? null : 5 }));
    const parsed = storage(toCosEvent(events, options));
    expect(parsed.records.map((r) => [r.eventName, r.operation])).toEqual(ops.map(([, operation, name]) => [name, operation]));
    expect(parsed.records[4]?.size).toBeNull();
  });

  it('gives redeliveries the same idempotency key and a new upload of identical bytes a new one', () => {
    const first = storage(toCosEvent(upload, options)).records[0]?.idempotencyKey;
    const redelivered = storage(JSON.parse(JSON.stringify(toCosEvent(upload, options)))).records[0]?.idempotencyKey;
    const reupload = storage(toCosEvent({ ...upload, sequencer: '0190F1A2B3C50000', requestId: 'FFFF' }, options)).records[0]?.idempotencyKey;
    expect(first).toMatch(/^ik1-[0-9a-f]{32}$/);
    expect(redelivered).toBe(first);
    expect(reupload).not.toBe(first);
  });

  it('can point cosObject.url at the local endpoint', () => {
    const [record] = toCosEvent(upload, { ...options, endpoint: 'http://127.0.0.1:4568/' }).Records;
    expect(record?.cos.cosObject.url).toBe('http://127.0.0.1:4568/uploads/dir%20with%20space/%C3%BCn%C3%AF%2Bc%C3%B8de%26x%3D1.bin');
  });

  it('refuses bad input with a typed error', () => {
    expect(() => toCosEvent(upload, { appid: 'abc', region: 'gz' })).toThrow(StrataError);
    expect(() => toCosEvent({ ...upload, time: 'yesterday' }, options)).toThrow(/records\[0\]\.time/);
    expect(() => toCosEvent({ ...upload, sequencer: '' }, options)).toThrow(/sequencer/);
  });
});
