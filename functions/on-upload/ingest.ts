import { createHash } from 'node:crypto';
import type { Readable } from 'node:stream';
import { hasCode, isClassChangeCopy, profileFor, type ObjectInfo, type ObjectRef, type StorageGateway } from '@strata/core';
import { removeAssetFeatures } from '../../shared/features/remove';
import type { CardIdentity, HandOffMark, TranscodeJob } from '../../shared/contracts';
import type { Config } from '../../shared/config';
import type { StorageRecord } from '../../shared/events/types';
import type { Logger } from '../../shared/log';
import { SNIFF_BYTES, sniffContentType, sniffWindowOf, type SniffExtra, type SniffWindow } from '../../shared/media/sniff';
import { readCard, writeCard, writeCardVersion } from '../../shared/pipeline/cards';
import { quarantineAsset, quarantineRecord } from '../../shared/pipeline/quarantine';

export interface IngestDeps {
  readonly config: Config;
  readonly gateway: StorageGateway;
  readonly log: Logger;
  /** Hands a media job to the transcode function (SCF async invoke). */
  readonly handOff: (job: TranscodeJob) => Promise<void>;
}

export type IngestOutcome =
  /** Not an upload we process (removal, other bucket: the recursion guard). */
  | 'ignored'
  /** This very event was delivered before. */
  | 'duplicate'
  /** Identical bytes to what the card already describes (re-upload, class-change copy). */
  | 'unchanged'
  /** The object is gone by the time we looked. */
  | 'gone'
  | 'handed-off'
  | 'quarantined';

/** States in which a redelivered event has nothing left to do. */
const SETTLED = new Set(['processing', 'done', 'quarantined']);

/**
 * One pass over the object: its sha256, its first bytes and, when the head says sniffing needs
 * more (a TIFF whose first IFD lies further in), the bytes at that window — no second read.
 */
async function hashAndHead(body: Readable): Promise<{ sha256: string; head: Buffer; extra: SniffExtra | undefined; size: number }> {
  const hash = createHash('sha256');
  const headChunks: Buffer[] = [];
  let headBytes = 0;
  let size = 0;
  let window: SniffWindow | null | undefined; // undefined until the first 8 bytes are in
  const windowChunks: Buffer[] = [];
  for await (const chunk of body as AsyncIterable<Buffer>) {
    hash.update(chunk);
    if (headBytes < SNIFF_BYTES) {
      const part = chunk.subarray(0, SNIFF_BYTES - headBytes);
      headChunks.push(part);
      headBytes += part.length;
    }
    if (window === undefined && headBytes >= 8) window = sniffWindowOf(Buffer.concat(headChunks));
    if (window) {
      const from = Math.max(window.start, size);
      const to = Math.min(window.start + window.length, size + chunk.length);
      if (to > from) windowChunks.push(chunk.subarray(from - size, to - size));
    }
    size += chunk.length;
  }
  const extra = window ? { start: window.start, bytes: Buffer.concat(windowChunks) } : undefined;
  return { sha256: hash.digest('hex'), head: Buffer.concat(headChunks), extra, size };
}

/**
 * The object's info and bytes in one GET (no HEAD first); null when it is gone. An object in an
 * archive class cannot be read: its info then comes from a HEAD, with no body.
 */
async function openObject(gateway: StorageGateway, ref: ObjectRef): Promise<{ info: ObjectInfo; body: Readable | null } | null> {
  try {
    return await gateway.get(ref);
  } catch (err) {
    if (hasCode(err, 'NoSuchKey')) return null;
    if (!hasCode(err, 'ObjectArchived')) throw err;
  }
  const info = await gateway.head(ref);
  return info ? { info, body: null } : null;
}

/**
 * Ingests one storage record: writes the asset card and hands media to transcode.
 * Idempotent: duplicate deliveries and re-uploads of identical bytes create nothing new.
 */
