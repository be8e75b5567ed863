import { describeError, type StorageGateway } from '@strata/core';
import type { AssetCard, CardOutput } from '../../shared/contracts';
import { speechScore, type WaveformLike } from '../../shared/features/audio';
import type { FeaturesJob } from '../../shared/contracts';
import { cardFeaturesOf, setCardFeatures } from '../../shared/features/cardSection';
import { writePending } from '../../shared/features/pending';
import { FEATURES_RECIPE, FEATURE_RECORD_VERSION, featureRecordKey, featureRecordSchema, recordVector, type AudioFeatures, type CardFeatures, type FeatureRecord, type ImageFeatures, type ModelRef, type VideoFeatures } from '../../shared/features/record';
import type { Logger } from '../../shared/log';
import { readCard } from '../../shared/pipeline/cards';
import { decodeForAnalysis, extractImageFeatures } from './extract/image';
import { FACE_MODEL, MID_MODEL, OBJECT_MODEL, l2normalise, type Models } from './extract/models';
import { keyframesFromSprite, parseSpriteVtt } from './video';

export interface FeaturesDeps {
  readonly gateway: StorageGateway;
  readonly derivedBucket: string;
  readonly log: Logger;
  readonly models: () => Promise<Models>;
  readonly now?: () => Date;
  /** Wakes the index writer once a change is queued for it (an error is logged: its timer catches up). */
  readonly wakeIndexWriter?: () => Promise<void>;
}

export type FeaturesOutcome = 'done' | 'skipped' | 'failed';

const IMAGE_MODELS: ModelRef[] = [MID_MODEL, OBJECT_MODEL, FACE_MODEL];
const recipeModel: ModelRef = { name: 'strata-features', version: String(FEATURES_RECIPE.version) };

/** Models a record of this family names (what `--changed` compares against). */
export function currentModels(family: FeaturesJob['family']): ModelRef[] {
  return family === 'audio' ? [recipeModel] : [...IMAGE_MODELS, recipeModel];
}

/**
 * Extracts one asset's features, writes its record, queues its index row for the writer (and
 * wakes it), and records the outcome on the card, settling the `pending` section transcode wrote.
 * A card that is missing, not done, or describes other bytes gets nothing (the transcode run
 * that owns it decides). Features already extracted from these bytes with the current models are
 * not extracted again (a reprocess): the section is settled `done`. A source that cannot be
 * decoded gives a `failed` features status (no retry: the bytes will not change); storage or
 * model errors mark it `failed` (`features-error`) and are rethrown for the platform retry.
 */
export async function runFeatures(job: FeaturesJob, deps: FeaturesDeps): Promise<FeaturesOutcome> {
  const { gateway, derivedBucket, log } = deps;
  const source = { bucket: job.source.bucket, key: job.source.key };
  const card = await readCard(gateway, derivedBucket, source);
  if (!card || card.source.sha256 !== job.source.sha256) {
    log.info({ cardSha256: card?.source.sha256 ?? null }, 'no card for these bytes (replaced or deleted): skipping');
    return 'skipped';
  }
  if (card.status !== 'done') {
    log.info({ status: card.status }, 'card is not done (quarantined files get no features): skipping');
    return 'skipped';
  }
  const models = currentModels(job.family);
  const existing = cardFeaturesOf(card);
  const extracted = existing?.status === 'done' || (existing?.status === 'pending' && existing.recordKey !== null);
  if (!job.force && existing && extracted && sameModels(existing.models, models)) {
    if (existing.status === 'pending') await updateCard(deps, card, { ...existing, status: 'done', reason: null });
    log.info('features already extracted with the current models: skipping');
    return 'skipped';
  }
  try {
    return await extractAndRecord(job, card, models, deps);
  } catch (err) {
    const message = describeError(err);
    await updateCard(deps, card, { status: 'failed', recordKey: existing?.recordKey ?? null, models: existing?.models ?? [], reason: { code: 'features-error', message } }).catch(
      (e: unknown) => log.warn({ err: describeError(e) }, 'could not mark the card after the failure'),
    );
    throw err;
  }
}

