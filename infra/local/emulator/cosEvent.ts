/**
 * Builds the COS trigger payload SCF would deliver, from the local S3 server's object events, so
 * the local SCF emulator invokes handlers with the same shape as production (the COS trigger
 * payload of SCF's documentation).
 */
import { createHash } from 'node:crypto';
import { invalidEvent } from '../../../shared/events/invalid';
import type { LocalObjectEvent } from '../s3/server';

/**
 * The fields of the local S3 server's object event that a COS payload carries. `sequencer` is
 * unique per object event and becomes COS's request id, which the idempotency key uses.
 */
export type CosSourceEvent = Pick<LocalObjectEvent, 'type' | 'op' | 'bucket' | 'key' | 'size' | 'etag' | 'sequencer' | 'time' | 'requestId'>;

export interface CosEventOptions {
  /** The APPID to put in the key prefix and `cosBucket.appid` (digits). */
  readonly appid: string;
  /** `cosBucket.region`, e.g. `gz` or `ap-guangzhou`. */
  readonly region: string;
  /** Function name for `event.eventQueue`; default `strata`. */
  readonly functionName?: string;
  /** Base for `cosObject.url` (e.g. the local S3 endpoint, path-style); default the COS virtual-host URL. */
  readonly endpoint?: string;
}

export interface CosTriggerRecord {
  cos: {
    cosSchemaVersion: '1.0';
    cosObject: { url: string; meta: Record<string, string>; vid: string; key: string; size?: number };
    cosBucket: { region: string; name: string; appid: string };
    cosNotificationId: string;
  };
  event: {
    eventName: string;
    eventVersion: '1.0';
    eventTime: number;
    eventSource: 'qcs::cos';
    requestParameters: { requestSourceIP: string; requestHeaders: Record<string, string> };
    eventQueue: string;
    reservedInfo: string;
    reqid: number;
  };
}

export interface CosTriggerEvent {
  Records: CosTriggerRecord[];
}

const EVENT_NAMES: Readonly<Record<CosSourceEvent['op'], string>> = {
  put: 'cos:ObjectCreated:Put',
  post: 'cos:ObjectCreated:Post',
  copy: 'cos:ObjectCreated:Copy',
  multipart: 'cos:ObjectCreated:CompleteMultipartUpload',
  delete: 'cos:ObjectRemove:Delete',
  restore: 'cos:ObjectRestore:Completed',
};

function encodePath(key: string): string {
  return key.split('/').map(encodeURIComponent).join('/');
}

function toRecord(e: CosSourceEvent, options: CosEventOptions, index: number): CosTriggerRecord {
  const ms = Date.parse(e.time);
  if (Number.isNaN(ms)) throw invalidEvent(`toCosEvent: records[${index}].time: not a date-time`);
  if (!Object.hasOwn(EVENT_NAMES, e.op)) throw invalidEvent(`toCosEvent: records[${index}].op: unsupported ${JSON.stringify(e.op)}`);
  if (e.sequencer === '') throw invalidEvent(`toCosEvent: records[${index}].sequencer: must not be empty`);
  const url = options.endpoint
    ? `${options.endpoint.replace(/\/+$/, '')}/${encodeURIComponent(e.bucket)}/${encodePath(e.key)}`
    : `http://${e.bucket}-${options.appid}.cos.${options.region}.myqcloud.com/${encodePath(e.key)}`;
  return {
    cos: {
      cosSchemaVersion: '1.0',
      cosObject: {
        url,
        // COS carries its request id here; the local sequencer is unique per object event and
        // travels with the payload, so redeliveries keep it and a new upload gets a new one.
        meta: { 'x-cos-request-id': e.sequencer, 'Content-Type': '' },
        vid: '',
        key: `/${options.appid}/${e.bucket}/${e.key}`,
        ...(e.size === null ? {} : { size: e.size }),
      },
      cosBucket: { region: options.region, name: e.bucket, appid: options.appid },
      cosNotificationId: 'unknown',
    },
    event: {
      eventName: EVENT_NAMES[e.op],
      eventVersion: '1.0',
      eventTime: Math.floor(ms / 1000),
      eventSource: 'qcs::cos',
      requestParameters: { requestSourceIP: '127.0.0.1', requestHeaders: {} },
      eventQueue: `qcs:0:lambda:${options.region}:appid/${options.appid}:default.${options.functionName ?? 'strata'}.$LATEST`,
      reservedInfo: '',
      // COS's reqid is an opaque number; derive a stable one from the sequencer.
      reqid: Number.parseInt(createHash('sha256').update(e.sequencer).digest('hex').slice(0, 12), 16),
    },
  };
}

/**
 * Turns local object events into one COS trigger payload (several records = SCF's merged messages).
 * Parsing the result with `parseEvent` gives provider `cos`, the same bucket and raw key, the
 * operation of the local event, its size, `etag: null` (COS payloads carry none), the time to the
 * second, and an idempotency key derived from the local sequencer.
 *
 * @example
 * ```ts
 * import { toCosEvent } from '../../shared/events';
 * s3.events.on('object', (e) => {
 *   const payload = toCosEvent([e], { appid: '1250000000', region: 'gz' });
 *   // payload.Records[0].cos.cosObject.key === `/1250000000/${e.bucket}/${e.key}`
 *   emulator.invokeAsync('on-upload', payload);
 * });
 * ```
 * @throws StrataError `InvalidEvent` when an input record has an unparsable time, an unknown op or an empty sequencer.
 */
export function toCosEvent(records: CosSourceEvent | readonly CosSourceEvent[], options: CosEventOptions): CosTriggerEvent {
  if (!/^\d+$/.test(options.appid)) throw invalidEvent(`toCosEvent: appid: expected digits, got ${JSON.stringify(options.appid)}`);
  const list: readonly CosSourceEvent[] = Array.isArray(records) ? records : [records as CosSourceEvent];
  return { Records: list.map((e, i) => toRecord(e, options, i)) };
}
