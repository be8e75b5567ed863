import { describe, expect, it } from 'vitest';
import { parseEvent, safeParseEvent, type StorageEvent } from '../../../shared/events';

type Source = 'aws:s3' | 'minio:s3' | 'rustfs:s3' | 'ceph:s3';

function recordsEvent(eventSource: Source, key: string, arn = 'arn:aws:s3:::bucket'): unknown {
  return {
    Records: [
      {
        eventSource,
        eventName: 's3:ObjectCreated:Put',
        eventTime: '2024-01-01T00:00:00Z',
        s3: { bucket: { name: 'bucket', arn }, object: { key, size: 1, eTag: 'e', sequencer: '01' } },
      },
    ],
  };
}

function eventBridge(key: string): unknown {
  return { source: 'aws.s3', 'detail-type': 'Object Created', time: '2024-01-01T00:00:00Z', detail: { bucket: { name: 'bucket' }, object: { key } } };
}

function cos(key: string, bucket = 'media', appid = '1250000000'): unknown {
  return {
    Records: [
      {
        cos: { cosObject: { key, size: 1, meta: { 'x-cos-request-id': 'R' } }, cosBucket: { name: bucket, appid, region: 'gz' } },
        event: { eventName: 'cos:ObjectCreated:Put', eventSource: 'qcs::cos', eventTime: 1700000000 },
      },
    ],
  };
}

function keyOf(payload: unknown): string {
  const event = parseEvent(payload) as StorageEvent;
  return event.records[0]?.key ?? '';
}

describe('object keys are decoded per provider', () => {
  it.each(['aws:s3', 'minio:s3', 'rustfs:s3'] as const)('%s: + is a space, %%2B a plus, %%2F a slash, UTF-8 percent-escapes decode', (source) => {
    expect(keyOf(recordsEvent(source, 'red+flower.jpg'))).toBe('red flower.jpg');
    expect(keyOf(recordsEvent(source, 'a%2Bb+c.txt'))).toBe('a+b c.txt');
    expect(keyOf(recordsEvent(source, 'photos%2F2024%2Fcat.jpg'))).toBe('photos/2024/cat.jpg');
    expect(keyOf(recordsEvent(source, 'photos/2024/cat.jpg'))).toBe('photos/2024/cat.jpg');
    expect(keyOf(recordsEvent(source, '%E6%97%85%E8%A1%8C%2Fcaf%C3%A9.jpg'))).toBe('旅行/café.jpg');
    expect(keyOf(recordsEvent(source, '100%25+real.mp4'))).toBe('100% real.mp4');
  });

  it('EventBridge keys are decoded the same way', () => {
    expect(keyOf(eventBridge('red+flower%2B1.jpg'))).toBe('red flower+1.jpg');
    expect(keyOf(eventBridge('caf%C3%A9.jpg'))).toBe('café.jpg');
  });

  it('Ceph RGW keys are raw: + stays a plus and %XX stays literal', () => {
    expect(keyOf(recordsEvent('ceph:s3', 'dir with space/a+b%2F.jpg'))).toBe('dir with space/a+b%2F.jpg');
  });

  it('s3rver keys (aws:s3 with its "arn:aws:s3: : :" bucket ARN) are raw', () => {
    expect(keyOf(recordsEvent('aws:s3', 'dir with space/ünï+cøde&x=1.bin', 'arn:aws:s3: : :bucket'))).toBe('dir with space/ünï+cøde&x=1.bin');
  });

  it.each(['aws:s3', 'minio:s3', 'rustfs:s3'] as const)('%s: invalid percent-encoding is a typed error naming the field', (source) => {
    for (const bad of ['%', 'a%2', '%ZZ', '%E0%A4%A', '%C3']) {
      expect(safeParseEvent(recordsEvent(source, bad))).toEqual({ ok: false, reason: 'Records[0].s3.object.key: invalid percent-encoding in object key' });
    }
    expect(safeParseEvent(eventBridge('%C3'))).toEqual({ ok: false, reason: 'detail.object.key: invalid percent-encoding in object key' });
  });

  it('a key over 1,024 bytes of UTF-8, or with an unpaired surrogate, is refused (S3 could not hold it)', () => {
    const longest = `${'a'.repeat(1021)}é`; // 1,023 bytes
    expect(keyOf(recordsEvent('aws:s3', encodeURIComponent(longest)))).toBe(longest);
    expect(keyOf(recordsEvent('aws:s3', encodeURIComponent(`${longest}b`)))).toBe(`${longest}b`);
    expect(safeParseEvent(recordsEvent('aws:s3', encodeURIComponent(`${longest}é`)))).toEqual({ ok: false, reason: 'Records[0].s3.object.key: object key is 1025 bytes of UTF-8, over S3\'s limit of 1024' });
    expect(safeParseEvent(cos(`/1250000000/media/${'k'.repeat(1025)}`))).toMatchObject({ ok: false, reason: expect.stringContaining('over S3\'s limit of 1024') });
    for (const lone of ['a\uD800b', 'a\uDC00', '\uDBFF']) {
      expect(safeParseEvent(cos(`/1250000000/media/${lone}`))).toMatchObject({ ok: false, reason: expect.stringContaining('unpaired UTF-16 surrogate') });
      expect(safeParseEvent(recordsEvent('ceph:s3', lone))).toMatchObject({ ok: false, reason: expect.stringContaining('unpaired UTF-16 surrogate') });
    }
    expect(keyOf(cos('/1250000000/media/\uD83D\uDE00.jpg'))).toBe('\u{1F600}.jpg');
  });

  it('an empty key (or one that decodes to nothing) is refused', () => {
    expect(safeParseEvent(recordsEvent('aws:s3', ''))).toEqual({ ok: false, reason: 'Records[0].s3.object.key: object key must not be empty' });
    expect(safeParseEvent(cos('/1250000000/media/'))).toEqual({ ok: false, reason: 'Records[0].cos.cosObject.key: object key must not be empty' });
  });
});

