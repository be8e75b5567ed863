import { createHash } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { outputKey, quarantineKey } from '../../../shared/contracts';
import { loadConfig } from '../../../shared/config';
import { createLogger } from '../../../shared/log';
import { readCard, writeCard } from '../../../shared/pipeline/cards';
import { QuarantineError } from '../../../shared/pipeline/errors';
import { processors } from '../../../functions/transcode/processors';
import { runTranscode, type RunDeps } from '../../../functions/transcode/run';
import type { TranscodeJob } from '../../../shared/contracts';
import type { Processor } from '../../../functions/transcode/types';
import { startTestS3, type LocalS3Fixture } from '../../helpers/localS3';

let s3: LocalS3Fixture;
let deps: RunDeps;
let scratch: string;
const config = loadConfig({});
const original = { ...processors };

beforeAll(async () => {
  s3 = await startTestS3(['uploads', 'derived']);
  scratch = await mkdtemp(join(tmpdir(), 'strata-run-'));
  deps = { config, gateway: s3.gateway, log: createLogger({ test: 'run' }, { level: 'silent' }), tmpDir: scratch, deadlineMs: Date.now() + 60_000 };
});
afterAll(async () => {
  await s3?.close();
  await rm(scratch, { recursive: true, force: true });
});
afterEach(() => {
  for (const k of Object.keys(processors)) delete processors[k as keyof typeof processors];
  Object.assign(processors, original);
});

async function upload(key: string, text: string): Promise<TranscodeJob> {
  const bytes = Buffer.from(text);
  await s3.gateway.put({ bucket: 'uploads', key }, bytes);
  const source = { bucket: 'uploads', key, versionId: null, size: bytes.length, etag: null, sha256: createHash('sha256').update(bytes).digest('hex'), contentType: 'image/png' };
  await writeCard(s3.gateway, 'derived', { source, idempotencyKey: `k-${key}`, status: 'pending', reason: null, outputs: [] });
  return { kind: 'transcode', family: 'image', source, idempotencyKey: `k-${key}` };
}

async function derivedKeys(): Promise<string[]> {
  const keys: string[] = [];
  for await (const o of s3.gateway.list('derived', 'assets/')) keys.push(o.key);
  return keys.sort();
}

const recipe = { name: 'test', version: 1 };
const twoOutputs: Processor = async (ctx) => {
  const src = await ctx.readSource();
  const a = await ctx.writeOutput({ name: 'a.txt', body: Buffer.from(`a:${src}`), contentType: 'text/plain', kind: 'a', recipe });
  const b = await ctx.writeOutput({ name: 'b.txt', body: Buffer.from(`b:${src}`), contentType: 'text/plain', kind: 'b', recipe, extra: { width: 2 } });
  return { sections: { image: { width: 1 } }, outputs: [a, b] };
};

