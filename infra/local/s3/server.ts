/**
 * The embedded S3 server of the local stack: s3rver behind a front handler of ours.
 * s3rver gives real HTTP S3 (routing, XML, bucket and object basics); the front handler and the
 * store add what the pipeline relies on and s3rver lacks: SigV4 verification, aws-chunked
 * bodies, checksums, atomic and conditional writes, storage classes and restore, faithful
 * events. See docs/local-s3.md.
 */
import { randomBytes } from 'node:crypto';
import { EventEmitter } from 'node:events';
import { createServer, type IncomingHttpHeaders, type IncomingMessage, type ServerResponse } from 'node:http';
import { resolve } from 'node:path';
import type { AddressInfo } from 'node:net';
import S3rver from 's3rver';
import { authenticate } from './auth';
import { forwardBody, forwardedHeaders, planBody } from './body';
import { runInContext, type RequestContext, type VerifiedBody } from './context';
import { isS3Error, s3Error, sendS3Error } from './errors';
import { verifyFormPost } from './formAuth';
import { checkImplemented } from './implemented';
import { STORAGE_CLASSES } from './objectMeta';
import { strataRoutes } from './routes';
import { RestoreScheduler } from './restore';
import { accounts, S3Object, type KoaMiddleware } from './s3rverParts';
import { AtomicStore, type ObjectChange } from './store';
import { checkNames, parseTarget } from './target';
import { ownerOf, UserDirectory, type ConfiguredUser } from './users';
import { createLogger } from '../../../shared/log';

export interface LocalS3Options {
  /** Object data lives under `<dataDir>/s3` (staging in `<dataDir>/s3-staging`, state in `<dataDir>/s3-state`). */
  readonly dataDir: string;
  /** 0 = any free port. */
  readonly port: number;
  /** The default user's key pair: it owns the buckets below and every bucket stored before there were owners. */
  readonly accessKey: string;
  readonly secretKey: string;
  /** More users, each with its own buckets and objects (STRATA_S3_USERS in npm start). */
  readonly users?: readonly ConfiguredUser[];
  /** Created at start when missing, owned by the default user. */
  readonly buckets: readonly string[];
  /** How long a restore from an archive class takes (default 5000 ms; STRATA_RESTORE_DELAY_MS). */
  readonly restoreDelayMs?: number;
  /**
   * fsync staged data, metadata and directories around each commit (default true). Without it
   * writes are still atomic against a killed server, but not against power loss.
   */
  readonly durable?: boolean;
}

/** The server's object events, normalised (keys raw, as stored). */
export interface LocalObjectEvent extends Omit<ObjectChange, 'requestId'> {
  /** Unique and increasing within one server process. */
  readonly sequencer: string;
  /** ISO-8601. */
  readonly time: string;
  readonly requestId: string;
}

export interface LocalS3Server {
  readonly endpoint: string;
  readonly port: number;
  readonly events: EventEmitter<{ object: [LocalObjectEvent] }>;
  /**
   * Completes every pending restore now, as if `restoreDelayMs` had passed; resolves with how
   * many it completed (their `restored` events have been emitted). For tests that must not
   * depend on timing: start with a long delay, check the in-progress state, then call this.
   */
  finishRestores(): Promise<number>;
  close(): Promise<void>;
}

/** Query parameters of presigned URLs that are authentication, not request headers. */
const AUTH_QUERY = new Set(['x-amz-algorithm', 'x-amz-credential', 'x-amz-date', 'x-amz-expires', 'x-amz-signedheaders', 'x-amz-signature', 'x-amz-content-sha256', 'x-amz-security-token']);

/** Presigned URLs carry x-amz-* headers in the query (s3rver merges them the same way). */
function effectiveHeaders(headers: IncomingHttpHeaders, query: URLSearchParams): IncomingHttpHeaders {
  const out: IncomingHttpHeaders = { ...headers };
  for (const [name, value] of query) {
    const lower = name.toLowerCase();
    if (lower.startsWith('x-amz-') && !AUTH_QUERY.has(lower)) out[lower] = value;
  }
  return out;
}