describe('COS keys lose exactly their /appid/bucket/ prefix', () => {
  it('keeps nested paths and any later occurrence of the bucket name or appid', () => {
    expect(keyOf(cos('/1250000000/media/file.jpg'))).toBe('file.jpg');
    expect(keyOf(cos('/1250000000/media/a/b/c/d.mp4'))).toBe('a/b/c/d.mp4');
    expect(keyOf(cos('/1250000000/media/media/1250000000/media/x.jpg'))).toBe('media/1250000000/media/x.jpg');
    expect(keyOf(cos('/1250000000/media//double//slash'))).toBe('/double//slash');
  });

  it('keeps the key as sent: no URL decoding', () => {
    expect(keyOf(cos('/1250000000/media/a b+c%20d.jpg'))).toBe('a b+c%20d.jpg');
  });

  it('accepts a bucket name that carries the -appid suffix', () => {
    const event = parseEvent(cos('/1250000000/media/x.jpg', 'media-1250000000')) as StorageEvent;
    expect(event.records[0]).toMatchObject({ bucket: 'media', appid: '1250000000', key: 'x.jpg' });
  });

  it('refuses a prefixed key of another bucket or appid', () => {
    for (const key of ['/1250000000/other/x.jpg', '/1250000001/media/x.jpg', '/1250000000/mediax/y.jpg']) {
      expect(safeParseEvent(cos(key))).toEqual({ ok: false, reason: 'Records[0].cos.cosObject.key: expected the key to start with "/1250000000/media/"' });
    }
  });

  it('takes a key without the prefix (hand-written test events) as the key itself, less one leading /', () => {
    expect(keyOf(cos('x.jpg'))).toBe('x.jpg');
    expect(keyOf(cos('/photos/x.jpg'))).toBe('photos/x.jpg');
    expect(keyOf(cos('1250000000/media/x.jpg'))).toBe('1250000000/media/x.jpg');
  });

  it('takes the appid from the key when cosBucket.appid is a placeholder', () => {
    const event = parseEvent(cos('/1250000000/media/x.jpg', 'media', '<appid>')) as StorageEvent;
    expect(event.records[0]).toMatchObject({ bucket: 'media', appid: '1250000000', key: 'x.jpg' });
  });

  it('accepts COS eventTime as unix seconds, a digit string or an ISO string', () => {
    const timeOf = (eventTime: unknown): string | null => {
      const payload = cos('/1250000000/media/x.jpg') as { Records: [{ event: Record<string, unknown> }] };
      payload.Records[0].event.eventTime = eventTime;
      return (parseEvent(payload) as StorageEvent).records[0]?.time ?? null;
    };
    expect(timeOf(1545205770)).toBe('2018-12-19T07:49:30.000Z');
    expect(timeOf('1545205770')).toBe('2018-12-19T07:49:30.000Z');
    expect(timeOf('2018-12-19T15:49:30+08:00')).toBe('2018-12-19T07:49:30.000Z');
    expect(safeParseEvent({ Records: [{ ...(cos('/1250000000/media/x.jpg') as { Records: [object] }).Records[0], event: { eventName: 'cos:ObjectCreated:Put', eventTime: -5 } }] })).toMatchObject({ ok: false, reason: expect.stringContaining('Records[0].event.eventTime') });
  });
});

describe('shape recognition names the missing field of a recognised shape', () => {
  it.each([
    [{ source: 'aws.s3', detail: { bucket: { name: 'b' }, object: { key: 'k' } } }, 'detail-type: required'],
    [{ Type: 'Timer', Time: '2024-01-01T00:00:00Z' }, 'TriggerName: required'],
    [{ httpMethod: 'GET' }, 'path: required'],
    [{ Event: 's3:TestEvent', Time: 'soon' }, 'Time: not an ISO-8601 date-time'],
    [{ Records: [{ cos: {}, event: { eventName: 'cos:ObjectCreated:Put' } }] }, 'Records[0].cos.cosObject: required (and 1 more problem)'],
    [{ Records: 'x' }, 'Records: expected array, got string'],
  ])('%j → %s', (payload, reason) => {
    expect(safeParseEvent(payload)).toEqual({ ok: false, reason });
  });
});
