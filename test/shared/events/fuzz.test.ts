/**
 * Fuzz-style robustness: malformed variants of every valid fixture (deleted fields, wrong types,
 * mutated strings, hostile keys) and arbitrary values must give either a well-formed canonical
 * event or StrataError('InvalidEvent') — never another exception, never a malformed event.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { StrataError } from '@strata/core/errors';
import { parseEvent, type CanonicalEvent } from '../../../shared/events';
import { loadFixtures } from './fixtures';

type Json = null | boolean | number | string | Json[] | { [k: string]: Json };
type Path = (string | number)[];

const ISO_UTC = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;
const OPERATIONS = ['created', 'removed', 'restored', 'transitioned', 'other'];
const valid = loadFixtures().filter((f) => f.expected.kind !== 'invalid');

function pathsOf(value: Json, prefix: Path = []): Path[] {
  const out: Path[] = [prefix];
  if (Array.isArray(value)) value.forEach((v, i) => out.push(...pathsOf(v, [...prefix, i])));
  else if (value !== null && typeof value === 'object') for (const [k, v] of Object.entries(value)) out.push(...pathsOf(v, [...prefix, k]));
  return out;
}

/** Returns a copy of `root` with the node at `path` replaced (or deleted when `replacement` is DELETE). */
const DELETE = Symbol('delete');
function mutate(root: Json, path: Path, replacement: Json | typeof DELETE): unknown {
  if (path.length === 0) return replacement === DELETE ? undefined : replacement;
  const copy = structuredClone(root) as Record<string | number, Json>;
  let node = copy as Record<string | number, Json>;
  for (const step of path.slice(0, -1)) node = node[step] as Record<string | number, Json>;
  const last = path[path.length - 1] as string | number;
  if (replacement === DELETE) {
    if (Array.isArray(node)) node.splice(last as number, 1);
    else delete node[last];
  } else Object.defineProperty(node, last, { value: replacement, enumerable: true, writable: true, configurable: true });
  return copy;
}

/** Checks the invariants every canonical event keeps (the JSON contract of the issue). */
function assertWellFormed(event: CanonicalEvent): void {
  expect(JSON.parse(JSON.stringify(event))).toEqual(event);
  switch (event.kind) {
    case 'storage':
      expect(event.records.length).toBeGreaterThan(0);
      for (const r of event.records) {
        expect(typeof r.bucket === 'string' && r.bucket.length > 0).toBe(true);
        expect(typeof r.key === 'string' && r.key.length > 0).toBe(true);
        expect(OPERATIONS).toContain(r.operation);
        expect(r.size === null || (Number.isSafeInteger(r.size) && r.size >= 0)).toBe(true);
        expect(r.etag === null || (typeof r.etag === 'string' && r.etag !== '' && !r.etag.startsWith('"'))).toBe(true);
        expect(r.time === null || ISO_UTC.test(r.time)).toBe(true);
        expect(r.idempotencyKey).toMatch(/^ik1-[0-9a-f]{32}$/);
        expect(event.provider === 'cos' ? typeof r.appid === 'string' : !('appid' in r)).toBe(true);
      }
      break;
    case 'timer':
      expect(ISO_UTC.test(event.time)).toBe(true);
      break;
    case 'http':
      for (const v of [...Object.values(event.query), ...Object.values(event.headers)]) expect(typeof v).toBe('string');
      for (const name of Object.keys(event.headers)) expect(name).toBe(name.toLowerCase());
      break;
    case 'test':
      expect(event.records).toEqual([]);
      break;
  }
}

/** Parses and asserts: a well-formed event, or a typed InvalidEvent with a located message. */
function check(payload: unknown): 'ok' | 'invalid' {
  let event: CanonicalEvent;
  try {
    event = parseEvent(payload);
  } catch (err) {
    expect(err).toBeInstanceOf(StrataError);
    expect((err as StrataError).code).toBe('InvalidEvent');
    // `<where>: <problem>`, where is `event` or a field path such as Records[2].s3.object.key.
    expect((err as StrataError).message).toMatch(/^(event|[A-Za-z][\s\S]*?): \S/);
    return 'invalid';
  }
  assertWellFormed(event);
  return 'ok';
}

