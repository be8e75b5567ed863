import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { it } from 'vitest';
import { createS3Gateway, type StorageGateway } from '@strata/core';
import { startLocalS3, type LocalObjectEvent, type LocalS3Server } from '../../infra/local/s3/server';
import { clientFor, createTenantUser, freshBuckets, newTenantKeys, radosgwFromEnv, removeBuckets } from './radosgw';

const radosgw = radosgwFromEnv();
const tenant = radosgw ? newTenantKeys() : null;

/** Which S3 implementation the tests talk to: the embedded server, or radosgw (`S3_TARGET=radosgw`, infra/peer/radosgw.sh). */
export const S3_TARGET: 'embedded' | 'radosgw' = radosgw ? 'radosgw' : 'embedded';

/** The key pair the fixture's server accepts (on radosgw: this test file's own tenant user). */
export const TEST_KEYS: { readonly accessKey: string; readonly secretKey: string } = tenant
  ? { accessKey: tenant.accessKey, secretKey: tenant.secretKey }
  : { accessKey: 'test-access', secretKey: 'test-secret-key' };

export interface LocalS3Fixture {
  /** On radosgw only `endpoint` is there; anything else throws (the test must be `skipOnRadosgw`). */
  readonly server: LocalS3Server;
  readonly dataDir: string;
  readonly gateway: StorageGateway;
  /** The embedded server's object events; on radosgw any use throws. */
  readonly events: LocalObjectEvent[];
  close(): Promise<void>;
}

/** Reasons a test does not run on radosgw. */
export const NEEDS_EVENTS = "asserts on the embedded server's object events (radosgw emits none without a notification topic)";
export const NEEDS_ARCHIVE = "COS archive classes and restore are the embedded server's emulation (radosgw 16 refuses the class ARCHIVE: 400 InvalidArgument)";

/**
 * `it` for a test that cannot run on radosgw: it needs the embedded server itself (its events,
 * data dir, restore clock) or a feature radosgw 16 lacks. On radosgw the test is skipped and its
 * name says so and why; everywhere else it is plain `it`.
 */
export function skipOnRadosgw(reason: string): typeof it {
  if (!radosgw) return it;
  return ((name: string, fn?: () => unknown, timeout?: number) => it.skip(`${name} [skipped on radosgw: ${reason}]`, fn, timeout)) as unknown as typeof it;
}

/** A real S3 server with the given buckets, empty: the embedded one on a free port with a throw-away data dir, or radosgw. */
export async function startTestS3(buckets: string[] = ['uploads', 'derived'], options: { restoreDelayMs?: number } = {}): Promise<LocalS3Fixture> {
  if (radosgw && tenant) return startRadosgwFixture(buckets);
  const dataDir = await mkdtemp(join(tmpdir(), 'strata-test-'));
  const server = await startLocalS3({ dataDir, port: 0, buckets, ...TEST_KEYS, ...options });
  const events: LocalObjectEvent[] = [];
  server.events.on('object', (e) => events.push(e));
  const gateway = createS3Gateway({
    endpoint: server.endpoint,
    region: 'us-east-1',
    credentials: { accessKeyId: TEST_KEYS.accessKey, secretAccessKey: TEST_KEYS.secretKey },
  });
  return {
    server,
    dataDir,
    gateway,
    events,
    async close() {
      await server.close();
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}

let tenantReady: Promise<void> | null = null;

function notOnRadosgw(what: string): never {
  throw new Error(`the embedded S3 server's ${what} does not exist on radosgw: mark this test skipOnRadosgw(reason)`);
}

async function startRadosgwFixture(buckets: string[]): Promise<LocalS3Fixture> {
  if (!radosgw || !tenant) throw new Error('not on radosgw');
  if (!tenantReady) {
    tenantReady = createTenantUser(radosgw, tenant);
    console.log(`S3 target: radosgw ${radosgw.version} at ${radosgw.endpoint} (tenant ${tenant.tenant})`);
  }
  await tenantReady;
  const client = clientFor(radosgw.endpoint, TEST_KEYS);
  await freshBuckets(client, buckets);
  const server = new Proxy({ endpoint: radosgw.endpoint }, {
    get: (t, p) => (p === 'endpoint' ? t.endpoint : p === 'then' ? undefined : notOnRadosgw(`server.${String(p)}`)),
  }) as unknown as LocalS3Server;
  const events = new Proxy([] as LocalObjectEvent[], { get: () => notOnRadosgw('events') });
  const gateway = createS3Gateway({
    endpoint: radosgw.endpoint,
    region: 'us-east-1',
    credentials: { accessKeyId: TEST_KEYS.accessKey, secretAccessKey: TEST_KEYS.secretKey },
  });
  return {
    server,
    get dataDir(): string {
      return notOnRadosgw('data dir');
    },
    gateway,
    events,
    async close() {
      await removeBuckets(client, buckets);
      client.destroy();
    },
  };
}
