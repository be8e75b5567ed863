/**
 * Test helpers for the local S3 server: a server on a free port with a throw-away data dir,
 * SDK clients (the current default configuration and the team's pinned WHEN_REQUIRED one), and
 * raw requests signed by the AWS SDK's own SigV4 signer (@smithy/signature-v4), so the
 * server's verification is checked against an independent implementation.
 */
import { createHash, createHmac, type Hash, type Hmac } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { request as httpRequest, type IncomingHttpHeaders } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { S3Client } from '@aws-sdk/client-s3';
import { SignatureV4 } from '@smithy/signature-v4';
import { startLocalS3, type LocalObjectEvent, type LocalS3Options, type LocalS3Server } from '../../../../../infra/local/s3/server';

export const KEYS = { accessKey: 'local-test-key', secretKey: 'local-test-secret-123' } as const;

export interface TestServer {
  readonly server: LocalS3Server;
  readonly dataDir: string;
  readonly events: LocalObjectEvent[];
  /** `pinned` = forcePathStyle + WHEN_REQUIRED checksums (the team's setting); `default` = SDK defaults. */
  client(kind?: 'pinned' | 'default', credentials?: { accessKeyId: string; secretAccessKey: string }): S3Client;
  close(): Promise<void>;
}

/** SDK client with the team's pinned settings for a server started elsewhere (child process). */
export function pinnedClient(endpoint: string): S3Client {
  return new S3Client({
    endpoint,
    region: 'us-east-1',
    forcePathStyle: true,
    credentials: { accessKeyId: KEYS.accessKey, secretAccessKey: KEYS.secretKey },
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
  });
}

/** 'ok', or '<HTTP status> <S3 error code>' of a failed SDK call. */
export async function outcome(p: Promise<unknown>): Promise<string> {
  try {
    await p;
    return 'ok';
  } catch (err) {
    const e = err as { name?: string; $metadata?: { httpStatusCode?: number } };
    return `${e.$metadata?.httpStatusCode} ${e.name}`;
  }
}

export async function startServer(options: Partial<LocalS3Options> = {}, dataDir?: string): Promise<TestServer> {
  const dir = dataDir ?? (await mkdtemp(join(tmpdir(), 'strata-s3-')));
  const server = await startLocalS3({ dataDir: dir, port: 0, buckets: ['uploads', 'derived'], ...KEYS, ...options });
  const events: LocalObjectEvent[] = [];
  server.events.on('object', (e) => events.push(e));
  const clients: S3Client[] = [];
  return {
    server,
    dataDir: dir,
    events,
    client(kind = 'pinned', credentials = { accessKeyId: KEYS.accessKey, secretAccessKey: KEYS.secretKey }) {
      const client = new S3Client({
        endpoint: server.endpoint,
        region: 'us-east-1',
        forcePathStyle: true,
        credentials,
        ...(kind === 'pinned' ? { requestChecksumCalculation: 'WHEN_REQUIRED', responseChecksumValidation: 'WHEN_REQUIRED' } : {}),
      });
      clients.push(client);
      return client;
    },
    async close() {
      for (const c of clients) c.destroy();
      await server.close();
      if (!dataDir) await rm(dir, { recursive: true, force: true });
    },
  };
}

class NodeSha256 {
  private readonly hash: Hash | Hmac;
  constructor(secret?: string | Uint8Array) {
    this.hash = secret ? createHmac('sha256', secret) : createHash('sha256');
  }
  update(data: string | Uint8Array): void {
    this.hash.update(data);
  }
  async digest(): Promise<Uint8Array> {
    return new Uint8Array(this.hash.digest());
  }
  reset(): void {}
}

export function signer(secretAccessKey: string = KEYS.secretKey, accessKeyId: string = KEYS.accessKey): SignatureV4 {
  return new SignatureV4({
    credentials: { accessKeyId, secretAccessKey },
    region: 'us-east-1',
    service: 's3',
    sha256: NodeSha256 as never,
    uriEscapePath: false,
    applyChecksum: false,
  });
}

export interface RawResponse {
  status: number;
  headers: IncomingHttpHeaders;
  body: string;
}

export interface RawRequest {
  method: string;
  /** Already encoded path, e.g. `/uploads/a%20b`. */
  path: string;
  query?: Record<string, string>;
  headers?: Record<string, string>;
  body?: Buffer | string;
  /** x-amz-content-sha256 to sign; default: the hex sha256 of the body. */
  payloadHash?: string;
  /** Sign with this secret (default the right one); null sends the request unsigned. */
  secret?: string | null;
  /** Replace the body after signing (to send bytes the signature does not cover). */
  sendBody?: Buffer | string;
  /** Headers added after signing (sent, but not covered by the signature). */
  unsignedHeaders?: Record<string, string>;
}

/** Signs (with the SDK's signer) and sends one request; returns status, headers and body text. */
export async function raw(endpoint: string, r: RawRequest): Promise<RawResponse> {
  const url = new URL(endpoint);
  const body = r.body === undefined ? Buffer.alloc(0) : Buffer.from(r.body);
  let headers: Record<string, string> = { host: url.host, ...(r.headers ?? {}) };
  let query = r.query ?? {};
  if (r.secret !== null) {
    headers['x-amz-content-sha256'] = r.payloadHash ?? createHash('sha256').update(body).digest('hex');
    const signed = await signer(r.secret ?? KEYS.secretKey).sign({
      method: r.method,
      protocol: 'http:',
      hostname: url.hostname,
      port: Number(url.port),
      path: r.path,
      query,
      headers,
      body,
    });
    headers = signed.headers as Record<string, string>;
    query = signed.query as Record<string, string>;
  }
  const qs = new URLSearchParams(query).toString().replace(/\+/g, '%20');
  const payload = r.sendBody === undefined ? body : Buffer.from(r.sendBody);
  return send(endpoint, r.method, `${r.path}${qs ? `?${qs}` : ''}`, { ...headers, ...(r.unsignedHeaders ?? {}) }, payload);
}

export function send(endpoint: string, method: string, pathAndQuery: string, headers: Record<string, string>, body: Buffer | string | null): Promise<RawResponse> {
  const url = new URL(endpoint);
  return new Promise((resolve, reject) => {
    const req = httpRequest({ host: url.hostname, port: url.port, method, path: pathAndQuery, headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString('utf8') }));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end(body ?? undefined);
  });
}

/** The `<Code>` of an S3 XML error body. */
export function errorCode(res: RawResponse): string | undefined {
  return /<Code>([^<]+)<\/Code>/.exec(res.body)?.[1];
}
