/**
 * A long audio file encoded by parallel invocations and joined without re-encoding, on the chunk
 * machinery of long videos (media/chunkJob.ts: one job record, per-part markers, one finisher):
 *
 *  planner (the upload's own job): writes the job record, hands every chunk to its own transcode
 *    invocation, then makes the whole-file measurements in one decode-only pass (EBU R128
 *    loudness, true peak, LRA, silence, peak/RMS, the waveform). With a loudness target the pass
 *    comes first, since the chunks apply its gain.
 *  chunk i: decodes its range with a pre-roll and a post-roll, encodes AAC and Opus once each, and
 *    parks only the packets of its own range (cut on AAC frame / Opus packet boundaries).
 *  finisher: the last part done joins the packets: AAC into MP4 (a remux: priming and the exact
 *    length set on the timestamps), Opus into one Ogg stream (end trimmed by the granule position).
 *
 * Loudness is measured over the whole file rather than combined from chunks: EBU R128 gates blocks
 * against the whole programme's loudness and LRA takes percentiles over all short-term blocks, so
 * chunks would have to ship every block's energy; the decode-only pass costs a quarter of the
 * unsplit job (measured) and gives the unsplit path's numbers exactly.
 */
import { readFile, writeFile } from 'node:fs/promises';
import { StrataError } from '@strata/core';
import { readJson, writeJson, type VideoJobChunk, type VideoJobRecord } from '../../../shared/media/videoJobs';
import { QuarantineError } from '../../../shared/pipeline/errors';
import type { CardOutput } from '../../../shared/contracts';
import type { ProcessorResult, ProcessorSuspension } from '../types';
import { beginChunk, chunkedProgress, chunkError, chunkStore, type ChunkStore, claimIfLast, fanOut, handedOff, markStitched, openJobRecord, readMarkers, type PartName } from '../media/chunkJob';
import type { MediaJob } from '../media/job';
import { assertSucceeded, runTool } from '../media/runner';
import { inputOptions } from '../media/source';
import type { WaveformJson } from './waveform';
import { AAC_FRAME, OPUS_PACKET, OPUS_RATE, POSTROLL_SECONDS, prerollSteps, samplesAt, secondsText, type AudioGrid } from './chunks';
import { adtsFrames, opusPreSkip, readOggOpus, writeOggOpus } from './packets';
import type { AudioRecipes, MeasuredAudio } from './index';
import type { RenditionPlan } from './renditions';

type Outcome = ProcessorResult | ProcessorSuspension;

/** What a split audio job is planned from (the same inputs give the same plan id and bytes). */
export interface AudioSplitPlan {
  readonly id: string;
  readonly streamIndex: number;
  readonly sourceRate: number;
  /** The container's seek lands on the exact sample (FLAC, WAV, MP4): chunks seek; otherwise they decode from the start. */
  readonly exactSeek: boolean;
  readonly grid: AudioGrid;
  readonly renditions: RenditionPlan;
  /** The outputs' recipes (the chunk length changes the bytes at the joins). */
  recipesFor(chunkSeconds: number | null): AudioRecipes;
  readonly durationSeconds: number;
  /** A loudness target is set: the chunks apply the planner's gain. */
  readonly normalise: boolean;
}

/** A chunk's done marker: where its packets are parked, and how many. */
export interface AudioChunkMarker {
  readonly version: 1;
  readonly index: number;
  readonly aac: { readonly key: string; readonly frames: number };
  readonly opus: { readonly key: string; readonly packets: number };
  /** Set by the last chunk: the samples the whole file has at the AAC rate. */
  readonly aacSamples: number | null;
  readonly startedAt: string;
  readonly elapsedMs: number;
  readonly encodeMs: number;
}

/** The planner's part: the whole-file measurements. */
export interface AudioPlannerMarker {
  readonly version: 1;
  readonly section: Record<string, unknown>;
  readonly waveform: WaveformJson;
  readonly gainDb: number | null;
  readonly startedAt: string;
  readonly fanOutMs: number;
  readonly elapsedMs: number;
}

