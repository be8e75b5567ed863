import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { GetObjectCommand, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Committer } from '../../../../infra/local/s3/commit';
import { spawnServer } from './helpers/child';
import { pinnedClient, signer, startServer, type TestServer } from './helpers/s3';
import { waitFor } from './helpers/wait';

function pattern(size: number, seed: number): Buffer {
  const b = Buffer.alloc(size);
  for (let i = 0; i < size; i += 4) b.writeUInt32BE(((i + seed) * 2654435761) >>> 0, Math.min(i, size - 4));
  return b;
}

async function read(client: S3Client, key: string): Promise<Buffer | null> {
  try {
    const got = await client.send(new GetObjectCommand({ Bucket: 'uploads', Key: key }));
    return Buffer.from(await got.Body!.transformToByteArray());
  } catch (err) {
    if ((err as { name?: string }).name === 'NoSuchKey') return null;
    throw err;
  }
}

/**
 * Starts a signed PUT that declares `total` bytes and sends them slowly; resolves once
 * `sendBeforeResolve` bytes are on the wire. The request is left hanging (the caller aborts
 * it or kills the server).
 */
async function slowPut(endpoint: string, key: string, total: number, sendBeforeResolve: number): Promise<{ abort(): void }> {
  const url = new URL(endpoint);
  const signed = await signer().sign({
    method: 'PUT',
    protocol: 'http:',
    hostname: url.hostname,
    port: Number(url.port),
    path: `/uploads/${key}`,
    query: {},
    headers: { host: url.host, 'content-length': String(total), 'x-amz-content-sha256': 'UNSIGNED-PAYLOAD' },
  });
  const req = request({ host: url.hostname, port: url.port, method: 'PUT', path: `/uploads/${key}`, headers: signed.headers as Record<string, string> });
  req.on('error', () => undefined);
  const piece = pattern(64 * 1024, 99);
  let sent = 0;
  while (sent < sendBeforeResolve) {
    if (!req.write(piece)) await new Promise((r) => req.once('drain', r));
    sent += piece.length;
  }
  // keep trickling so the server is mid-write whenever the blow comes
  const timer = setInterval(() => {
    if (sent + piece.length < total) {
      req.write(piece);
      sent += piece.length;
    }
  }, 5);
  req.on('close', () => clearInterval(timer));
  return {
    abort() {
      clearInterval(timer);
      req.destroy();
    },
  };
}

describe('atomic object writes', () => {
  let s3: TestServer;
  beforeAll(async () => {
    s3 = await startServer();
  });
  afterAll(async () => s3?.close());

  it('a client that aborts mid-PUT leaves no object, keeps the old one on overwrite, and emits nothing', async () => {
    const old = pattern(100 * 1024, 1);
    await s3.client().send(new PutObjectCommand({ Bucket: 'uploads', Key: 'victim.bin', Body: old }));
    const before = s3.events.length;
    const fresh = await slowPut(s3.server.endpoint, 'fresh.bin', 32 * 1024 * 1024, 4 * 1024 * 1024);
    const over = await slowPut(s3.server.endpoint, 'victim.bin', 32 * 1024 * 1024, 4 * 1024 * 1024);
    await waitFor(async () => (await readdir(join(s3.dataDir, 's3-staging'))).length >= 2);
    fresh.abort();
    over.abort();
    // The server notices the aborts and removes both staged bodies.
    await waitFor(async () => (await readdir(join(s3.dataDir, 's3-staging'))).length === 0);
    expect(await read(s3.client(), 'fresh.bin')).toBeNull();
    expect((await read(s3.client(), 'victim.bin'))!.equals(old)).toBe(true);
    expect(s3.events.length).toBe(before);
  });
});

describe('crash safety (server killed with SIGKILL mid-write)', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'strata-crash-'));
  });
  afterAll(async () => rm(dir, { recursive: true, force: true }));

  it('after each of 2 kills and a restart, every key is its complete old version or absent', async () => {
    const dataDir = join(dir, 'data');
    const old = pattern(100 * 1024, 7);
    let server = await spawnServer(dataDir);
    try {
      for (let round = 0; round < 2; round++) {
        const client = pinnedClient(server.endpoint);
        await client.send(new PutObjectCommand({ Bucket: 'uploads', Key: 'victim.bin', Body: old }));
        const writes = [
          await slowPut(server.endpoint, 'victim.bin', 1024 * 1024 * 1024, (round + 1) * 1024 * 1024),
          await slowPut(server.endpoint, `new-${round}.bin`, 1024 * 1024 * 1024, (round + 1) * 1024 * 1024),
        ];
        // Both bodies are being written into staging when the blow comes.
        await waitFor(async () => (await readdir(join(dataDir, 's3-staging'))).length >= 2);
        await sleep(20 + round * 60);
        await server.kill();
        for (const w of writes) w.abort();
        client.destroy();

        server = await spawnServer(dataDir);
        const check = pinnedClient(server.endpoint);
        expect((await read(check, 'victim.bin'))!.equals(old)).toBe(true);
        for (let r = 0; r <= round; r++) expect(await read(check, `new-${r}.bin`)).toBeNull();
        expect(await readdir(join(dataDir, 's3-staging'))).toEqual([]);
        check.destroy();
      }
    } finally {
      await server.stop();
    }
  }, 180_000); // two server processes started and killed: slow on a loaded 2-core machine
});

describe('commit journal', () => {
  it('replays a commit interrupted after its commit point and discards uncommitted staging', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'strata-journal-'));
    try {
      const staging = join(dir, 'staging');
      const target = join(dir, 'bucket', 'k');
      await mkdir(staging, { recursive: true });
      await mkdir(join(dir, 'bucket'), { recursive: true });
      await writeFile(`${target}.data`, 'old data');
      await writeFile(`${target}.meta`, 'old meta');
      // Crash after the record and the first rename: data is new, metadata still old.
      await writeFile(join(staging, 'm1'), 'new meta');
      await writeFile(`${target}.data`, 'new data');
      await writeFile(join(staging, 'x.commit'), JSON.stringify({ renames: [[join(staging, 'd1'), `${target}.data`], [join(staging, 'm1'), `${target}.meta`]] }));
      await writeFile(join(staging, 'orphan-upload'), 'partial bytes of an uncommitted PUT');
      const result = await new Committer(staging, false).recover();
      expect(result).toEqual({ replayed: 1, discarded: 1 });
      expect(await readFile(`${target}.data`, 'utf8')).toBe('new data');
      expect(await readFile(`${target}.meta`, 'utf8')).toBe('new meta');
      expect(await readdir(staging)).toEqual([]);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
