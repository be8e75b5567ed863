import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import * as cost from '../../infra/cli/commands/cost';
import { DEFAULT_PRICES } from '../../shared/lifecycle';
import { captureCommand } from '../helpers/cliCommand';

const dir = mkdtempSync(join(tmpdir(), 'strata-cost-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const GB = 1024 ** 3;
const write = (name: string, v: unknown) => {
  const p = join(dir, name);
  writeFileSync(p, JSON.stringify(v));
  return p;
};
const prices = write('prices.json', {
  currency: 'USD',
  source: 'test table',
  takenAt: '2026-12-07',
  regions: { 'test-region': { STANDARD: { perGbMonth: 0.02 }, STANDARD_IA: { perGbMonth: 0.01, minDays: 30, minBytes: 65536 }, ARCHIVE: { perGbMonth: 0.004, minDays: 90, minBytes: 65536 } } },
});
const state = write('state.json', {
  versions: [
    { key: 'raw/a', size: 10 * GB, lastModified: '2025-01-01T00:00:00Z', storageClass: 'STANDARD' },
    { key: 'tmp/b', size: 1000, lastModified: '2026-01-21T00:00:00Z', storageClass: 'STANDARD_IA' },
    { key: 'keep/c', size: GB, lastModified: '2025-01-01T00:00:00Z', storageClass: 'STANDARD' },
  ],
});
const rules = write('rules.json', {
  LifecycleConfiguration: {
    Rules: [
      { ID: 'cold', Status: 'Enabled', Filter: { Prefix: 'raw/' }, Transitions: [{ Days: 30, StorageClass: 'GLACIER' }] },
      { ID: 'tmp', Status: 'Enabled', Filter: { Prefix: 'tmp/' }, Expiration: { Days: 5 } },
    ],
  },
});

describe('strata cost', () => {
  it('projects monthly cost per class before and after the plan, with minimum-size and minimum-duration charges and the saving', async () => {
    const r = await captureCommand(cost, ['--plan', '--rules', rules, '--state', state, '--prices', prices, '--region', 'test-region', '--now', '2026-01-31T12:00:00Z', '--json']);
    const report = JSON.parse(r.stdout);
    const ia = (65536 / GB) * 0.01; // 1000 bytes billed as 64 KB
    expect(report.before.byClass).toEqual({
      STANDARD: { objects: 2, bytes: 11 * GB, billableBytes: 11 * GB, monthly: 0.22 },
      STANDARD_IA: { objects: 1, bytes: 1000, billableBytes: 65536, monthly: Math.round(ia * 1e6) / 1e6 },
    });
    // GLACIER is COS's ARCHIVE; the expired IA object is gone after the plan.
    expect(report.after.byClass).toEqual({ ARCHIVE: { objects: 1, bytes: 10 * GB, billableBytes: 10 * GB, monthly: 0.04 }, STANDARD: { objects: 1, bytes: GB, billableBytes: GB, monthly: 0.02 } });
    expect(report.after.monthly).toBe(0.06);
    expect(report.monthlySaving).toBeCloseTo(0.22 + ia - 0.06, 5);
    // tmp/b leaves STANDARD_IA after 10.5 of its 30 minimum days: 19.5 days of 64 KB are charged.
    expect(report.earlyDeletion).toBe(Math.round(((ia * 19.5) / 30) * 1e6) / 1e6);
    expect(report.prices).toMatchObject({ source: 'test table', takenAt: '2026-12-07', unconfirmed: [] });
    expect(report.prices.byClass.STANDARD_IA).toEqual({ perGbMonth: 0.01, minDays: 30, minBytes: 65536, source: 'test table', takenAt: '2026-12-07', estimate: false });
  });

  it('without --plan reports the current cost only; the default table names its source and date and flags unconfirmed prices', async () => {
    const r = await captureCommand(cost, ['--state', state, '--json']);
    const report = JSON.parse(r.stdout);
    expect(report.after).toBeNull();
    expect(report.region).toBe('ap-guangzhou');
    expect(report.prices.source).toBe(DEFAULT_PRICES.source);
    expect(report.prices.unconfirmed).toEqual(['INTELLIGENT_TIERING']);
    // Each price names its page and date; estimates say so.
    expect(report.prices.byClass.STANDARD_IA).toMatchObject({ perGbMonth: 0.015, takenAt: '2023-03-24', estimate: false, source: expect.stringContaining('https://www.tencentcloud.com/document/product/436/10373') });
    expect(report.prices.byClass.ARCHIVE).toMatchObject({ perGbMonth: 0.005, takenAt: '2020-11-11', estimate: false, source: expect.stringContaining('https://intl.cloud.tencent.com/document/product/436/6239') });
    expect(report.prices.byClass.INTELLIGENT_TIERING).toMatchObject({ estimate: true, source: expect.stringMatching(/^estimate: /) });
    const text = await captureCommand(cost, ['--state', state]);
    expect(text.stdout).toMatch(/^price INTELLIGENT_TIERING: 0\.024 per GB-month \(ESTIMATE\)/m);
    expect(text.stdout).not.toMatch(/^price ARCHIVE: .*ESTIMATE/m);
    await expect(captureCommand(cost, ['--plan', '--state', state])).rejects.toMatchObject({ code: 'Usage' });
  });
});