/** Where a chunk ends, in grid steps (the next chunk's start); null for the last one. */
const endStep = (record: VideoJobRecord, chunk: VideoJobChunk): number | null => record.chunks.find((c) => c.index === chunk.index + 1)?.startSegment ?? null;

/** The upload's own invocation: record the plan, fan out, measure the whole file, maybe stitch. */
export async function startChunkedAudio(job: MediaJob, plan: AudioSplitPlan, chunks: readonly VideoJobChunk[], measure: () => Promise<MeasuredAudio>): Promise<Outcome> {
  const { ctx } = job;
  const started = Date.now();
  const s = chunkStore(job, plan.id);
  const log = ctx.log.child({ plan: plan.id, chunks: chunks.length });
  let record = await openJobRecord(job, s, chunks, 'audio');
  if (record.status === 'done') return handedOff(100, 'chunked job already stitched');
  await job.progress.write(progressOf(job, plan, 'running', 'chunks', 1, `split into ${record.chunks.length} chunks encoded in parallel`), true);
  let fanOutMs = 0;
  const handOff = async () => {
    if (record.handedOff) return;
    record = await fanOut(job, s, record);
    fanOutMs = Date.now() - started;
    log.info({ chunks: record.chunks.map((c) => [c.startSeconds, c.seconds]) }, 'audio split into chunks');
  };
  // Without a target the chunks need nothing from the measurement: they start at once.
  if (!plan.normalise) await handOff();
  if (!(await ctx.gateway.head(s.ref(s.keys.planner)))) {
    const measured = await measure();
    const marker: AudioPlannerMarker = {
      version: 1,
      section: measured.section,
      waveform: measured.waveform,
      gainDb: measured.gainDb,
      startedAt: new Date(started).toISOString(),
      fanOutMs,
      elapsedMs: Date.now() - started,
    };
    await writeJson(ctx.gateway, s.ref(s.keys.planner), marker);
  }
  await handOff();
  return (await finishIfLast(job, plan, record, 'planner')) ?? handedOff(5, `split into ${record.chunks.length} chunks encoded in parallel`);
}

