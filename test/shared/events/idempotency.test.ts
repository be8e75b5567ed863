import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { idempotencyKeyOf, parseEvent, type StorageEvent } from '../../../shared/events';
import { FIXTURE_ROOT, readJson } from './fixtures';

function firstKey(payload: unknown): string {
  return (parseEvent(payload) as StorageEvent).records[0]?.idempotencyKey ?? '';
}

function s3Put(overrides: { key?: string; eTag?: string; sequencer?: string; versionId?: string; eventName?: string; bucket?: string } = {}): unknown {
  return {
    Records: [
      {
        eventSource: 'aws:s3',
        eventName: overrides.eventName ?? 'ObjectCreated:Put',
        eventTime: '2024-01-01T00:00:00.000Z',
        responseElements: { 'x-amz-request-id': 'REQ1' },
        s3: {
          bucket: { name: overrides.bucket ?? 'uploads' },
          object: { key: overrides.key ?? 'a.jpg', size: 3, eTag: overrides.eTag ?? 'e1', sequencer: overrides.sequencer ?? '0055AED6DCD90281E5', ...(overrides.versionId ? { versionId: overrides.versionId } : {}) },
        },
      },
    ],
  };
}

function cosPut(requestId: string | null, reqid = 1, appid = '1250000000', eventName = 'cos:ObjectCreated:Put'): unknown {
  return {
    Records: [
      {
        cos: { cosObject: { key: `/${appid}/media/a.jpg`, size: 3, meta: requestId === null ? {} : { 'x-cos-request-id': requestId } }, cosBucket: { name: 'media', appid } },
        event: { eventName, eventTime: 1700000000, reqid },
      },
    ],
  };
}

describe('idempotency key', () => {
  it('has the documented format: ik1- + first 32 hex of sha256([bucketId,key,operation,versionOrEtag,sequencerOrRequestId])', () => {
    const material = JSON.stringify(['uploads', 'a.jpg', 'created', 'e1', '0055AED6DCD90281E5']);
    const expected = `ik1-${createHash('sha256').update(material).digest('hex').slice(0, 32)}`;
    expect(firstKey(s3Put())).toBe(expected);
    expect(idempotencyKeyOf({ bucket: 'media', appid: '1', key: 'k', operation: 'created', versionId: null, etag: null, sequencer: null, requestId: 'R' })).toBe(
      `ik1-${createHash('sha256').update(JSON.stringify(['media-1', 'k', 'created', '', 'R'])).digest('hex').slice(0, 32)}`,
    );
  });

  it('is equal for duplicate deliveries of one event (any provider, after a JSON round trip)', () => {
    for (const path of ['s3/aws-docs-put.json', 'cos/scf-plugin-doc.json', 'eventbridge/object-created.json', 'ceph/docs-put.json', 'minio/docs-put.json', 'local/builder-put.json']) {
      const payload = readJson(`${FIXTURE_ROOT}/${path}`);
      expect(firstKey(JSON.parse(JSON.stringify(payload))), path).toBe(firstKey(payload));
    }
  });

  it('differs for a new upload of identical bytes to the same key (new sequencer / new COS request id)', () => {
    expect(firstKey(s3Put({ sequencer: '0055AED6DCD90281E6' }))).not.toBe(firstKey(s3Put()));
    expect(firstKey(cosPut('REQ-B'))).not.toBe(firstKey(cosPut('REQ-A')));
    expect(firstKey(cosPut(null, 2))).not.toBe(firstKey(cosPut(null, 1)));
    const local = ['builder-put', 'builder-reupload'].map((n) => firstKey(readJson(`${FIXTURE_ROOT}/local/${n}.json`)));
    expect(local[0]).not.toBe(local[1]);
  });

  it('uses the version id before the etag, and the sequencer before the request id', () => {
    expect(firstKey(s3Put({ versionId: 'v1', eTag: 'e1' }))).toBe(firstKey(s3Put({ versionId: 'v1', eTag: 'e2' })));
    expect(firstKey(s3Put({ versionId: 'v1' }))).not.toBe(firstKey(s3Put({ versionId: 'v2' })));
    expect(firstKey(s3Put({ eTag: 'e1' }))).not.toBe(firstKey(s3Put({ eTag: 'e2' })));
    expect(firstKey(cosPut('SAME', 1))).toBe(firstKey(cosPut('SAME', 2)));
  });

  it('differs between a create and a delete of the same object, between buckets, keys and COS appids', () => {
    expect(firstKey(s3Put({ eventName: 'ObjectRemoved:Delete' }))).not.toBe(firstKey(s3Put()));
    expect(firstKey(cosPut('R', 1, '1250000000', 'cos:ObjectRemove:Delete'))).not.toBe(firstKey(cosPut('R')));
    expect(firstKey(s3Put({ bucket: 'other' }))).not.toBe(firstKey(s3Put()));
    expect(firstKey(s3Put({ key: 'b.jpg' }))).not.toBe(firstKey(s3Put()));
    expect(firstKey(cosPut('R', 1, '1250000001'))).not.toBe(firstKey(cosPut('R', 1, '1250000000')));
  });

  it('cannot be made to collide by moving separators between parts', () => {
    const a = idempotencyKeyOf({ bucket: 'a', key: 'b","c', operation: 'created', versionId: null, etag: 'e', sequencer: 's', requestId: null });
    const b = idempotencyKeyOf({ bucket: 'a","b', key: 'c', operation: 'created', versionId: null, etag: 'e', sequencer: 's', requestId: null });
    expect(a).not.toBe(b);
  });
});