function sequencerFactory(): () => string {
  let lastMs = 0;
  let counter = 0;
  return () => {
    const now = Date.now();
    if (now <= lastMs) counter += 1;
    else {
      lastMs = now;
      counter = 0;
    }
    return lastMs.toString(16).toUpperCase().padStart(12, '0') + counter.toString(16).toUpperCase().padStart(4, '0');
  };
}

let storageClassesExtended = false;

export async function startLocalS3(options: LocalS3Options): Promise<LocalS3Server> {
  const directory = resolve(options.dataDir, 's3');
  const users = new UserDirectory({ accessKey: options.accessKey, secretKey: options.secretKey }, options.users ?? []);
  // s3rver knows only S3RVER/S3RVER; register ours (its router still looks the key up) and drop the built-in pair.
  for (const user of users.all()) accounts.DUMMY_ACCOUNT.createKeyPair(user.accessKey, user.secretKey);
  if (!users.byAccessKey('S3RVER')) accounts.DUMMY_ACCOUNT.revokeAccessKey('S3RVER');
  if (!storageClassesExtended) {
    for (const name of STORAGE_CLASSES) if (!S3Object.STORAGE_CLASSES.includes(name)) S3Object.STORAGE_CLASSES.push(name);
    storageClassesExtended = true;
  }
  const lookup = users.secretOf;

  const log = createLogger({ component: 'local-s3' }, { destination: 2 });
  const events = new EventEmitter<{ object: [LocalObjectEvent] }>();
  const nextSequencer = sequencerFactory();
  const emit = (change: ObjectChange): void => {
    const sequencer = nextSequencer();
    const event: LocalObjectEvent = {
      type: change.type,
      op: change.op,
      bucket: change.bucket,
      key: change.key,
      size: change.size,
      etag: change.etag,
      storageClass: change.storageClass,
      sequencer,
      time: new Date().toISOString(),
      requestId: change.requestId ?? sequencer,
    };
    try {
      events.emit('object', event);
    } catch (err) {
      // A consumer's bug must not turn a committed write into a failed request.
      log.error({ err, event }, 'an object event listener threw');
    }
  };

  const store = new AtomicStore({
    root: directory,
    stagingDir: resolve(options.dataDir, 's3-staging'),
    durable: options.durable ?? true,
    onChange: emit,
    defaultOwner: ownerOf(users.defaultUser),
    users,
  });
  await store.init();
  for (const bucket of options.buckets) await store.putBucket(bucket);
  const restores = new RestoreScheduler(store, resolve(options.dataDir, 's3-state', 'restores'), options.restoreDelayMs ?? 5000);
  await restores.start();

  const s3rver = new S3rver({ directory, silent: true });
  // s3rver reads its store from both places; ours replaces its FilesystemStore.
  const koa = s3rver as unknown as { store: unknown; context: { store: unknown }; middleware: KoaMiddleware[] };
  koa.store = store;
  koa.context.store = store;
  // s3rver's first middleware formats a log line of every request even when silent: drop it.
  if (koa.middleware[0]?.name === 'logger') koa.middleware.shift();
  // Our routes run after s3rver's XML/vhost middleware and before its router (the last entry).
  koa.middleware.splice(koa.middleware.length - 1, 0, strataRoutes(store, restores));
  // Koa reports errors through 'error' (s3rver silences its default printer); log real faults.
  const clientGone = new Set(['ECONNRESET', 'ERR_STREAM_PREMATURE_CLOSE', 'ABORT_ERR', 'EPIPE', 'HPE_INVALID_EOF_STATE']);
  (s3rver as unknown as EventEmitter).on('error', (err: unknown) => {
    if (clientGone.has((err as { code?: string }).code ?? '')) return; // the client went away mid-request
    if (!isS3Error(err) || err.status >= 500) log.error({ err }, 'local S3 request failed');
  });
  const app = s3rver.callback();

  const front = (req: IncomingMessage, res: ServerResponse): void => {
    const requestId = randomBytes(8).toString('hex').toUpperCase();
    res.setHeader('x-amz-request-id', requestId);
    res.setHeader('x-amz-id-2', requestId);
    if (answerCors(req, res)) return;
    if (req.method === 'OPTIONS') {
      // Not a CORS preflight (no Origin / Access-Control-Request-Method): 400, as S3.
      sendS3Error(res, s3Error('BadRequest', 'Insufficient information. Origin request header needed.', {}, 400), req.method);
      return;
    }
    // Answered before the body was read (an error, or s3rver skipping it): drop the rest of it.
    res.on('finish', () => {
      if (!req.complete) req.resume();
    });
    try {
      const target = parseTarget(req);
      const headers = effectiveHeaders(req.headers, target.query);
      // Anonymous requests get as far as the ACLs let them (access.ts).
      const auth = authenticate(req, lookup);
      const isForm = target.operation === 'postObject';
      checkNames(target);
      const plan = planBody(headers, target.operation, auth);
      const body: VerifiedBody = { size: 0, checksums: {} };
      const aborter = new AbortController();
      const forwarded = forwardBody(req, normaliseConditionalHeaders(forwardedHeaders(req.headers, plan)), plan, body, (err) => {
        if (!aborter.signal.aborted) aborter.abort(err);
      });
      const ctx: RequestContext = {
        requestId,
        operation: target.operation,
        method: (req.method ?? 'GET').toUpperCase(),
        bucket: target.bucket,
        key: target.key,
        query: target.query,
        headers,
        res,
        body,
        signal: aborter.signal,
        user: auth ? (users.byAccessKey(auth.accessKey) ?? null) : null,
        expectContinue: (req.headers.expect ?? '').toLowerCase() === '100-continue',
      };
      checkImplemented(ctx);
      if (isForm && !auth) {
        ctx.formAuth = verifyFormPost(forwarded, req.headers, target.bucket!, lookup);
        ctx.formAuth.catch(() => undefined); // awaited by the store; s3rver may fail first
      }
      runInContext(ctx, () => app(forwarded as unknown as IncomingMessage, res));
    } catch (err) {
      if (!isS3Error(err)) log.error({ err }, 'local S3 front handler failed');
      sendS3Error(res, isS3Error(err) ? err : s3Error('InternalError', (err as Error).message), req.method);
    }
  };

  const server = createServer(front);
  // Expect: 100-continue is answered once the request is authorized (routes.ts), so a refused
  // client never sends its body.
  server.on('checkContinue', front);
  // A client that half-closes (FIN) after a complete request still gets its answer, as from S3.
  (server as typeof server & { httpAllowHalfOpen: boolean }).httpAllowHalfOpen = true;
  await new Promise<void>((ok, fail) => {
    server.once('error', fail);
    server.listen(options.port, '127.0.0.1', () => ok());
  });
  const port = (server.address() as AddressInfo).port;
  return {
    endpoint: `http://127.0.0.1:${port}`,
    port,
    events,
    finishRestores: () => restores.finishAll(),
    close: async () => {
      restores.stop();
      await new Promise<void>((ok) => {
        server.closeAllConnections();
        server.close(() => ok());
      });
    },
  };
}