describe('runTranscode', () => {
  it('writes content-addressed outputs and a done card with its processor sections', async () => {
    processors.image = async () => twoOutputs;
    const job = await upload('ok.png', 'one');
    expect(await runTranscode(job, deps)).toBe('done');
    const card = (await readCard(s3.gateway, 'derived', job.source))!;
    expect(card.status).toBe('done');
    expect(card.image).toEqual({ width: 1 });
    expect(card.outputs.map((o) => o.key)).toEqual([
      `assets/${job.source.sha256.slice(0, 2)}/${job.source.sha256}/test@1/a.txt`,
      `assets/${job.source.sha256.slice(0, 2)}/${job.source.sha256}/test@1/b.txt`,
    ]);
    expect(card.outputs[1]).toMatchObject({ width: 2, bytes: 5, checksum: { sha256: createHash('sha256').update('b:one').digest('hex') } });
    const out = await s3.gateway.head({ bucket: 'derived', key: card.outputs[0]!.key });
    expect(out?.cacheControl).toBe('public, max-age=31536000, immutable');
  });

  it('skips a duplicate job once the card is final, and reprocessing rewrites nothing identical', async () => {
    processors.image = async () => twoOutputs;
    const job = await upload('dup.png', 'two');
    await runTranscode(job, deps);
    const keys = await derivedKeys();
    const events = s3.events.length;
    expect(await runTranscode(job, deps)).toBe('skipped');
    expect(await runTranscode({ ...job, reprocess: true }, deps)).toBe('done');
    expect(await derivedKeys()).toEqual(keys);
    const outputWrites = s3.events.slice(events).filter((e) => e.bucket === 'derived' && e.key.startsWith('assets/'));
    expect(outputWrites).toEqual([]);
  });

  it('marks features pending in the done card when it hands the asset on, keeping a previous extraction for a reprocess', async () => {
    processors.image = async () => twoOutputs;
    const job = await upload('feat.png', 'seven');
    expect(await runTranscode(job, { ...deps, queueFeatures: true })).toBe('done');
    expect((await readCard(s3.gateway, 'derived', job.source))!.features).toEqual({ status: 'pending', recordKey: null, models: [], reason: null });
    // The features run settled it; a reprocess queues it again with what that run extracted.
    const card = (await readCard(s3.gateway, 'derived', job.source))!;
    const extracted = { status: 'done', recordKey: 'features/uploads/feat.png.json', models: [{ name: 'm', version: '1' }], reason: null, indexChange: 'index/pending/x.json' };
    await writeCard(s3.gateway, 'derived', { ...card, features: extracted });
    expect(await runTranscode({ ...job, reprocess: true }, { ...deps, queueFeatures: true })).toBe('done');
    expect((await readCard(s3.gateway, 'derived', job.source))!.features).toEqual({ ...extracted, status: 'pending' });
    // Features off: a pending mark left by an earlier run is settled, nothing waits for it.
    expect(await runTranscode({ ...job, reprocess: true }, deps)).toBe('done');
    expect((await readCard(s3.gateway, 'derived', job.source))!.features).toMatchObject({ status: 'skipped', recordKey: extracted.recordKey, reason: { code: 'features-off' } });
  });

  it('keeps the bytes already published under an output key when an encoder now makes different ones', async () => {
    processors.image = async () => twoOutputs;
    const job = await upload('published.png', 'six');
    const key = outputKey(job.source.sha256, recipe, 'a.txt');
    await s3.gateway.put({ bucket: 'derived', key }, Buffer.from('a:from an older encoder'), { cacheControl: 'public, max-age=31536000, immutable' });
    expect(await runTranscode(job, deps)).toBe('done');
    const card = (await readCard(s3.gateway, 'derived', job.source))!;
    const sha = (text: string) => createHash('sha256').update(text).digest('hex');
    expect(card.outputs[0]).toMatchObject({ key, bytes: 23, checksum: { sha256: sha('a:from an older encoder') } });
    expect((await s3.gateway.getBytes({ bucket: 'derived', key })).bytes.toString()).toBe('a:from an older encoder');
    expect(card.outputs[1]!.checksum.sha256).toBe(sha('b:six'));
  });

  it('quarantines on QuarantineError and leaves no partial output', async () => {
    processors.image = async () => async (ctx) => {
      await ctx.writeOutput({ name: 'partial.txt', body: Buffer.from('partial'), contentType: 'text/plain', kind: 'x', recipe });
      throw new QuarantineError('corrupt', 'bad bytes at offset 12');
    };
    const job = await upload('bad.png', 'three');
    const before = await derivedKeys();
    expect(await runTranscode(job, { ...deps, queueFeatures: true })).toBe('quarantined');
    expect(await derivedKeys()).toEqual(before);
    const card = (await readCard(s3.gateway, 'derived', job.source))!;
    expect(card).toMatchObject({ status: 'quarantined', reason: { code: 'corrupt', message: 'bad bytes at offset 12' }, outputs: [] });
    expect(card.features).toBeUndefined();
    expect(await s3.gateway.getTags(job.source)).toEqual({ 'strata-quarantine': 'corrupt' });
    expect(await s3.gateway.head({ bucket: 'derived', key: quarantineKey(job.source) })).not.toBeNull();
  });

  it('marks the card failed, removes partial outputs and rethrows unexpected errors (so SCF retries)', async () => {
    processors.image = async () => async (ctx) => {
      await ctx.writeOutput({ name: 'half.txt', body: Buffer.from('half'), contentType: 'text/plain', kind: 'x', recipe });
      throw new Error('disk on fire');
    };
    const job = await upload('boom.png', 'four');
    const before = await derivedKeys();
    await expect(runTranscode(job, deps)).rejects.toThrow('disk on fire');
    expect(await derivedKeys()).toEqual(before);
    expect((await readCard(s3.gateway, 'derived', job.source))).toMatchObject({ status: 'failed', reason: { code: 'processing-error', message: 'disk on fire' } });
  });

  it('skips a stale job whose source was replaced', async () => {
    processors.image = async () => twoOutputs;
    const job = await upload('stale.png', 'five');
    await upload('stale.png', 'five, replaced');
    expect(await runTranscode(job, deps)).toBe('skipped');
  });

  it('quarantines a family with no processor as unsupported-type', async () => {
    const job = await upload('video.mp4', 'six');
    delete processors.video;
    expect(await runTranscode({ ...job, family: 'video' }, deps)).toBe('quarantined');
    expect((await readCard(s3.gateway, 'derived', job.source))?.reason?.code).toBe('unsupported-type');
  });
});
