/**
 * Prometheus metrics (prom-client), one registry per instance: requests by route, method and
 * status, latency histograms by route, and pipeline gauges filled at scrape time (cards by
 * status, quarantines by reason code, dead-lettered events).
 */
import { Counter, Gauge, Histogram, Registry } from 'prom-client';

export interface PipelineCounts {
  readonly cardsByStatus: Readonly<Record<string, number>>;
  readonly quarantinesByCode: Readonly<Record<string, number>>;
  /** null when the platform's dead-letter list cannot be read from here. */
  readonly deadLetters: number | null;
  /** Cards left uncounted past the scan cap. */
  readonly truncated: boolean;
}

export interface ApiMetrics {
  readonly registry: Registry;
  observe(route: string, method: string, status: number, seconds: number): void;
  render(pipeline: PipelineCounts): Promise<string>;
}

export function createMetrics(): ApiMetrics {
  const registry = new Registry();
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
    registry,
    observe(route, method, status, seconds) {
      requests.inc({ route, method, code: String(status) });
      latency.observe({ route, method }, seconds);
    },
    async render(pipeline) {
      cards.reset();
      for (const [status, n] of Object.entries(pipeline.cardsByStatus)) cards.set({ status }, n);
      quarantines.reset();
      for (const [code, n] of Object.entries(pipeline.quarantinesByCode)) quarantines.set({ code }, n);
      if (pipeline.deadLetters === null) dead.reset();
      else dead.set(pipeline.deadLetters);
      truncated.set(pipeline.truncated ? 1 : 0);
      return registry.metrics();
    },
  };
}