/** One chunk's invocation. */
export async function runAudioChunk(job: MediaJob, plan: AudioSplitPlan, part: { plan: string; index: number }): Promise<Outcome> {
  const { ctx, workspace, tools, config } = job;
  const started = Date.now();
  const begun = await beginChunk(job, plan.id, part, (record, me) => finishIfLast(job, plan, record, me));
  if (begun.outcome) return begun.outcome;
  const { s, record, chunk, label, attempt, fail } = begun.chunk;
  const log = ctx.log.child({ plan: plan.id, chunk: chunk.index });
  try {
    let gainDb: number | null = null;
    if (plan.normalise) {
      const planner = await readJson<AudioPlannerMarker>(ctx.gateway, s.ref(s.keys.planner));
      if (!planner) throw new StrataError('ChunkFailed', 'the loudness measurement is missing (the planner hands chunks off after writing it)');
      gainDb = planner.gainDb;
    }
    const g = plan.grid;
    const r = plan.renditions;
    const start = chunk.startSegment;
    const end = endStep(record, chunk);
    const last = end === null;
    const decodeFrom = Math.max(0, start - prerollSteps(g));
    const paths = { adts: workspace.path(`chunk-${chunk.index}.adts`), m4a: workspace.path(`chunk-${chunk.index}.m4a`), opus: workspace.path(`chunk-${chunk.index}.opus`) };
    const gain = gainDb === null ? '' : `volume=${gainDb.toFixed(2)}dB,`;
    // Where the container's seek lands on the exact sample, ffmpeg seeks; elsewhere (MP3's seek is
    // off by thousands of samples) the chunk decodes from the start and counts samples (atrim).
    const stopAt = end === null ? null : Number(secondsText(g, end)) + POSTROLL_SECONDS;
    const trim = plan.exactSeek ? '' : `atrim=start_sample=${samplesAt(g, decodeFrom, plan.sourceRate)},asetpts=PTS-STARTPTS,`;
    const graph = `[0:${plan.streamIndex}]${trim}${gain}asplit=2[a][o];[a]aresample=async=0[oa];[o]aresample=async=0[oo]`;
    const args = [
      '-v', 'info',
      ...inputOptions(job.input.input),
      ...(plan.exactSeek ? ['-ss', secondsText(g, decodeFrom)] : []),
      ...(stopAt === null ? [] : ['-t', (plan.exactSeek ? stopAt - Number(secondsText(g, decodeFrom)) : stopAt).toFixed(6)]),
      '-vn', '-sn', '-dn', '-i', job.input.input,
      '-filter_complex', graph,
      // AAC as ADTS (frames to cut) and, from the same packets, MP4 (its exact sample count).
      '-map', '[oa]', '-map_metadata', '-1', '-c:a', 'aac', '-b:a', `${r.aacKbps}k`, '-ac', String(r.channels), '-ar', String(r.aacSampleRate), '-f', 'tee', `[f=adts]${paths.adts}|[f=mp4]${paths.m4a}`,
      '-map', '[oo]', '-map_metadata', '-1', '-c:a', 'libopus', '-b:a', `${r.opusKbps}k`, '-ac', String(r.channels), '-ar', String(OPUS_RATE), '-frame_duration', '20', '-fflags', '+bitexact', '-f', 'ogg', paths.opus,
    ];
    await workspace.ensureRoom(Math.ceil((((end ?? start + 1) - decodeFrom) * g.seconds + POSTROLL_SECONDS) * (r.aacKbps * 2 + r.opusKbps) * 125 * 1.2), 'the chunk\'s encoded audio');
    const encode = await runTool({ tool: tools.ffmpeg, args, stallTimeoutMs: config.stallTimeoutMs });
    assertSucceeded(encode, `${label}: audio encode`);

    // AAC: packet p of this encode decodes block p-1 of it; keep from the frame straddling the join.
    const frames = adtsFrames(await readFile(paths.adts));
    const skipAac = samplesAt(g, start - decodeFrom, r.aacSampleRate) / AAC_FRAME;
    const keepAac = end === null ? frames.length - skipAac : samplesAt(g, end - start, r.aacSampleRate) / AAC_FRAME;
    if (frames.length < skipAac + keepAac || keepAac <= 0) throw new QuarantineError('truncated', `${label}: ${frames.length} AAC frames encoded, ${skipAac + keepAac} expected: the audio ends before this chunk does`);
    const aac = Buffer.concat(frames.slice(skipAac, skipAac + keepAac));
    let aacSamples: number | null = null;
    if (last) {
      const probe = await runTool({ tool: tools.ffprobe, args: ['-v', 'error', '-show_entries', 'stream=duration_ts', '-of', 'csv=p=0', paths.m4a], timeoutMs: 15_000 });
      assertSucceeded(probe, `${label}: probing its AAC`);
      aacSamples = samplesAt(g, decodeFrom, r.aacSampleRate) + Number.parseInt(probe.stdout.trim(), 10);
    }

    // Opus: packet q of this encode starts at sample q·960 − pre-skip of it; keep those starting in [start, end).
    const ogg = readOggOpus(await readFile(paths.opus));
    const preSkip = opusPreSkip(ogg.head);
    const from48 = samplesAt(g, decodeFrom, OPUS_RATE);
    const firstOf = (step: number) => (step === 0 ? 0 : Math.ceil((samplesAt(g, step, OPUS_RATE) + preSkip) / OPUS_PACKET) - from48 / OPUS_PACKET);
    const q0 = firstOf(start);
    const q1 = end === null ? ogg.packets.length : firstOf(end);
    if (ogg.packets.length < q1 || q1 <= q0) throw new QuarantineError('truncated', `${label}: ${ogg.packets.length} Opus packets encoded, ${q1} expected: the audio ends before this chunk does`);
    // The span this part's packets decode to, as a granule: whole packets, except the last chunk's end.
    const span = end === null ? Number(ogg.finalGranule) - q0 * OPUS_PACKET : (q1 - q0) * OPUS_PACKET;
    const opus = writeOggOpus({ head: ogg.head, tags: ogg.tags, packets: ogg.packets.slice(q0, q1), samplesPerPacket: OPUS_PACKET, totalSamples: span - preSkip, serial: 1 });

    const keys = { aac: s.keys.part(`aac-${pad(chunk.index)}.adts`), opus: s.keys.part(`opus-${pad(chunk.index)}.ogg`) };
    await ctx.gateway.put(s.ref(keys.aac), aac, { contentType: 'audio/aac', cacheControl: 'no-store' });
    await ctx.gateway.put(s.ref(keys.opus), opus, { contentType: 'audio/ogg', cacheControl: 'no-store' });
    const marker: AudioChunkMarker = {
      version: 1,
      index: chunk.index,
      aac: { key: keys.aac, frames: keepAac },
      opus: { key: keys.opus, packets: q1 - q0 },
      aacSamples,
      startedAt: new Date(started).toISOString(),
      elapsedMs: Date.now() - started,
      encodeMs: encode.elapsedMs,
    };
    await writeJson(ctx.gateway, s.ref(s.keys.chunk(chunk.index)), marker);
    log.info({ aacFrames: keepAac, opusPackets: q1 - q0, encodeMs: encode.elapsedMs }, 'audio chunk encoded');
    return (await finishIfLast(job, plan, record, chunk.index)) ?? handedOff(50, `${label} done`);
  } catch (err) {
    await fail(err);
    throw chunkError(job, err, label, attempt);
  }
}