/** s3rver compares If-None-Match with the quoted ETag; clients may send it unquoted. */
function normaliseConditionalHeaders(headers: IncomingHttpHeaders): IncomingHttpHeaders {
  const value = headers['if-none-match'];
  if (typeof value === 'string' && value.trim() !== '*' && !value.trim().startsWith('"') && !value.includes(',')) {
    return { ...headers, 'if-none-match': `"${value.trim()}"` };
  }
  return headers;
}

/**
 * CORS for browsers using presigned URLs (the dashboard's uploads), as a bucket CORS rule
 * allowing any origin would on COS/S3: a preflight is answered here (true = answered);
 * other requests from a page get the allow-origin and exposed ETag headers. The server only
 * listens on 127.0.0.1 and every non-preflight request still needs a signature.
 */
function answerCors(req: IncomingMessage, res: ServerResponse): boolean {
  const origin = req.headers.origin;
  if (!origin) return false;
  res.setHeader('access-control-allow-origin', origin);
  res.setHeader('vary', 'Origin');
  res.setHeader('access-control-expose-headers', 'ETag, x-amz-request-id, x-amz-version-id');
  if (req.method !== 'OPTIONS' || !req.headers['access-control-request-method']) return false;
  res.writeHead(200, {
    'access-control-allow-methods': 'GET, PUT, POST, HEAD, DELETE',
    'access-control-allow-headers': req.headers['access-control-request-headers'] ?? '*',
    'access-control-max-age': '600',
    'content-length': '0',
  });
  res.end();
  return true;
}
