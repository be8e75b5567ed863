/**
 * A tiny HTTP proxy in front of the local S3 server that can flip one byte of a request or
 * response body on the wire, and records the request headers it forwards. It stands in for a
 * faulty network or NIC in integrity tests.
 */
import { createServer, request, type IncomingHttpHeaders, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Transform } from 'node:stream';

export interface WireProxy {
  readonly endpoint: string;
  /** Flip byte `offset` of the next request body whose method/url match. */
  flipNextRequest(match: (req: IncomingMessage) => boolean, offset: number): void;
  /** Flip byte `offset` of the next response body to a request that matches. */
  flipNextResponse(match: (req: IncomingMessage) => boolean, offset: number): void;
  /** Headers of every request forwarded, in order. */
  readonly seen: { method: string; url: string; headers: IncomingHttpHeaders }[];
  close(): Promise<void>;
}

function flipAt(offset: number): Transform {
  let at = 0;
  return new Transform({
    transform(chunk: Buffer, _enc, done) {
      if (offset >= at && offset < at + chunk.length) {
        const copy = Buffer.from(chunk);
        copy[offset - at] = copy[offset - at]! ^ 0x01;
        chunk = copy;
      }
      at += chunk.length;
      done(null, chunk);
    },
  });
}

export async function startWireProxy(target: string): Promise<WireProxy> {
  const upstream = new URL(target);
  const requestFlips: { match: (req: IncomingMessage) => boolean; offset: number }[] = [];
  const responseFlips: { match: (req: IncomingMessage) => boolean; offset: number }[] = [];
  const seen: WireProxy['seen'] = [];
  const take = (list: typeof requestFlips, req: IncomingMessage): number | null => {
    const i = list.findIndex((f) => f.match(req));
    if (i < 0) return null;
    return list.splice(i, 1)[0]!.offset;
  };
  const server = createServer((req, res) => {
    seen.push({ method: req.method ?? '', url: req.url ?? '', headers: { ...req.headers } });
    const reqFlip = take(requestFlips, req);
    const resFlip = take(responseFlips, req);
    const out = request(
      { host: upstream.hostname, port: upstream.port, method: req.method, path: req.url, headers: req.headers },
      (upRes) => {
        res.writeHead(upRes.statusCode ?? 502, upRes.headers);
        (resFlip === null ? upRes : upRes.pipe(flipAt(resFlip))).pipe(res);
      },
    );
    out.on('error', () => res.destroy());
    (reqFlip === null ? req : req.pipe(flipAt(reqFlip))).pipe(out);
  });
  await new Promise<void>((ok) => server.listen(0, '127.0.0.1', () => ok()));
  const { port } = server.address() as AddressInfo;
  return {
    endpoint: `http://127.0.0.1:${port}`,
    seen,
    flipNextRequest: (match, offset) => void requestFlips.push({ match, offset }),
    flipNextResponse: (match, offset) => void responseFlips.push({ match, offset }),
    close: () =>
      new Promise<void>((ok) => {
        server.closeAllConnections();
        server.close(() => ok());
      }),
  };
}
