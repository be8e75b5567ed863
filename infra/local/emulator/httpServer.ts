/**
 * The stack's HTTP endpoint (127.0.0.1, STRATA_HTTP_PORT):
 * - `GET /healthz` — the stack is up;
 * - `POST /` — the TencentCloud API 3.0 endpoint: SCF's `Invoke` (scfApi.ts), the only way
 *   functions hand work to each other;
 * - `POST /_scf/events/<id>/replay`, `POST /_scf/events/replay-dead` — used by `strata events replay`;
 * - `/<function>/…` — Function URL of a function with `custom.strata.functions.<name>.url`: the
 *   rest of the path is the event's `path`; invoked synchronously, no retries.
 */
import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { describeError, httpStatusFor, StrataError } from '@strata/core/errors';
import type { Logger } from '../../../shared/log';
import type { AsyncDispatcher } from './dispatcher';
import type { FunctionPool } from './functionPool';
import { fromHandlerResult, MAX_SYNC_BYTES, toFunctionUrlEvent } from './functionUrl';

export interface HttpDeps {
  readonly pools: ReadonlyMap<string, FunctionPool>;
  readonly dispatcher: AsyncDispatcher;
  /** `POST /`: SCF's API (Invoke). */
  readonly scfApi: (req: IncomingMessage, res: ServerResponse) => Promise<void>;
  readonly log: Logger;
  health(): Record<string, unknown>;
}

class BodyTooLarge extends Error {}

function readBody(req: IncomingMessage, limit: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) {
        req.removeAllListeners('data');
        req.resume();
        reject(new BodyTooLarge(`request body over ${limit} bytes`));
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

function sendJson(res: ServerResponse, status: number, value: unknown, headers: Record<string, string> = {}): void {
  const body = JSON.stringify(value);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body), ...headers });
  res.end(body);
}

function sendError(res: ServerResponse, status: number, code: string, message: string, headers: Record<string, string> = {}): void {
  sendJson(res, status, { errorCode: code, errorMessage: message }, headers);
}

