/**
 * Monthly storage cost per class, before and after a lifecycle plan, from a price table.
 *
 * Billing rules (COS, https://www.tencentcloud.com/document/product/436/40099, updated 2024-06-27):
 * STANDARD_IA (and MAZ_STANDARD_IA) bill at least 30 days and at least 64 KB per object; ARCHIVE at
 * least 90 days / 64 KB; DEEP_ARCHIVE at least 180 days / 64 KB; STANDARD and INTELLIGENT_TIERING
 * the actual size and time. Sizes are binary (1 GB = 1024³ bytes). Moving or deleting an object
 * before its class's minimum duration is charged for the remaining days (`earlyDeletion`).
 *
 * The default price table (USD per GB-month, ap-guangzhou) is in DEFAULT_PRICES with its source
 * and the date it was taken; an entry the sources did not state is marked `confirmed: false`.
 * Replace it with STRATA_COST_PRICES_FILE for real numbers.
 */
import { z } from 'zod';
import { StrataError } from '@strata/core/errors';
import type { PlanAction } from './planner';
import type { ObjectVersion } from './state';
import { describeZodError } from '../validation';

export const priceTableSchema = z.object({
  currency: z.string().min(1),
  source: z.string().min(1),
  takenAt: z.string().min(1),
  regions: z.record(
    z.string(),
    z.record(
      z.string(),
      z.object({
        perGbMonth: z.number().min(0),
        minDays: z.number().int().min(0).default(0),
        minBytes: z.number().int().min(0).default(0),
        /** false: an estimate, not read from a published price (reports flag it). */
        confirmed: z.boolean().default(true),
        /** The page this class's unit price was read from, and the page's date (default: the table's). */
        source: z.string().min(1).optional(),
        takenAt: z.string().min(1).optional(),
      }),
    ),
  ),
});
export type PriceTable = z.infer<typeof priceTableSchema>;

const MINIMUMS_PAGE = 'https://www.tencentcloud.com/document/product/436/40099';
const PRICING_PAGE = 'https://intl.cloud.tencent.com/document/product/436/6239';
/** The live pricing page cannot be read from here; its text is kept in Tencent's own documentation repository. */
const PRICING_REVISION = `${PRICING_PAGE} (COS Product Pricing, Beijing/Nanjing/Shanghai/Guangzhou row; the page's last revision in github.com/tencentyun/intlcloud-documents, yehe_doc/存储/对象存储/购买指南/产品定价_intl_en.md, commit 3a07443, 2020-11-11)`;
const ESTIMATE = 'estimate: not on a published price page this project could read; replace with STRATA_COST_PRICES_FILE';

/**
 * COS list prices as documented defaults. STANDARD, ARCHIVE and DEEP_ARCHIVE are from the
 * Product Pricing page (436/6239) as last published in Tencent's documentation repository
 * (2020-11-11); STANDARD_IA 0.015 USD/GB/month is from the newer COS billing FAQ
 * (https://www.tencentcloud.com/document/product/436/10373, updated 2023-03-24: "reduced from
 * 0.018 USD/GB/month to 0.015 USD/GB/month" in certain regions; the 2020 page says 0.018).
 * INTELLIGENT_TIERING has no price on either page: an estimate, `confirmed: false` with that said
 * in `source`. Minimum durations and sizes are from 436/40099 (updated 2024-06-27; its
 * 2025-11-12 revision states the same 30-day / 64 KB STANDARD_IA minimums).
 */
export const DEFAULT_PRICES: PriceTable = {
  currency: 'USD',
  source: `${PRICING_REVISION} (STANDARD, ARCHIVE, DEEP_ARCHIVE); https://www.tencentcloud.com/document/product/436/10373 (STANDARD_IA price, 2023-03-24); ${MINIMUMS_PAGE} (minimums, 2024-06-27); INTELLIGENT_TIERING an unconfirmed estimate`,
  takenAt: '2026-12-07',
  regions: {
    'ap-guangzhou': {
      STANDARD: { perGbMonth: 0.024, minDays: 0, minBytes: 0, confirmed: true, source: PRICING_REVISION, takenAt: '2020-11-11' },
      INTELLIGENT_TIERING: { perGbMonth: 0.024, minDays: 0, minBytes: 0, confirmed: false, source: ESTIMATE, takenAt: '2026-12-07' },
      STANDARD_IA: { perGbMonth: 0.015, minDays: 30, minBytes: 64 * 1024, confirmed: true, source: `https://www.tencentcloud.com/document/product/436/10373 (price); ${MINIMUMS_PAGE} (minimums)`, takenAt: '2023-03-24' },
      ARCHIVE: { perGbMonth: 0.005, minDays: 90, minBytes: 64 * 1024, confirmed: true, source: `${PRICING_REVISION} (price); ${MINIMUMS_PAGE} (minimums, 2024-06-27)`, takenAt: '2020-11-11' },
      DEEP_ARCHIVE: { perGbMonth: 0.002, minDays: 180, minBytes: 64 * 1024, confirmed: true, source: `${PRICING_REVISION} (price); ${MINIMUMS_PAGE} (minimums, 2024-06-27)`, takenAt: '2020-11-11' },
    },
  },
};

const GB = 1024 ** 3;
const DAY_MS = 86_400_000;
const DAYS_PER_MONTH = 30;

