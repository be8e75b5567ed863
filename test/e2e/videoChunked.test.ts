/**
 * A chunked video on the real local stack (S3 server, SCF emulator with its async retry policy):
 * one chunk's invocation is killed mid-encode as the function's time limit would kill it; the
 * platform retries that chunk alone, and the final outputs are those of an uninterrupted run of the
 * same upload (made in-process against another S3 server), byte for byte: every output and every
 * stored segment. A long audio file on the same stack: split, every chunk its own invocation
 * through the emulator's Invoke, joined.
 */
import { createHash } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { StorageGateway } from '@strata/core';
import type { AssetCard } from '../../shared/contracts';
import { readCard } from '../../shared/pipeline/cards';
import { ffprobeJson, makeAudio, makeClip } from '../functions/transcode/media/fixtures';
import { runJob, uploadFile } from '../functions/transcode/media/harness';
import { startTestS3, type LocalS3Fixture } from '../helpers/localS3';
import { startE2eStack, type E2eStack } from './localStack';

const SETTINGS = {
  STRATA_VIDEO_LADDER: '144:300,240:500,360:800',
  STRATA_HLS_SEGMENT_SECONDS: '2',
  STRATA_VIDEO_PRESET: 'ultrafast',
  STRATA_VIDEO_CHUNK_SECONDS: '12',
  STRATA_AUDIO_CHUNK_SECONDS: '4',
};

let e2e: E2eStack;
let reference: LocalS3Fixture;

beforeAll(async () => {
  e2e = await startE2eStack('e2e-chunked', { ...SETTINGS, STRATA_RETRY_INTERVAL_MS: '300' });
  reference = await startTestS3(['uploads', 'derived']);
}, 120_000);

afterAll(async () => {
  await e2e?.close();
  await reference?.close();
});

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function waitFor<T>(what: string, timeoutMs: number, probe: () => Promise<T | null | undefined | false>): Promise<T> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value) return value;
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await sleep(50);
  }
}

/** Every output's name and sha256 (names relative to the recipe folder, recipe included). */
function outputsOf(card: AssetCard): string[] {
  return card.outputs.map((o) => `${o.key.split('/').slice(3).join('/')} ${o.checksum.sha256}`).sort();
}

