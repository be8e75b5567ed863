/**
 * Prometheus metrics (prom-client), one registry per instance: requests by route, method and
 * status, latency histograms by route, and pipeline gauges filled at scrape time (cards by
 * status, quarantines by reason code, dead-lettered events).
 *
 * prom-client loads after the instance's first response (it is not needed to answer it):
 * observations made before are queued and recorded once it has loaded; a scrape waits for it.
 */
import type { Registry } from 'prom-client';

export interface PipelineCounts {
  readonly cardsByStatus: Readonly<Record<string, number>>;
  readonly quarantinesByCode: Readonly<Record<string, number>>;
  /** null when the platform's dead-letter list cannot be read from here. */
  readonly deadLetters: number | null;
  /** Cards left uncounted past the scan cap. */
  readonly truncated: boolean;
}

export interface ApiMetrics {
  observe(route: string, method: string, status: number, seconds: number): void;
  /** The exposition text and its content type. */
  render(pipeline: PipelineCounts): Promise<{ text: string; contentType: string }>;
}

type Observation = readonly [route: string, method: string, status: number, seconds: number];

async function createRegistry() {
  const { Counter, Gauge, Histogram, Registry } = await import('prom-client');
  const registry: Registry = new Registry();
  const requests = new Counter({ name: 'strata_api_requests_total', help: 'API requests by route, method and HTTP status', labelNames: ['route', 'method', 'code'], registers: [registry] });
  const latency = new Histogram({
    name: 'strata_api_request_duration_seconds',
    help: 'API request latency by route',
    labelNames: ['route', 'method'],
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers: [registry],
  });
  const cards = new Gauge({ name: 'strata_cards', help: 'Asset cards by status', labelNames: ['status'], registers: [registry] });
  const quarantines = new Gauge({ name: 'strata_quarantines', help: 'Quarantined uploads by reason code', labelNames: ['code'], registers: [registry] });
  const dead = new Gauge({ name: 'strata_dead_letters', help: 'Async events in the dead-letter list', registers: [registry] });
  const truncated = new Gauge({ name: 'strata_cards_scan_truncated', help: '1 when the card scan stopped at its cap (counts are lower bounds)', registers: [registry] });
  return {
    record([route, method, status, seconds]: Observation) {
      requests.inc({ route, method, code: String(status) });
      latency.observe({ route, method }, seconds);
    },
    async render(pipeline: PipelineCounts) {
      cards.reset();
      for (const [status, n] of Object.entries(pipeline.cardsByStatus)) cards.set({ status }, n);
      quarantines.reset();
      for (const [code, n] of Object.entries(pipeline.quarantinesByCode)) quarantines.set({ code }, n);
      if (pipeline.deadLetters === null) dead.reset();
      else dead.set(pipeline.deadLetters);
      truncated.set(pipeline.truncated ? 1 : 0);
      return { text: await registry.metrics(), contentType: registry.contentType };
    },
  };
}

export function createMetrics(): ApiMetrics {
  type Loaded = Awaited<ReturnType<typeof createRegistry>>;
  const pending: Observation[] = [];
  let ready: Loaded | null = null;
  let loading: Promise<Loaded> | null = null;
  let scheduled = false;
  const load = () =>
    (loading ??= createRegistry().then((r) => {
      for (const o of pending.splice(0)) r.record(o);
      ready = r;
      return r;
    }));
  return {
    observe(route, method, status, seconds) {
      if (ready) return ready.record([route, method, status, seconds]);
      pending.push([route, method, status, seconds]);
      // Loaded after this response has gone out.
      if (!scheduled) {
        scheduled = true;
        setImmediate(() => void load());
      }
    },
    async render(pipeline) {
      return (await load()).render(pipeline);
    },
  };
}
