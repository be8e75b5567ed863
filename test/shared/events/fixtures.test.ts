import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { hasCode } from '@strata/core/errors';
import { toCosEvent, type CosSourceEvent } from '../../../infra/local/emulator/cosEvent';
import { parseEvent, safeParseEvent } from '../../../shared/events';
import { FIXTURE_ROOT, loadFixtures, readJson } from './fixtures';

const fixtures = loadFixtures();
const valid = fixtures.filter((f) => f.expected.kind !== 'invalid');
const invalid = fixtures.filter((f) => f.expected.kind === 'invalid');

describe('event fixtures', () => {
  it('cover every payload kind the issue names', () => {
    const kinds = new Set(fixtures.map((f) => f.kind));
    for (const kind of ['cos', 's3', 'eventbridge', 'minio', 'rustfs', 'ceph', 's3-test', 'timer', 'http', 'local', 'invalid']) {
      expect(kinds, kind).toContain(kind);
    }
  });

  it.each(valid.map((f) => [`${f.kind}/${f.name}`, f] as const))('%s parses as its expected canonical event', (_, f) => {
    expect(parseEvent(f.payload)).toEqual(f.expected);
  });

  it.each(invalid.map((f) => [`${f.kind}/${f.name}`, f] as const))('%s is refused with its expected reason', (_, f) => {
    expect(safeParseEvent(f.payload)).toEqual({ ok: false, reason: f.expected.reason });
    let thrown: unknown;
    try {
      parseEvent(f.payload);
    } catch (err) {
      thrown = err;
    }
    expect(hasCode(thrown, 'InvalidEvent')).toBe(true);
  });

  it.each(['builder-put', 'builder-reupload'])('local/%s.json is what toCosEvent makes of the captured local event', (name) => {
    const input = readJson(join(FIXTURE_ROOT, 'local', `${name}.input.json`)) as CosSourceEvent;
    expect(toCosEvent([input], { appid: '1250000000', region: 'gz' })).toEqual(readJson(join(FIXTURE_ROOT, 'local', `${name}.json`)));
  });
});
