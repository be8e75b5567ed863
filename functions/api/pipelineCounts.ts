/**
 * Pipeline gauges for /metrics, computed at scrape time: cards by status and quarantines by
 * reason code (a listing of the derived bucket, capped), dead-lettered async events (locally
 * from the emulator's health endpoint; a deployed SCF's dead-letter queue is not readable here).
 */
import { listPage, type StorageGateway } from '@strata/core';
import pLimit from 'p-limit';
import { cardKey } from '../../shared/contracts';
import { readCardAt } from '../../shared/pipeline/cards';
import type { Config } from '../../shared/config';
import type { PipelineCounts } from './metrics';

/** At most this many cards are read per scrape. */
export const CARD_SCAN_CAP = 5_000;

async function deadLetters(emulatorEndpoint: string | undefined): Promise<number | null> {
  if (!emulatorEndpoint) return null;
  try {
    const res = await fetch(new URL('healthz', emulatorEndpoint.endsWith('/') ? emulatorEndpoint : `${emulatorEndpoint}/`), { signal: AbortSignal.timeout(2000) });
    const body = (await res.json()) as { events?: Record<string, number> };
    return body.events?.dead ?? 0;
  } catch {
    return null;
  }
}

/** `emulatorEndpoint`: the local stack's HTTP endpoint (STRATA_SCF_ENDPOINT there); undefined on SCF. */
export async function countPipeline(config: Config, gateway: StorageGateway, emulatorEndpoint: string | undefined): Promise<PipelineCounts> {
  const derived = config.buckets.derived;
  const upload = config.buckets.upload;
  const root = cardKey({ bucket: upload, key: '' }).replace(/\.json$/, '');
  const cardsByStatus: Record<string, number> = {};
  const quarantinesByCode: Record<string, number> = {};
  const limit = pLimit(16);
  let startAfter: string | undefined;
  let scanned = 0;
  let truncated = false;
  for (;;) {
    const page = await listPage(gateway, derived, { prefix: root, startAfter, maxKeys: 1000 });
    const batch = page.entries.slice(0, CARD_SCAN_CAP - scanned);
    scanned += batch.length;
    const cards = await Promise.all(batch.map((e) => limit(() => readCardAt(gateway, derived, e.key))));
    for (const card of cards) {
      if (!card) continue;
      cardsByStatus[card.status] = (cardsByStatus[card.status] ?? 0) + 1;
      if (card.status === 'quarantined' && card.reason) quarantinesByCode[card.reason.code] = (quarantinesByCode[card.reason.code] ?? 0) + 1;
    }
    if (!page.more) break;
    if (scanned >= CARD_SCAN_CAP) {
      truncated = true;
      break;
    }
    startAfter = page.entries.at(-1)?.key;
  }
  return { cardsByStatus, quarantinesByCode, deadLetters: await deadLetters(emulatorEndpoint), truncated };
}