const pad = (i: number) => String(i).padStart(4, '0');

async function finishIfLast(job: MediaJob, plan: AudioSplitPlan, record: VideoJobRecord, me: PartName): Promise<Outcome | null> {
  const s = chunkStore(job, plan.id);
  const check = await claimIfLast(job, s, record, me);
  if (check.stitch) return stitch(job, plan, s, record, me);
  if (check.lost) return handedOff(90, 'another invocation is joining the chunks');
  await job.progress.write(progressOf(job, plan, 'running', 'chunks', 5 + Math.round((check.done / check.total) * 80), `${check.done} of ${check.total} chunks encoded`), true);
  return null;
}

async function stitch(job: MediaJob, plan: AudioSplitPlan, s: ChunkStore, record: VideoJobRecord, me: PartName): Promise<ProcessorResult> {
  const { ctx, workspace, tools } = job;
  const started = Date.now();
  const log = ctx.log.child({ plan: plan.id, finisher: me });
  await job.progress.write(progressOf(job, plan, 'running', 'finalize', 86, 'joining the chunks'), true);
  const { chunks: markers, planner } = await readMarkers<AudioChunkMarker, AudioPlannerMarker>(job, s, record);
  const r = plan.renditions;
  const recipes = plan.recipesFor(record.chunks[0]!.seconds);

  // AAC: the frames back to back in one ADTS stream, remuxed into MP4: the first frame is the
  // encoder's priming (timestamps start one frame early: an edit list skips it), the last one
  // lasts only as long as the audio does.
  const parts = await Promise.all(markers.map(async (m) => (await ctx.gateway.getBytes(s.ref(m.aac.key))).bytes));
  const frames = markers.reduce((t, m) => t + m.aac.frames, 0);
  const samples = markers.at(-1)!.aacSamples!;
  const lastDuration = samples - (frames - 2) * AAC_FRAME;
  if (!(lastDuration > 0 && lastDuration <= AAC_FRAME)) throw new StrataError('ChunkFailed', `stitch: ${frames} AAC frames cannot hold ${samples} samples`);
  const adts = workspace.path('joined.adts');
  const m4a = workspace.path('audio.m4a');
  await writeFile(adts, Buffer.concat(parts));
  const shift = `${AAC_FRAME}/(SR*TB)`;
  const remux = await runTool({
    tool: tools.ffmpeg,
    args: ['-v', 'error', ...inputOptions(adts), '-f', 'aac', '-i', adts, '-map', '0:a', '-c', 'copy', '-bsf:a', `setts=pts=PTS-${shift}:dts=DTS-${shift}:duration=if(eq(N\\,${frames - 1})\\,${lastDuration}/(SR*TB)\\,DURATION)`, '-map_metadata', '-1', '-fflags', '+bitexact', '-movflags', '+faststart', '-f', 'mp4', '-y', m4a],
    timeoutMs: 300_000,
  });
  assertSucceeded(remux, 'joining the AAC chunks');

  // Opus: every part's packets in one Ogg stream; the granule positions say where it ends.
  const oggs = await Promise.all(markers.map(async (m) => readOggOpus((await ctx.gateway.getBytes(s.ref(m.opus.key))).bytes)));
  const first = oggs[0]!;
  // Every part's packets sit on one grid only if every encode delayed its output the same.
  if (oggs.some((o) => opusPreSkip(o.head) !== opusPreSkip(first.head))) throw new StrataError('ChunkFailed', `stitch: the chunks' Opus encodes differ in pre-skip (${oggs.map((o) => opusPreSkip(o.head)).join(', ')})`);
  const granule = oggs.reduce((t, o) => t + Number(o.finalGranule), 0);
  const opus = writeOggOpus({ head: first.head, tags: first.tags, packets: oggs.flatMap((o) => o.packets), samplesPerPacket: OPUS_PACKET, totalSamples: granule - opusPreSkip(first.head), serial: 1 });

  const extra = { channels: r.channels, normalisedToLufs: (planner.section.normalisation as { targetLufs?: number } | null)?.targetLufs ?? null };
  const outputs: CardOutput[] = [
    await ctx.writeOutput({ name: 'audio.m4a', body: { path: m4a }, contentType: 'audio/mp4', kind: 'audio-aac', recipe: recipes.aac, extra: { ...extra, codec: 'aac', codecs: 'mp4a.40.2', bitrateKbps: r.aacKbps, sampleRate: r.aacSampleRate } }),
    await ctx.writeOutput({ name: 'audio.opus', body: opus, contentType: 'audio/ogg', kind: 'audio-opus', recipe: recipes.opus, extra: { ...extra, codec: 'opus', codecs: 'opus', bitrateKbps: r.opusKbps, sampleRate: OPUS_RATE } }),
    await ctx.writeOutput({ name: 'waveform.json', body: Buffer.from(JSON.stringify(planner.waveform)), contentType: 'application/json', kind: 'waveform', recipe: recipes.waveform, extra: { format: 'audiowaveform', samplesPerPixel: planner.waveform.samples_per_pixel, length: planner.waveform.length } }),
  ];
  await markStitched(job, s, record, me, Date.now() - started);
  await job.progress.write(progressOf(job, plan, 'done', 'done', 100, null), true);
  log.info({ chunks: markers.length, aacFrames: frames, elapsedMs: Date.now() - started }, 'chunked audio joined');
  const processing = {
    chunks: record.chunks.length,
    stitchedBy: me === 'planner' ? 'planner' : `chunk ${me + 1}`,
    invocations: record.chunks.length + 1,
    encodeSeconds: Math.round(markers.reduce((t, m) => t + m.encodeMs, 0) / 100) / 10,
  };
  return { sections: { audio: { ...planner.section, processing } }, outputs };
}

function progressOf(job: MediaJob, plan: AudioSplitPlan, status: 'running' | 'done', phase: string, percent: number, message: string | null) {
  return chunkedProgress(job, plan.id, 'audio', plan.durationSeconds, { status, phase, percent, message });
}
