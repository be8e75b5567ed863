import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createS3Gateway, type StorageGateway } from '@strata/core';
import { startLocalS3, type LocalObjectEvent, type LocalS3Server } from '../../infra/local/s3/server';

export const TEST_KEYS = { accessKey: 'test-access', secretKey: 'test-secret-key' } as const;

export interface LocalS3Fixture {
  readonly server: LocalS3Server;
  readonly dataDir: string;
  readonly gateway: StorageGateway;
  readonly events: LocalObjectEvent[];
  close(): Promise<void>;
}

/** A real local S3 server on a free port with a throw-away data dir. */
export async function startTestS3(buckets: string[] = ['uploads', 'derived'], options: { restoreDelayMs?: number } = {}): Promise<LocalS3Fixture> {
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