const hostileString = fc.oneof(
  fc.string(),
  fc.constantFrom('%', '%E0%A4%A', '%C3', '+', '%2F', '', ' ', '"', '\u0000', '\uD800', '__proto__', 'constructor', 'NaN', '-1', '1e400', '9007199254740993'),
  fc.string({ unit: 'binary', maxLength: 20 }),
);
const replacement: fc.Arbitrary<Json | typeof DELETE> = fc.oneof(
  fc.constant(DELETE),
  fc.constant(DELETE),
  hostileString,
  fc.constantFrom<Json>(null, true, false, 0, -1, 1.5, 2 ** 53, -0, [], {}, [null], { __proto__: 'x' } as Json),
  fc.integer(),
  fc.double({ noNaN: true }).filter(Number.isFinite),
  fc.jsonValue({ maxDepth: 2 }) as fc.Arbitrary<Json>,
);

describe('fuzz: malformed events give only typed InvalidEvent errors or valid events', () => {
  it.each(valid.map((f) => [`${f.kind}/${f.name}`, f] as const))('mutations of %s', (_, f) => {
    const paths = pathsOf(f.payload as Json);
    const outcomes = { ok: 0, invalid: 0 };
    fc.assert(
      fc.property(fc.nat(paths.length - 1), replacement, (i, value) => {
        outcomes[check(mutate(f.payload as Json, paths[i] as Path, value))] += 1;
      }),
      { numRuns: 120, seed: 9 },
    );
    // Both outcomes must actually occur: a parser that accepted or refused everything would fail here.
    expect(outcomes.invalid).toBeGreaterThan(0);
    expect(outcomes.ok).toBeGreaterThan(0);
  });

  it('arbitrary JSON values and arbitrary objects under a Records key', () => {
    fc.assert(
      fc.property(fc.oneof(fc.jsonValue(), fc.record({ Records: fc.array(fc.jsonValue({ maxDepth: 4 }), { maxLength: 3 }) }), fc.anything()), (value) => {
        check(value);
      }),
      { numRuns: 1500, seed: 9 },
    );
  });

  it('prototype-pollution keys are data, never pollute Object.prototype', () => {
    const payloads = [
      '{"__proto__":{"polluted":1},"Records":[{"__proto__":{"eventSource":"aws:s3"}}]}',
      '{"httpMethod":"GET","path":"/","headers":{"__proto__":"x","constructor":"y","Accept":"a"},"queryString":{"__proto__":{"polluted":1},"toString":"z"}}',
      '{"httpMethod":"GET","path":"/","headers":{"__proto__":["x"]}}',
      '{"Records":[{"eventSource":"aws:s3","eventName":"ObjectCreated:Put","s3":{"bucket":{"name":"b","__proto__":{"polluted":1}},"object":{"key":"__proto__"}}}]}',
      '{"Type":"Timer","TriggerName":"__proto__","Time":"2024-01-01T00:00:00Z","constructor":{"prototype":{"polluted":1}}}',
    ];
    for (const text of payloads) check(JSON.parse(text));
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect(Object.hasOwn(Object.prototype, 'polluted')).toBe(false);
  });

  it('huge strings, deep nesting, sparse and exotic values', () => {
    const huge = 'x'.repeat(4 * 1024 * 1024);
    let deep: unknown = {};
    for (let i = 0; i < 5000; i += 1) deep = { Records: [deep] };
    const exotic = [
      { Records: [{ eventSource: 'aws:s3', eventName: huge, s3: { bucket: { name: huge }, object: { key: huge } } }] },
      { Records: [{ eventSource: 'aws:s3', eventName: 'x', s3: { bucket: { name: 'b' }, object: { key: '%'.repeat(100_000) } } }] },
      { httpMethod: 'GET', path: huge, headers: { a: huge }, body: huge },
      deep,
      { Records: new Array(3) },
      { Records: [new Date(), /re/, new Map(), Symbol('s'), () => 1, 10n] },
      Object.create(null),
      new Proxy({}, { get: () => { throw new Error('trap'); }, has: () => { throw new Error('trap'); } }),
      { get Records() { throw new Error('getter'); } },
      { Records: [{ get eventSource() { throw new TypeError('getter'); } }] },
    ];
    for (const payload of exotic) check(payload);
  });
});
