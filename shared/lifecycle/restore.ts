/**
 * Restore from ARCHIVE / DEEP_ARCHIVE: start it, report its status and ETA, keep the asset card
 * in step (`storage` section), and tell readers (the HTTP API answers 202 with this status) why an
 * object cannot be read yet. Originals archived as erasure-protected objects (protect.ts) are
 * restored shard by shard and rebuilt from parity.
 *
 * ETAs are the documented retrieval times: COS https://www.tencentcloud.com/document/product/436/30933
 * (ARCHIVE Expedited 1–5 min, Standard 3–5 h, Bulk 5–12 h; DEEP_ARCHIVE Standard 12–24 h, Bulk
 * 24–48 h) and S3 https://docs.aws.amazon.com/AmazonS3/latest/userguide/restoring-objects-retrieval-options.html
 * (GLACIER likewise; DEEP_ARCHIVE Standard within 12 h, Bulk within 48 h). The local server
 * restores after STRATA_RESTORE_DELAY_MS.
 */
import { hasCode, StrataError, type ObjectRef, type StorageGateway } from '@strata/core';
import { protectedArchiveKey, restoreStatusKey } from '../contracts/derivedKeys';
import { readCard, writeCard } from '../pipeline/cards';

export type RestoreTier = 'Expedited' | 'Standard' | 'Bulk';

export interface RestoreReport {
  readonly bucket: string;
  readonly key: string;
  readonly storageClass: string | null;
  /** `none`: readable as is; `archived`: needs a restore; `in-progress`; `restored` (readable until `expiresAt`); `missing`. */
  readonly state: 'none' | 'archived' | 'in-progress' | 'restored' | 'missing';
  /** Archived as an erasure-protected object: restored shard by shard, rebuilt from parity. */
  readonly protected: boolean;
  readonly tier: RestoreTier | null;
  readonly requestedAt: string | null;
  /** When the restore should be done at the earliest / latest (null when nothing is running). */
  readonly eta: { readonly earliest: string; readonly latest: string } | null;
  readonly expiresAt: string | null;
}

interface Window {
  readonly minMs: number;
  readonly maxMs: number;
}
const MIN = 60_000;
const HOUR = 60 * MIN;
const WINDOWS: Readonly<Record<string, Partial<Record<RestoreTier, Window>>>> = {
  ARCHIVE: { Expedited: { minMs: MIN, maxMs: 5 * MIN }, Standard: { minMs: 3 * HOUR, maxMs: 5 * HOUR }, Bulk: { minMs: 5 * HOUR, maxMs: 12 * HOUR } },
  GLACIER: { Expedited: { minMs: MIN, maxMs: 5 * MIN }, Standard: { minMs: 3 * HOUR, maxMs: 5 * HOUR }, Bulk: { minMs: 5 * HOUR, maxMs: 12 * HOUR } },
  DEEP_ARCHIVE: { Standard: { minMs: 12 * HOUR, maxMs: 24 * HOUR }, Bulk: { minMs: 24 * HOUR, maxMs: 48 * HOUR } },
};

export interface RestoreDeps {
  readonly gateway: StorageGateway;
  readonly derivedBucket: string;
  /** Local stack: restores finish after this delay (ms) instead of the documented windows. */
  readonly localDelayMs?: number;
  readonly clock?: () => Date;
}

function etaFor(storageClass: string | null, tier: RestoreTier, requestedAt: Date, localDelayMs: number | undefined) {
  const w = localDelayMs !== undefined ? { minMs: localDelayMs, maxMs: localDelayMs } : WINDOWS[storageClass ?? '']?.[tier] ?? WINDOWS.ARCHIVE?.Standard;
  if (!w) return null;
  return { earliest: new Date(requestedAt.getTime() + w.minMs).toISOString(), latest: new Date(requestedAt.getTime() + w.maxMs).toISOString() };
}

interface StoredRestore {
  readonly requestedAt: string;
  readonly tier: RestoreTier;
  readonly days: number;
}

async function readStored(deps: RestoreDeps, ref: ObjectRef): Promise<StoredRestore | null> {
  try {
    return JSON.parse((await deps.gateway.getBytes({ bucket: deps.derivedBucket, key: restoreStatusKey(ref) })).bytes.toString('utf8')) as StoredRestore;
  } catch (err) {
    if (hasCode(err, 'NoSuchKey')) return null;
    throw err;
  }
}