/** S3 class names → the table's (COS) names. */
const ALIASES: Readonly<Record<string, string>> = { GLACIER: 'ARCHIVE', GLACIER_IR: 'ARCHIVE', ONEZONE_IA: 'STANDARD_IA', REDUCED_REDUNDANCY: 'STANDARD' };

export interface ClassCost {
  objects: number;
  bytes: number;
  billableBytes: number;
  monthly: number;
}

export interface CostReport {
  readonly region: string;
  readonly currency: string;
  readonly prices: {
    readonly source: string;
    readonly takenAt: string;
    /** Classes whose unit price is an estimate. */
    readonly unconfirmed: string[];
    /** Each class's price as used, with where it was read and when, and whether it is an estimate. */
    readonly byClass: Record<string, PriceUsed>;
  };
  readonly before: { readonly byClass: Record<string, ClassCost>; readonly monthly: number };
  readonly after: { readonly byClass: Record<string, ClassCost>; readonly monthly: number } | null;
  /** One-time charges the plan causes: leaving a class before its minimum duration. */
  readonly earlyDeletion: number;
  /** before.monthly − after.monthly (null without a plan). */
  readonly monthlySaving: number | null;
}

export interface PriceUsed {
  readonly perGbMonth: number;
  readonly minDays: number;
  readonly minBytes: number;
  readonly source: string;
  readonly takenAt: string;
  readonly estimate: boolean;
}

export interface CostAccumulator {
  add(version: ObjectVersion, actions: readonly PlanAction[]): void;
  report(): CostReport;
}

const round = (n: number) => Math.round(n * 1e6) / 1e6;

/** Streams versions (and the plan's actions for each) into per-class totals; memory stays flat. */
export function createCostAccumulator(table: PriceTable, region: string, options: { now: Date; withPlan: boolean }): CostAccumulator {
  const prices = table.regions[region];
  if (!prices) throw new StrataError('InvalidArgument', `no prices for region ${region} (the table has ${Object.keys(table.regions).join(', ')})`);
  const price = (cls: string) => {
    const p = prices[ALIASES[cls] ?? cls];
    if (!p) throw new StrataError('InvalidArgument', `no price for storage class ${cls} in ${region}`);
    return p;
  };
  const before: Record<string, ClassCost> = {};
  const after: Record<string, ClassCost> = {};
  let earlyDeletion = 0;
  const addTo = (totals: Record<string, ClassCost>, cls: string, size: number) => {
    const name = ALIASES[cls] ?? cls;
    const p = price(name);
    const billable = Math.max(size, p.minBytes);
    const t = totals[name] ?? (totals[name] = { objects: 0, bytes: 0, billableBytes: 0, monthly: 0 });
    t.objects++;
    t.bytes += size;
    t.billableBytes += billable;
    t.monthly += (billable / GB) * p.perGbMonth;
  };
  return {
    add(v, actions) {
      if (v.isDeleteMarker) return;
      addTo(before, v.storageClass, v.size);
      if (!options.withPlan) return;
      const mine = actions.find((a) => a.key === v.key && a.versionId === v.versionId && a.action !== 'abort-multipart-upload');
      const leaves = mine && (mine.action === 'expire' || mine.action === 'delete-noncurrent' || mine.action === 'transition');
      if (leaves) {
        const p = price(v.storageClass);
        const ageDays = (options.now.getTime() - v.lastModified.getTime()) / DAY_MS;
        if (p.minDays > ageDays) earlyDeletion += ((Math.max(v.size, p.minBytes) / GB) * p.perGbMonth * (p.minDays - ageDays)) / DAYS_PER_MONTH;
      }
      // A versioned expire adds a delete marker: the version stays (noncurrent), still billed.
      if (mine?.action === 'transition') addTo(after, mine.storageClass as string, v.size);
      else if (!(mine && (mine.action === 'delete-noncurrent' || (mine.action === 'expire' && v.versionId === null) || (mine.action === 'expire' && v.versionId === 'null')))) addTo(after, v.storageClass, v.size);
    },
    report() {
      const sum = (t: Record<string, ClassCost>) => round(Object.values(t).reduce((n, c) => n + c.monthly, 0));
      const fix = (t: Record<string, ClassCost>) => Object.fromEntries(Object.entries(t).map(([k, c]) => [k, { ...c, monthly: round(c.monthly) }]));
      const b = sum(before);
      const a = options.withPlan ? sum(after) : null;
      return {
        region,
        currency: table.currency,
        prices: {
          source: table.source,
          takenAt: table.takenAt,
          unconfirmed: Object.entries(prices).filter(([, p]) => !p.confirmed).map(([k]) => k),
          byClass: Object.fromEntries(
            Object.entries(prices).map(([k, p]) => [k, { perGbMonth: p.perGbMonth, minDays: p.minDays, minBytes: p.minBytes, source: p.source ?? table.source, takenAt: p.takenAt ?? table.takenAt, estimate: !p.confirmed }]),
          ),
        },
        before: { byClass: fix(before), monthly: b },
        after: a === null ? null : { byClass: fix(after), monthly: a },
        earlyDeletion: round(earlyDeletion),
        monthlySaving: a === null ? null : round(b - a),
      };
    },
  };
}

export function parsePriceTable(json: unknown): PriceTable {
  const parsed = priceTableSchema.safeParse(json);
  if (!parsed.success) throw new StrataError('InvalidConfig', `price table: ${describeZodError(parsed.error)}`);
  return parsed.data;
}