async function extractAndRecord(job: FeaturesJob, card: AssetCard, models: ModelRef[], deps: FeaturesDeps): Promise<FeaturesOutcome> {
  const { gateway, derivedBucket, log } = deps;
  const source = { bucket: job.source.bucket, key: job.source.key };
  const recordKey = featureRecordKey(source);
  let body: Pick<FeatureRecord, 'image' | 'video' | 'audio'>;
  try {
    body = await extract(job, card, deps);
  } catch (err) {
    if (!(err instanceof InputError)) throw err;
    log.warn({ reason: err.message }, 'features failed: input cannot be analysed');
    await updateCard(deps, card, { status: 'failed', recordKey: null, models, reason: { code: 'features-input', message: err.message } });
    return 'failed';
  }
  const record: FeatureRecord = featureRecordSchema.parse({
    version: FEATURE_RECORD_VERSION,
    recipe: FEATURES_RECIPE,
    source: { bucket: job.source.bucket, key: job.source.key, sha256: job.source.sha256, etag: job.source.etag, size: job.source.size, contentType: job.source.contentType },
    kind: job.family,
    models,
    ...body,
    createdAt: (deps.now?.() ?? new Date()).toISOString(),
  });
  await gateway.put({ bucket: derivedBucket, key: recordKey }, JSON.stringify(record), { contentType: 'application/json', skipIfUnchanged: false });
  const vector = recordVector(record);
  let indexChange: string | null = null;
  if (vector) {
    indexChange = await writePending(gateway, derivedBucket, {
      op: 'upsert',
      uri: `s3://${source.bucket}/${source.key}`,
      sha256: job.source.sha256,
      phash: record.image?.hashes.phash ?? record.video?.keyframes[0]?.features.hashes.phash ?? null,
      kind: job.family,
      recordKey,
      vector,
      at: record.createdAt,
    });
  }
  await updateCard(deps, card, { status: 'done', recordKey, models, reason: null, indexChange });
  log.info({ recordKey, kind: job.family }, 'features done');
  if (indexChange && deps.wakeIndexWriter) {
    await deps.wakeIndexWriter().catch((err: unknown) => log.warn({ err: describeError(err) }, 'could not wake the index writer; its timer applies the change'));
  }
  return 'done';
}

class InputError extends Error {}

async function extract(job: FeaturesJob, card: AssetCard, deps: FeaturesDeps): Promise<Pick<FeatureRecord, 'image' | 'video' | 'audio'>> {
  const { gateway, derivedBucket } = deps;
  if (job.family === 'image') {
    const { bytes } = await gateway.getBytes({ bucket: job.source.bucket, key: job.source.key });
    const models = await deps.models();
    let decoded;
    try {
      decoded = await decodeForAnalysis(bytes);
    } catch (err) {
      // HEIC and other formats sharp cannot read: analyse transcode's largest still rendition.
      const still = largestStill(card);
      if (!still) throw new InputError(`cannot decode the image: ${describeError(err)}`);
      decoded = await decodeForAnalysis((await gateway.getBytes({ bucket: still.bucket, key: still.key })).bytes);
    }
    return { image: await extractImageFeatures(models, decoded) };
  }
  if (job.family === 'video') return { video: await videoFeatures(card, deps) };
  return { audio: await audioFeatures(card, gateway, derivedBucket) };
}

function largestStill(card: AssetCard): CardOutput | undefined {
  return card.outputs
    .filter((o) => /^image\/(jpeg|png|webp)$/.test(o.contentType) && typeof (o as { width?: unknown }).width === 'number')
    .sort((a, b) => ((b as { width?: number }).width ?? 0) - ((a as { width?: number }).width ?? 0))[0];
}

