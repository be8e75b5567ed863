/**
 * The feature-complete gate: an original never moves to a colder class until its asset card is
 * complete. Complete means: the card is `done` and describes these bytes (size, etag), every
 * rendition it lists exists with the size and checksums the card recorded (one HEAD each), and,
 * when features are required (STRATA_LIFECYCLE_REQUIRE_FEATURES, default true), `features.status`
 * is `done` (or `skipped`: nothing to extract for the type). Otherwise the reason, which the plan
 * lists under `held`. Derived data is not gated (it moves only when a rule on its bucket says so).
 */
import type { StorageGateway } from '@strata/core';
import { cardKey, type AssetCard } from '../contracts';
import { readCard } from '../pipeline/cards';
import type { ObjectVersion } from './state';

export interface GateOptions {
  readonly gateway: StorageGateway;
  readonly derivedBucket: string;
  /** Require `features.status === "done"` on the card (when a features function is configured). */
  readonly requireFeatures: boolean;
}

/** Media whose card must list renditions before the original may go cold. */
const RENDERED = /^(image|video|audio)\//;

function checksumsAgree(recorded: Readonly<Record<string, string>>, actual: Readonly<Record<string, string | undefined>>): boolean {
  let compared = 0;
  for (const [algo, value] of Object.entries(recorded)) {
    const got = actual[algo];
    if (got === undefined) continue;
    if (got !== value) return false;
    compared++;
  }
  return compared > 0;
}

/** Why `card` is not complete for `version`, or null when it is (the renditions are checked in storage). */
export async function cardIncomplete(card: AssetCard | null, version: ObjectVersion, bucket: string, options: GateOptions): Promise<string | null> {
  const where = `s3://${options.derivedBucket}/${cardKey({ bucket, key: version.key })}`;
  if (!card) return `held by the feature-complete gate: no asset card at ${where}`;
  if (card.status !== 'done') return `held by the feature-complete gate: asset card status is ${card.status}${card.reason ? ` (${card.reason.code})` : ''}`;
  if (card.source.size !== version.size) return `held by the feature-complete gate: the card describes ${card.source.size} bytes, the object has ${version.size} (not yet processed)`;
  if (RENDERED.test(card.source.contentType) && card.outputs.length === 0) return 'held by the feature-complete gate: the card lists no renditions';
  for (const out of card.outputs) {
    const info = await options.gateway.head({ bucket: out.bucket, key: out.key });
    if (!info) return `held by the feature-complete gate: rendition ${out.kind} missing (s3://${out.bucket}/${out.key})`;
    if (info.size !== out.bytes) return `held by the feature-complete gate: rendition ${out.kind} is ${info.size} bytes, the card says ${out.bytes}`;
    if (!checksumsAgree(out.checksum, info.checksum)) return `held by the feature-complete gate: rendition ${out.kind} checksum not verified (s3://${out.bucket}/${out.key})`;
  }
  if (options.requireFeatures) {
    const features = card.features as { status?: unknown } | undefined;
    // `skipped`: the features function had nothing to extract for this type.
    if (features?.status !== 'done' && features?.status !== 'skipped') return `held by the feature-complete gate: features not extracted (${features ? `status ${String(features.status)}` : 'no features on the card'})`;
  }
  return null;
}

/** The gate for one version of an original in `bucket`: null lets it move colder, a string holds it. */
export async function gateOriginal(version: ObjectVersion, bucket: string, options: GateOptions): Promise<string | null> {
  const card = await readCard(options.gateway, options.derivedBucket, { bucket, key: version.key });
  return cardIncomplete(card, version, bucket, options);
}