/** The status of `ref`: its class, whether it can be read, a running restore and its ETA. */
export async function restoreStatus(deps: RestoreDeps, ref: ObjectRef): Promise<RestoreReport> {
  const info = await deps.gateway.head(ref);
  const stored = await readStored(deps, ref);
  if (!info) {
    const manifest = await deps.gateway.head({ bucket: deps.derivedBucket, key: protectedArchiveKey(ref) });
    if (!manifest?.protected) return { bucket: ref.bucket, key: ref.key, storageClass: null, state: 'missing', protected: false, tier: null, requestedAt: null, eta: null, expiresAt: null };
    const infos = await Promise.all(manifest.protected.shards.map((s) => deps.gateway.head({ bucket: s.bucket, key: s.key })));
    const shardClass = infos.find((i) => i)?.storageClass ?? null;
    const states = infos.map((i) => (i ? (i.restore?.state ?? 'none') : 'missing'));
    const readable = states.filter((s) => s === 'none' || s === 'restored').length;
    const running = states.some((s) => s === 'in-progress');
    const state = readable >= manifest.protected.k ? 'restored' : running ? 'in-progress' : 'archived';
    return {
      bucket: ref.bucket, key: ref.key, storageClass: shardClass, state, protected: true,
      tier: stored?.tier ?? null, requestedAt: stored?.requestedAt ?? null,
      eta: state === 'in-progress' && stored ? etaFor(shardClass, stored.tier, new Date(stored.requestedAt), deps.localDelayMs) : null,
      expiresAt: null,
    };
  }
  const r = info.restore ?? { state: 'none' as const, expiresAt: null };
  return {
    bucket: ref.bucket, key: ref.key, storageClass: info.storageClass, state: r.state, protected: false,
    tier: r.state === 'none' ? null : (stored?.tier ?? null),
    requestedAt: r.state === 'none' ? null : (stored?.requestedAt ?? null),
    eta: r.state === 'in-progress' && stored ? etaFor(info.storageClass, stored.tier, new Date(stored.requestedAt), deps.localDelayMs) : null,
    expiresAt: r.expiresAt ? r.expiresAt.toISOString() : null,
  };
}

/** Null when `ref` can be read now; otherwise the status a reader should get (HTTP 202). */
export async function archivedReadStatus(deps: RestoreDeps, ref: ObjectRef): Promise<RestoreReport | null> {
  const s = await restoreStatus(deps, ref);
  return s.state === 'archived' || s.state === 'in-progress' || (s.protected && s.state !== 'missing') ? s : null;
}

/** Records the restore on the asset card (`storage` section), when the object has a card. */
async function cardFollows(deps: RestoreDeps, ref: ObjectRef, report: RestoreReport): Promise<void> {
  const card = await readCard(deps.gateway, deps.derivedBucket, ref);
  if (!card) return;
  const { version: _v, updatedAt: _u, ...draft } = card;
  await writeCard(deps.gateway, deps.derivedBucket, {
    ...draft,
    storage: { storageClass: report.storageClass, protected: report.protected, restore: { state: report.state, tier: report.tier, requestedAt: report.requestedAt, eta: report.eta, expiresAt: report.expiresAt } },
  } as Parameters<typeof writeCard>[2]);
}

/**
 * Starts a restore of an archived object (or of the shards of a protected archive), or reports
 * the one running; the card follows. Not archived → InvalidArgument.
 */
export async function startRestore(deps: RestoreDeps, ref: ObjectRef, options: { days?: number; tier?: RestoreTier } = {}): Promise<RestoreReport> {
  const before = await restoreStatus(deps, ref);
  const tier = options.tier ?? 'Standard';
  const days = options.days ?? 1;
  if (before.state === 'missing') throw new StrataError('NoSuchKey', `s3://${ref.bucket}/${ref.key}: no such object (and no protected archive of it)`);
  if (before.state === 'none') throw new StrataError('InvalidArgument', `s3://${ref.bucket}/${ref.key} is in ${before.storageClass}, not an archive class: nothing to restore`);
  if (before.storageClass === 'DEEP_ARCHIVE' && tier === 'Expedited') throw new StrataError('InvalidArgument', 'DEEP_ARCHIVE has no Expedited retrieval: use Standard or Bulk');
  if (before.state === 'archived') {
    const now = (deps.clock ?? (() => new Date()))();
    await deps.gateway.put({ bucket: deps.derivedBucket, key: restoreStatusKey(ref) }, JSON.stringify({ requestedAt: now.toISOString(), tier, days }), { contentType: 'application/json', skipIfUnchanged: false });
    if (before.protected) {
      const manifest = await deps.gateway.head({ bucket: deps.derivedBucket, key: protectedArchiveKey(ref) });
      for (const s of manifest?.protected?.shards ?? []) {
        const shard = { bucket: s.bucket, key: s.key };
        const i = await deps.gateway.head(shard);
        if (i?.restore?.state === 'archived') await deps.gateway.restore(shard, { days, tier });
      }
    } else {
      await deps.gateway.restore(ref, { days, tier });
    }
  }
  const after = await restoreStatus(deps, ref);
  await cardFollows(deps, ref, after);
  return after;
}

/**
 * For a protected archive whose shards are readable again (≥ k): rebuilds the content from
 * whatever shards are left (up to m lost) and writes it back under the original key; the card
 * follows. Returns the status afterwards.
 */
export async function completeProtectedRestore(deps: RestoreDeps, ref: ObjectRef): Promise<RestoreReport> {
  const status = await restoreStatus(deps, ref);
  if (!status.protected) return status;
  if (status.state !== 'restored') return status;
  const { info, body } = await deps.gateway.get({ bucket: deps.derivedBucket, key: protectedArchiveKey(ref) });
  await deps.gateway.put(ref, body, { size: info.size, ...(info.contentType ? { contentType: info.contentType } : {}), ...(info.checksum.sha256 ? { sha256: info.checksum.sha256 } : {}), metadata: { 'strata-restored-from': 'protected-archive' } });
  const after = await restoreStatus(deps, ref);
  await cardFollows(deps, ref, after);
  return after;
}

