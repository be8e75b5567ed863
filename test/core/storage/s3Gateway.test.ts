import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Readable } from 'node:stream';
import { createS3Gateway, StrataError } from '@strata/core';
import { skipOnRadosgw, NEEDS_EVENTS, startTestS3, type LocalS3Fixture } from '../../helpers/localS3';

let s3: LocalS3Fixture;
beforeAll(async () => {
  s3 = await startTestS3();
});
afterAll(async () => s3?.close());

describe('createS3Gateway against the local server', () => {
  it('round-trips bytes and records their sha256', async () => {
    const ref = { bucket: 'uploads', key: 'dir with space/ünï+cøde.bin' };
    const put = await s3.gateway.put(ref, Buffer.from('hello strata'), { contentType: 'text/plain' });
    const { info, bytes } = await s3.gateway.getBytes(ref);
    expect(bytes.toString()).toBe('hello strata');
    expect(info.checksum.sha256).toBe(put.checksum.sha256);
    expect(info.contentType).toBe('text/plain');
    expect(info.etag).toBe(put.etag);
  });

  it('accepts a stream body', async () => {
    const ref = { bucket: 'uploads', key: 'stream.bin' };
    await s3.gateway.put(ref, Readable.from([Buffer.from('a'), Buffer.from('b')]));
    expect((await s3.gateway.getBytes(ref)).bytes.toString()).toBe('ab');
  });

  it('returns null from head for a missing object and NoSuchKey from get', async () => {
    expect(await s3.gateway.head({ bucket: 'uploads', key: 'missing' })).toBeNull();
    await expect(s3.gateway.get({ bucket: 'uploads', key: 'missing' })).rejects.toMatchObject({ code: 'NoSuchKey' });
  });

  it('lists with pagination', async () => {
    for (let i = 0; i < 3; i++) await s3.gateway.put({ bucket: 'derived', key: `list/${i}` }, String(i));
    const keys: string[] = [];
    for await (const o of s3.gateway.list('derived', 'list/')) keys.push(o.key);
    expect(keys).toEqual(['list/0', 'list/1', 'list/2']);
  });

  it('refuses an unknown access key', async () => {
    const stranger = createS3Gateway({
      endpoint: s3.server.endpoint,
      region: 'us-east-1',
      credentials: { accessKeyId: 'nobody', secretAccessKey: 'whatever-secret' },
    });
    const err = await stranger.head({ bucket: 'uploads', key: 'x' }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(StrataError);
    expect((err as StrataError).code).toBe('AccessDenied');
  });

  skipOnRadosgw(NEEDS_EVENTS)('emits an object event per write with a unique sequencer', async () => {
    const before = s3.events.length;
    await s3.gateway.put({ bucket: 'uploads', key: 'ev/1' }, 'x');
    await s3.gateway.put({ bucket: 'uploads', key: 'ev/1' }, 'y');
    const fresh = s3.events.slice(before);
    expect(fresh.map((e) => [e.type, e.op, e.key])).toEqual([['created', 'put', 'ev/1'], ['created', 'put', 'ev/1']]);
    expect(fresh[0]!.sequencer < fresh[1]!.sequencer).toBe(true);
  });
});