async function videoFeatures(card: AssetCard, deps: FeaturesDeps): Promise<VideoFeatures> {
  const out = (kind: string) => card.outputs.find((o) => o.kind === kind);
  const sprite = out('sprite');
  const vtt = out('sprite-vtt');
  const poster = out('poster');
  let frames: { time: number; jpeg: Buffer }[] = [];
  if (sprite && vtt) {
    const [s, v] = await Promise.all([deps.gateway.getBytes(sprite), deps.gateway.getBytes(vtt)]);
    frames = await keyframesFromSprite(s.bytes, parseSpriteVtt(v.bytes.toString('utf8')));
  }
  if (frames.length === 0 && poster) frames = [{ time: Number((poster as { timeSeconds?: number }).timeSeconds ?? 0), jpeg: (await deps.gateway.getBytes(poster)).bytes }];
  if (frames.length === 0) throw new InputError('the video has no sprite or poster to analyse');
  const models = await deps.models();
  const keyframes: { time: number; features: ImageFeatures }[] = [];
  for (const f of frames) keyframes.push({ time: f.time, features: await extractImageFeatures(models, await decodeForAnalysis(f.jpeg)) });
  const sum = new Float32Array(keyframes[0]!.features.embedding.length);
  for (const k of keyframes) k.features.embedding.forEach((v, i) => {
      sum[i] = sum[i]! + v;
    });
  const labels = new Map<string, number>();
  for (const k of keyframes) for (const o of k.features.objects) labels.set(o.label, Math.max(labels.get(o.label) ?? 0, o.score));
  return {
    keyframes,
    embedding: Array.from(l2normalise(sum), (v) => Math.round(v * 1e7) / 1e7),
    nsfw: { max: Math.max(...keyframes.map((k) => k.features.nsfw.score)) },
    objects: [...labels].map(([label, score]) => ({ label, score })).sort((a, b) => b.score - a.score),
    faces: { maxCount: Math.max(...keyframes.map((k) => k.features.faces.count)) },
  };
}

async function audioFeatures(card: AssetCard, gateway: StorageGateway, derivedBucket: string): Promise<AudioFeatures> {
  const audio = card.audio as
    | { durationSeconds?: number | null; loudness?: { integratedLufs?: number | null; lra?: number | null; truePeakDbtp?: number | null }; silence?: { totalSeconds?: number } }
    | undefined;
  if (!audio) throw new InputError('the card has no audio section (transcode measured nothing)');
  const duration = audio.durationSeconds ?? null;
  const silenceRatio = duration && audio.silence?.totalSeconds !== undefined ? Math.min(1, Math.round((audio.silence.totalSeconds / duration) * 1000) / 1000) : null;
  const wave = card.outputs.find((o) => o.kind === 'waveform');
  let score = 0;
  if (wave) {
    const { bytes } = await gateway.getBytes({ bucket: wave.bucket ?? derivedBucket, key: wave.key });
    score = speechScore(JSON.parse(bytes.toString('utf8')) as WaveformLike, silenceRatio);
  }
  return {
    durationSeconds: duration,
    silenceRatio,
    integratedLufs: audio.loudness?.integratedLufs ?? null,
    truePeakDbtp: audio.loudness?.truePeakDbtp ?? null,
    lra: audio.loudness?.lra ?? null,
    speech: { score, present: score >= 0.5 },
  };
}

function sameModels(a: readonly ModelRef[], b: readonly ModelRef[]): boolean {
  return a.length === b.length && a.every((m) => b.some((n) => n.name === m.name && n.version === m.version));
}

/** Re-reads the card and sets its `features` section (transcode has finished, so this is the only writer). */
async function updateCard(deps: FeaturesDeps, fallback: AssetCard, features: CardFeatures): Promise<void> {
  await setCardFeatures(deps.gateway, deps.derivedBucket, { source: fallback.source, sha256: fallback.source.sha256, fallback }, () => features);
}
