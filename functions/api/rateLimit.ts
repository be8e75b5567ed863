/**
 * A token bucket per client (API key id, or source IP without a key), per instance: `perMinute`
 * requests a minute with bursts up to the same number. On SCF each warm instance counts alone,
 * so the effective limit scales with the instances running (docs/api.md).
 */
export interface RateLimiter {
  /** null when allowed, else the seconds to wait. */
  take(client: string): number | null;
}

export function createRateLimiter(perMinute: number, nowMs: () => number = Date.now, maxClients = 10_000): RateLimiter {
  const buckets = new Map<string, { tokens: number; at: number }>();
  const ratePerMs = perMinute / 60_000;
  return {
    take(client) {
      const now = nowMs();
      const b = buckets.get(client) ?? { tokens: perMinute, at: now };
      b.tokens = Math.min(perMinute, b.tokens + (now - b.at) * ratePerMs);
      b.at = now;
      if (!buckets.has(client)) {
        if (buckets.size >= maxClients) buckets.delete(buckets.keys().next().value!);
        buckets.set(client, b);
      }
      if (b.tokens < 1) return Math.ceil((1 - b.tokens) / ratePerMs / 1000);
      b.tokens -= 1;
      return null;
    },
  };
}