export function createRouter(deps: HttpDeps): (req: IncomingMessage, res: ServerResponse) => void {
  async function route(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    let parts: string[];
    try {
      parts = url.pathname.split('/').filter(Boolean).map(decodeURIComponent);
    } catch {
      return sendError(res, 400, 'InvalidURI', `malformed percent-encoding in ${url.pathname}`);
    }
    if (url.pathname === '/' && req.method === 'POST') return deps.scfApi(req, res);
    if (url.pathname === '/healthz') {
      if (req.method !== 'GET' && req.method !== 'HEAD') return sendError(res, 405, 'MethodNotAllowed', 'use GET');
      return sendJson(res, 200, { status: 'ok', ...deps.health() });
    }
    if (parts[0] === '_scf') {
      if (req.method !== 'POST') return sendError(res, 405, 'MethodNotAllowed', 'use POST');
      if (parts.length === 3 && parts[1] === 'events' && parts[2] === 'replay-dead') {
        return sendJson(res, 200, { replayed: await deps.dispatcher.replayAllDead() });
      }
      if (parts.length === 4 && parts[1] === 'events' && parts[3] === 'replay') {
        const record = await deps.dispatcher.replay(parts[2]!);
        return sendJson(res, 200, { id: record.id, status: record.status });
      }
      return sendError(res, 404, 'NotFound', `no such endpoint ${url.pathname}`);
    }
    const pool = parts[0] ? deps.pools.get(parts[0]) : undefined;
    if (!pool?.spec.url) {
      return sendError(res, 404, 'NotFound', `no Function URL at /${parts[0] ?? ''} (functions with custom.strata url: ${[...deps.pools.values()].filter((p) => p.spec.url).map((p) => `/${p.spec.name}/`).join(', ') || 'none'})`);
    }
    return functionUrl(pool, req, res, url);
  }

  async function functionUrl(pool: FunctionPool, req: IncomingMessage, res: ServerResponse, url: URL): Promise<void> {
    const prefix = `/${encodeURIComponent(pool.spec.name)}`;
    const rest = (req.url ?? '/').slice(prefix.length);
    const body = await readBody(req, MAX_SYNC_BYTES);
    const requestId = randomUUID();
    const idHeader = { 'x-scf-request-id': requestId };
    const event = toFunctionUrlEvent({
      method: req.method ?? 'GET',
      url: rest.startsWith('/') ? rest : `/${rest}`,
      // As a reverse proxy would: where the function is mounted, so it can build its own URLs.
      headers: { ...req.headers, 'x-forwarded-prefix': prefix, 'x-forwarded-proto': 'http' },
      remoteAddress: req.socket.remoteAddress ?? '127.0.0.1',
      body,
    });
    const running = pool.tryInvoke({ requestId, event, triggerSrc: null });
    if (!running) {
      return sendError(res, 429, 'ResourceLimitReached', `${pool.spec.name} is at its concurrency limit (${pool.spec.reservedConcurrency}); retry later`, idHeader);
    }
    const outcome = await running;
    deps.log.info({ function: pool.spec.name, requestId, path: url.pathname, outcome: outcome.kind, durationMs: outcome.durationMs, coldStart: outcome.coldStart }, 'function URL invocation finished');
    if (outcome.kind !== 'ok') {
      const status = outcome.kind === 'timeout' ? 504 : 502;
      return sendError(res, status, outcome.kind === 'error' ? 'FunctionError' : outcome.kind === 'timeout' ? 'FunctionTimeout' : 'FunctionFailed', outcome.error, idHeader);
    }
    const reply = fromHandlerResult(outcome.value);
    if (!reply.ok) return sendError(res, 502, 'InvalidFunctionResponse', `invalid Function URL response from ${pool.spec.name}: ${reply.reason}`, idHeader);
    if (reply.body.length > MAX_SYNC_BYTES) {
      return sendError(res, 502, 'ResponseTooLarge', `response of ${reply.body.length} bytes is over SCF's ${MAX_SYNC_BYTES}-byte limit`, idHeader);
    }
    res.writeHead(reply.statusCode, { ...reply.headers, ...idHeader, 'content-length': String(reply.body.length) });
    res.end(req.method === 'HEAD' ? undefined : reply.body);
  }

  return (req, res) => {
    route(req, res).catch((err: unknown) => {
      if (res.headersSent) return void res.destroy();
      if (err instanceof BodyTooLarge) return sendError(res, 413, 'RequestTooLarge', err.message);
      if (err instanceof StrataError) return sendError(res, httpStatusFor(err.code), err.code, err.message);
      deps.log.error({ err }, 'HTTP request failed');
      sendError(res, 500, 'InternalError', describeError(err));
    });
  };
}

export interface HttpListener {
  readonly server: Server;
  readonly port: number;
  readonly endpoint: string;
  close(): Promise<void>;
}

/** Listens on 127.0.0.1; requests go to whatever `handler()` returns at the time (503 until set). */
export async function listenHttp(port: number, handler: () => ((req: IncomingMessage, res: ServerResponse) => void) | null, requestTimeoutMs = 30_000): Promise<HttpListener> {
  // A client that trickles its request (slowloris) is cut off: the whole request (headers and
  // body) must arrive within requestTimeoutMs (SCF's gateway enforces its own limits in front).
  const server = createServer({ headersTimeout: requestTimeoutMs, requestTimeout: requestTimeoutMs, connectionsCheckingInterval: Math.min(1000, requestTimeoutMs) }, (req, res) => {
    const h = handler();
    if (h) h(req, res);
    else sendError(res, 503, 'StackStarting', 'the stack is starting');
  });
  await new Promise<void>((ok, fail) => {
    server.once('error', fail);
    server.listen(port, '127.0.0.1', () => ok());
  });
  const actual = (server.address() as AddressInfo).port;
  return {
    server,
    port: actual,
    endpoint: `http://127.0.0.1:${actual}`,
    close: () =>
      new Promise<void>((ok) => {
        server.closeAllConnections();
        server.close(() => ok());
      }),
  };
}
