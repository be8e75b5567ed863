/**
 * `parseEvent(payload)`: recognises the payload's shape, hands it to that shape's parser, and
 * returns the canonical event. Every failure is `StrataError('InvalidEvent', reason)`, whatever
 * the input; `safeParseEvent` returns `{ ok:false, reason }` instead of throwing.
 */
import { StrataError } from '@strata/core/errors';
import { isPlainObject } from './fields';
import { invalidEvent } from './invalid';
import { isCosRecord, parseCosRecords } from './shapes/cos';
import { isEventBridgeS3, parseEventBridge } from './shapes/eventbridge';
import { isScfHttp, parseScfHttp } from './shapes/http';
import { parseS3Records } from './shapes/s3Records';
import { isS3TestEvent, parseS3TestEvent } from './shapes/testEvent';
import { isScfTimer, parseScfTimer } from './shapes/timer';
import type { CanonicalEvent, SafeParseResult } from './types';

const SHAPES_HINT = 'expected Records[] (COS, S3, MinIO, RustFS, Ceph), an EventBridge aws.s3 event, s3:TestEvent, an SCF timer or an SCF HTTP event';

function messageOf(err: unknown): string {
  try {
    return err instanceof Error ? err.message : String(err);
  } catch {
    return 'unprintable error';
  }
}

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  return `a ${typeof value}`;
}

function parseRecords(records: unknown): CanonicalEvent {
  if (!Array.isArray(records)) throw invalidEvent(`Records: expected array, got ${describe(records).replace(/^an? /, '')}`);
  if (records.length === 0) throw invalidEvent('Records: expected at least one record');
  return isCosRecord(records[0]) ? parseCosRecords(records) : parseS3Records(records);
}

function dispatch(payload: unknown): CanonicalEvent {
  if (!isPlainObject(payload)) throw invalidEvent(`event: expected a JSON object, got ${describe(payload)}`);
  if (Object.hasOwn(payload, 'Records')) return parseRecords(payload.Records);
  if (isS3TestEvent(payload)) return parseS3TestEvent(payload);
  if (isEventBridgeS3(payload)) return parseEventBridge(payload);
  if (isScfTimer(payload)) return parseScfTimer(payload);
  if (isScfHttp(payload)) return parseScfHttp(payload);
  throw invalidEvent(`event: unrecognised shape (${SHAPES_HINT})`);
}

/**
 * Parses any trigger payload into its canonical event.
 * @throws StrataError with code `InvalidEvent` and a message naming where it failed
 *   (e.g. `Records[2].s3.object.key: required`) — and never any other exception.
 */
export function parseEvent(payload: unknown): CanonicalEvent {
  try {
    return dispatch(payload);
  } catch (err) {
    if (err instanceof StrataError && err.code === 'InvalidEvent') throw err;
    // Hostile inputs (throwing getters, proxies, exotic objects) must still yield a typed error.
    throw invalidEvent(`event: unreadable payload (${messageOf(err)})`, err);
  }
}

/** Like `parseEvent`, but returns the failure instead of throwing. */
export function safeParseEvent(payload: unknown): SafeParseResult {
  try {
    return { ok: true, event: parseEvent(payload) };
  } catch (err) {
    return { ok: false, reason: messageOf(err) };
  }
}
