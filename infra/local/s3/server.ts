/**
 * The embedded S3 server of the local stack: s3rver behind a front handler of ours.
 * s3rver gives real HTTP S3 and an in-process event stream; the front handler adds what it
 * lacks (credential check; more in later issues). See ../shared/notes/local-s3.md.
 */
import { EventEmitter } from 'node:events';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { mkdir } from 'node:fs/promises';
import { resolve } from 'node:path';
import type { AddressInfo } from 'node:net';
import S3rver from 's3rver';
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);

export interface LocalS3Options {
  /** Object data lives under `<dataDir>/s3`. */
  readonly dataDir: string;
  /** 0 = any free port. */
  readonly port: number;
  readonly accessKey: string;
  readonly secretKey: string;
  /** Created at start when missing. */
  readonly buckets: readonly string[];
}

/** The server's object events, normalised (keys raw, as stored). */
export interface LocalObjectEvent {
  readonly type: 'created' | 'removed' | 'restored';
  readonly op: 'put' | 'post' | 'copy' | 'multipart' | 'delete' | 'restore';
  readonly bucket: string;
  readonly key: string;
  readonly size: number | null;
  readonly etag: string | null;
  /** Unique and increasing within one server process. */
  readonly sequencer: string;
  readonly time: string;
  readonly requestId: string;
}

export interface LocalS3Server {
  readonly endpoint: string;
  readonly port: number;
  readonly events: EventEmitter<{ object: [LocalObjectEvent] }>;
  close(): Promise<void>;
}

interface S3rverRecord {
  eventName: string;
  eventTime: string;
  s3: { bucket: { name: string }; object: { key: string; size?: number; eTag?: string } };
  responseElements?: Record<string, string>;
}

const OPS: Record<string, Pick<LocalObjectEvent, 'type' | 'op'>> = {
  'ObjectCreated:Put': { type: 'created', op: 'put' },
  'ObjectCreated:Post': { type: 'created', op: 'post' },
  'ObjectCreated:Copy': { type: 'created', op: 'copy' },
  'ObjectRemoved:Delete': { type: 'removed', op: 'delete' },
};

/** Access key id from a SigV4 Authorization header or presigned query. */
export function accessKeyOf(req: Pick<IncomingMessage, 'headers' | 'url'>): string | null {
  const auth = req.headers.authorization;
  if (typeof auth === 'string') {
    const v4 = /Credential=([^/,\s]+)\//.exec(auth);
    if (v4) return v4[1] ?? null;
    const v2 = /^AWS ([^:]+):/.exec(auth);
    if (v2) return v2[1] ?? null;
  }
  const query = new URL(req.url ?? '/', 'http://x').searchParams;
  const cred = query.get('X-Amz-Credential');
  if (cred) return cred.split('/')[0] ?? null;
  return query.get('AWSAccessKeyId');
}

function sendError(res: ServerResponse, status: number, code: string, message: string): void {
  res.writeHead(status, { 'content-type': 'application/xml' });
  res.end(`<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>${code}</Code><Message>${message}</Message></Error>`);
}

export async function startLocalS3(options: LocalS3Options): Promise<LocalS3Server> {
  const directory = resolve(options.dataDir, 's3');
  await mkdir(directory, { recursive: true });
  // s3rver knows only S3RVER/S3RVER; register ours and drop the built-in pair.
  const { DUMMY_ACCOUNT } = require('s3rver/lib/models/account') as {
    DUMMY_ACCOUNT: { createKeyPair(a: string, s: string): void; revokeAccessKey(a: string): void };
  };
  DUMMY_ACCOUNT.createKeyPair(options.accessKey, options.secretKey);
  if (options.accessKey !== 'S3RVER') DUMMY_ACCOUNT.revokeAccessKey('S3RVER');

  const s3rver = new S3rver({ directory, silent: true, configureBuckets: options.buckets.map((name) => ({ name, configs: [] })) });
  await s3rver.configureBuckets();

  const events = new EventEmitter<{ object: [LocalObjectEvent] }>();
  let lastMs = 0;
  let counter = 0;
  const nextSequencer = (): string => {
    const now = Date.now();
    if (now === lastMs) counter += 1;
    else {
      lastMs = now;
      counter = 0;
    }
    return now.toString(16).toUpperCase().padStart(12, '0') + counter.toString(16).toUpperCase().padStart(4, '0');
  };
  // s3rver is a Koa app (an EventEmitter); its typings omit that.
  (s3rver as unknown as EventEmitter).on('event', (e: { Records: S3rverRecord[] }) => {
    for (const r of e.Records) {
      const kind = OPS[r.eventName];
      if (!kind) continue;
      events.emit('object', {
        ...kind,
        bucket: r.s3.bucket.name,
        key: r.s3.object.key,
        size: r.s3.object.size ?? null,
        etag: r.s3.object.eTag ?? null,
        sequencer: nextSequencer(),
        time: r.eventTime,
        requestId: r.responseElements?.['x-amz-request-id'] ?? nextSequencer(),
      });
    }
  });

  const app = s3rver.callback();
  const server = createServer((req, res) => {
    const key = accessKeyOf(req);
    if (key !== options.accessKey) {
      sendError(res, 403, 'InvalidAccessKeyId', 'The AWS Access Key Id you provided does not exist in our records.');
      return;
    }
    app(req, res);
  });
  await new Promise<void>((ok, fail) => {
    server.once('error', fail);
    server.listen(options.port, '127.0.0.1', () => ok());
  });
  const port = (server.address() as AddressInfo).port;
  return {
    endpoint: `http://127.0.0.1:${port}`,
    port,
    events,
    close: () =>
      new Promise<void>((ok) => {
        server.closeAllConnections();
        server.close(() => ok());
      }),
  };
}