describe('chunked video through the local stack', () => {
  it('retries only the chunk whose invocation was killed mid-encode, and ends with the same outputs as an uninterrupted run', async () => {
    const clip = await makeClip(e2e.dataDir, 'chunked', { seconds: 40, width: 640, height: 360, render: { width: 320, height: 180 } });
    const bytes = readFileSync(clip);

    // The uninterrupted run, in-process against its own S3 server.
    const refJob = await uploadFile(reference.gateway, 'clips/chunked.mp4', bytes);
    const ref = await runJob(reference.gateway, refJob, { env: SETTINGS });
    expect(ref.error).toBeNull();
    expect(ref.card.status).toBe('done');
    expect(ref.invocations.filter((i) => i.part.startsWith('chunk'))).toHaveLength(4);

    // The same upload through the stack; chunk 2's first invocation is killed once it has made a segment.
    const gateway: StorageGateway = e2e.gateway;
    const { emulator } = e2e.stack;
    await gateway.put({ bucket: 'uploads', key: 'clips/chunked.mp4' }, bytes);
    const target = await waitFor('chunk 2 to start', 600_000, async () => {
      const { events } = await emulator.store.list();
      return events.find((e) => e.function === 'transcode' && (e.payload as { part?: { index: number } }).part?.index === 1 && e.status === 'running');
    });
    // Chunk 2 covers 12-24 s: its segments are numbered from 6.
    await waitFor('chunk 2 to upload a segment', 60_000, async () => {
      for await (const o of gateway.list('derived', 'assets/')) if (o.key.endsWith('/seg-00006.ts')) return true;
      return false;
    });
    expect(emulator.pools.get('transcode')!.expire(target.id, 'timeout')).toBe(true);

    const card = await waitFor('the card to be final', 600_000, async () => {
      const c = await readCard(gateway, 'derived', { bucket: 'uploads', key: 'clips/chunked.mp4' });
      return c && ['done', 'quarantined'].includes(c.status) ? c : null;
    });
    expect(card.status, JSON.stringify(card.reason)).toBe('done');

    // The card is written before the stitching invocation returns: wait for every event to settle.
    const transcode = await waitFor('every transcode event to finish', 120_000, async () => {
      const list = (await emulator.store.list()).events.filter((e) => e.function === 'transcode');
      return list.every((e) => e.status === 'done' || e.status === 'dead') ? list : null;
    });
    const byPart = transcode.map((e) => {
      const part = (e.payload as { part?: { index: number } }).part;
      return { part: part ? `chunk ${part.index + 1}` : 'planner', status: e.status, attempts: e.history.map((h) => h.outcome) };
    });
    expect(byPart.sort((a, b) => a.part.localeCompare(b.part))).toEqual([
      { part: 'chunk 1', status: 'done', attempts: ['ok'] },
      { part: 'chunk 2', status: 'done', attempts: ['timeout', 'ok'] },
      { part: 'chunk 3', status: 'done', attempts: ['ok'] },
      { part: 'chunk 4', status: 'done', attempts: ['ok'] },
      { part: 'planner', status: 'done', attempts: ['ok'] },
    ]);
    // The same final outputs, byte for byte: every output on the card (playlists, master, manifest
    // with every segment's sha256, audio, poster, preview, sprite, MP4) and every segment object as
    // stored (the retried chunk re-encoded the segments its killed attempt had already published).
    expect(outputsOf(card)).toEqual(outputsOf(ref.card));
    const storedSegments = async (g: StorageGateway, c: AssetCard) => {
      const master = c.outputs.find((o) => o.kind === 'hls-master')!.key;
      const folder = master.slice(0, -'master.m3u8'.length);
      const m = JSON.parse((await g.getBytes({ bucket: 'derived', key: c.outputs.find((o) => o.kind === 'hls-manifest')!.key })).bytes.toString());
      const rows: string[] = [];
      for (const r of [...m.rungs, m.audio] as Array<{ segments: Array<{ uri: string; sha256: string }> }>) {
        for (const x of r.segments) {
          const stored = createHash('sha256').update((await g.getBytes({ bucket: 'derived', key: folder + x.uri })).bytes).digest('hex');
          expect(stored, x.uri).toBe(x.sha256);
          rows.push(`${x.uri} ${stored}`);
        }
      }
      return rows;
    };
    const segments = await storedSegments(gateway, card);
    expect(segments.length).toBeGreaterThanOrEqual(20 * 4); // 40 s of 2-s segments, three rungs and the audio
    expect(segments).toEqual(await storedSegments(reference.gateway, ref.card));
    expect(card.video).toMatchObject({ processing: { chunks: 4 } });
  }, 900_000);
});

describe('chunked audio through the local stack', () => {
  it('hands every chunk of a long audio upload to its own transcode invocation and joins them', async () => {
    const file = await makeAudio(e2e.dataDir, 'podcast', { seconds: 12, tremolo: true, channels: 2 });
    const gateway: StorageGateway = e2e.gateway;
    await gateway.put({ bucket: 'uploads', key: 'audio/podcast.flac' }, readFileSync(file));
    const card = await waitFor('the card to be final', 300_000, async () => {
      const c = await readCard(gateway, 'derived', { bucket: 'uploads', key: 'audio/podcast.flac' });
      return c && ['done', 'quarantined', 'failed'].includes(c.status) ? c : null;
    });
    expect(card.status, JSON.stringify(card.reason)).toBe('done');
    // 3.84-s chunks (12 steps of the 0.32-s grid): 0, 3.84, 7.68 s to the end.
    expect(card.audio).toMatchObject({ processing: { chunks: 3 } });
    const events = await waitFor('every transcode event to finish', 120_000, async () => {
      const list = (await e2e.stack.emulator.store.list()).events.filter((e) => e.function === 'transcode' && (e.payload as { source: { key: string } }).source.key === 'audio/podcast.flac');
      return list.length === 4 && list.every((e) => e.status === 'done') ? list : null;
    });
    expect(events.map((e) => (e.payload as { part?: { index: number } }).part?.index ?? 'planner').sort()).toEqual([0, 1, 2, 'planner']);
    for (const kind of ['audio-aac', 'audio-opus']) {
      const local = `${e2e.dataDir}/podcast-${kind}`;
      writeFileSync(local, (await gateway.getBytes({ bucket: 'derived', key: card.outputs.find((o) => o.kind === kind)!.key })).bytes);
      const probe = await ffprobeJson(local);
      expect(Math.abs(Number(probe.format.duration) - 12), kind).toBeLessThanOrEqual(0.1);
    }
  }, 600_000);
});
