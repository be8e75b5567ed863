/**
 * Keys at S3's limits through the whole local stack: every valid key ends with a card `done` or
 * `quarantined` with a reason, and no event is dead-lettered.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cardKey, MAX_KEY_BYTES, type AssetCard } from '../../shared/contracts';
import { readCard } from '../../shared/pipeline/cards';
import { startE2eStack, type E2eStack } from './localStack';

let e2e: E2eStack;

beforeAll(async () => {
  e2e = await startE2eStack('long-keys');
}, 120_000);

afterAll(async () => {
  await e2e?.close();
});

const bytes = (s: string) => Buffer.byteLength(s, 'utf8');

/** `prefix` + filler segments of `segment` bytes, ending in `tail`, exactly `total` bytes long. */
function keyOf(total: number, tail: string, segment = 100): string {
  let key = 'limits/';
  while (bytes(key) + segment + 1 + bytes(tail) <= total) key += `${'k'.repeat(segment - 1)}/`;
  return key + 'p'.repeat(total - bytes(key) - bytes(tail)) + tail;
}

async function finalCard(key: string, timeoutMs = 90_000): Promise<AssetCard> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const card = await readCard(e2e.gateway, 'derived', { bucket: 'uploads', key });
    if (card && (card.status === 'done' || card.status === 'quarantined' || card.status === 'failed')) return card;
    if (Date.now() > until) throw new Error(`no final card for a ${bytes(key)}-byte key (last: ${card?.status ?? 'none'})`);
    await sleep(250);
  }
}

describe('keys at S3\'s limits', () => {
  it('ends each upload done or quarantined with a reason, never dead-lettered', async () => {
    const png = await sharp({ create: { width: 32, height: 24, channels: 3, background: '#a53' } }).png().toBuffer();
    const keys = [
      keyOf(MAX_KEY_BYTES, '.png'), // 1,024 bytes
      `segments/${'s'.repeat(246)}.png`, // a 250-byte final segment
      `unicode/写真 ${'é'.repeat(60)} 😀 ${'ü'.repeat(40)}.png`,
      keyOf(MAX_KEY_BYTES, `/${'ß'.repeat(98)}.png`, 120), // 1,024 bytes of which a 200-byte last segment
    ];
    expect(bytes(keys[0]!)).toBe(1024);
    expect(bytes(keys[3]!)).toBe(1024);
    expect(bytes(keys[1]!.split('/').pop()!)).toBe(250);
    for (const key of keys) await e2e.gateway.put({ bucket: 'uploads', key }, png);
    for (const key of keys) {
      const card = await finalCard(key);
      expect(card.source.key).toBe(key);
      expect(['done', 'quarantined'], `${bytes(key)}-byte key: ${card.status} ${JSON.stringify(card.reason)}`).toContain(card.status);
      if (card.status === 'quarantined') expect(card.reason?.message).toBeTruthy();
      else expect(card.outputs.length).toBeGreaterThan(0);
      // Every derived name fits S3: the card's own name and each output's.
      expect(bytes(cardKey(card.source))).toBeLessThanOrEqual(MAX_KEY_BYTES);
      for (const o of card.outputs) expect(bytes(o.key)).toBeLessThanOrEqual(MAX_KEY_BYTES);
    }
    const { events } = await e2e.stack.emulator.store.list();
    expect(events.filter((e) => e.status === 'dead').map((e) => [e.function, e.history.at(-1)])).toEqual([]);
  }, 150_000);
});