export async function ingestRecord(record: StorageRecord, deps: IngestDeps): Promise<IngestOutcome> {
  const { config, gateway } = deps;
  const log = deps.log.child({ assetKey: `${record.bucket}/${record.key}`, idempotencyKey: record.idempotencyKey });
  // Recursion guard: only the upload bucket is processed, whatever triggers are configured.
  if (record.operation === 'removed' && record.bucket === config.buckets.upload) {
    // The source is gone: its feature record goes, and its index row is queued for removal.
    await removeAssetFeatures(gateway, config.buckets.derived, { bucket: record.bucket, key: record.key });
    log.info('source removed: features record deleted, index row removal queued');
    return 'ignored';
  }
  if (record.operation !== 'created' || record.bucket !== config.buckets.upload) {
    log.info({ operation: record.operation, bucket: record.bucket }, 'ignored: not an upload to the upload bucket');
    return 'ignored';
  }
  const ref = { bucket: record.bucket, key: record.key };
  const derived = config.buckets.derived;
  // Both at once (one round trip less per upload); a duplicate delivery drops the opened read.
  const opening = openObject(gateway, ref);
  opening.catch(() => undefined); // awaited below, on every path
  let card;
  try {
    card = await readCard(gateway, derived, ref);
  } catch (err) {
    void opening.then((o) => o?.body?.destroy(), () => undefined);
    throw err;
  }
  const opened = await opening;
  const handedOff = card?.status === 'pending' && Boolean(card.handOff);
  if (card && card.idempotencyKey === record.idempotencyKey && (SETTLED.has(card.status) || handedOff)) {
    opened?.body?.destroy();
    log.info({ status: card.status }, 'duplicate delivery: already handled');
    return 'duplicate';
  }
  if (!opened) {
    log.info('object no longer exists');
    return 'gone';
  }
  const { info, body } = opened;
  // A storage-class change copies the object onto itself (and fires ObjectCreated:Copy): same bytes,
  // nothing to do — and an archived object could not even be read.
  if (isClassChangeCopy(ref, info.metadata)) {
    body?.destroy();
    log.info({ storageClass: info.storageClass }, 'storage-class change: nothing to do');
    return 'unchanged';
  }
  // Written straight into an archive class: the bytes cannot be read until restored, and retrying
  // cannot change that. Quarantined with the reason (no card: a card records the bytes' sha256).
  if (!body || info.restore?.state === 'archived' || info.restore?.state === 'in-progress') {
    body?.destroy();
    const message = `written in the archive class ${info.storageClass}: its bytes cannot be read until restored (strata restore s3://${ref.bucket}/${ref.key}), then reprocess it or upload it again in a readable class`;
    const source = { bucket: ref.bucket, key: ref.key, versionId: info.versionId ?? record.versionId, size: info.size, etag: info.etag || record.etag, storageClass: info.storageClass };
    await quarantineRecord({ gateway, derivedBucket: derived, source, idempotencyKey: record.idempotencyKey, code: 'archived', message });
    log.warn({ reason: { code: 'archived', message } }, 'quarantined');
    return 'quarantined';
  }
  const read = await hashAndHead(body);
  if (card && card.source.sha256 === read.sha256 && (card.status === 'done' || card.status === 'quarantined')) {
    log.info({ status: card.status }, 'identical bytes already processed: nothing to do');
    return 'unchanged';
  }
  const sniffed = await sniffContentType(read.head, read.extra);
  const identity: CardIdentity = {
    source: {
      bucket: ref.bucket,
      key: ref.key,
      versionId: info.versionId ?? record.versionId,
      size: read.size,
      etag: info.etag || record.etag,
      sha256: read.sha256,
      contentType: sniffed.mime,
    },
    idempotencyKey: record.idempotencyKey,
  };
  const quarantine = async (code: 'empty' | 'too-large' | 'unsupported-type', message: string): Promise<IngestOutcome> => {
    await quarantineAsset({ gateway, derivedBucket: derived, card: identity, code, message });
    log.warn({ reason: { code, message } }, 'quarantined');
    return 'quarantined';
  };
  if (read.size === 0) return quarantine('empty', 'the object is empty (0 bytes)');
  if (read.size > config.limits.maxInputBytes) {
    return quarantine('too-large', `${read.size} bytes is over the limit of ${config.limits.maxInputBytes} (STRATA_MAX_INPUT_BYTES)`);
  }
  if (sniffed.family === 'other') {
    return quarantine('unsupported-type', `${sniffed.mime} is not an image, video or audio file (type read from the bytes, not the name)`);
  }
  const pending = { ...identity, status: 'pending' as const, reason: null, outputs: card?.outputs ?? [] };
  const { etag } = await writeCardVersion(gateway, derived, pending);
  await deps.handOff({ kind: 'transcode', family: sniffed.family, source: identity.source, idempotencyKey: record.idempotencyKey });
  log.info({ contentType: sniffed.mime }, 'handed off to transcode');
  // Only over the pending card just written (If-Match): transcode may already have moved it on, as
  // it can run before this line does. A store without conditional PUT (COS) gets no mark: a
  // redelivery is then handed off again, which is safe, rather than risking a final card turned
  // back to pending.
  if (profileFor(config.storage.provider).conditionalWrites) {
    const handOff: HandOffMark = { at: new Date().toISOString() };
    await writeCard(gateway, derived, { ...pending, handOff }, { ifMatch: etag }).catch((err: unknown) => {
      if (!hasCode(err, 'PreconditionFailed')) throw err;
    });
  }
  return 'handed-off';
}
