/**
 * What a function answers at package time before its V8 code cache is taken (codeCache.ts): V8
 * caches the functions compiled by then, so the cache holds the code a first request runs, not
 * only the module's top level. The api answers `/healthz` and an asset's card against a local S3
 * server holding a read key and a card, the path of its usual first request (auth, a storage
 * read, the card route); other routes compile on first use, as without a cache.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { randomBytes } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createS3Gateway } from '@strata/core';
import { StrataError } from '@strata/core/errors';
import { startLocalS3 } from '../local/s3/server';
import { createKey } from '../../shared/api/keys';
import { writeCard } from '../../shared/pipeline/cards';
import type { CodeCacheOptions } from './codeCache';

const UPLOAD = 'uploads';
const DERIVED = 'derived';

/** Runs `use` with the warm-up of function `name` (its env and events), then stops what it started. */
export async function withWarmup<T>(name: string, use: (options: CodeCacheOptions) => Promise<T>): Promise<T> {
  if (name !== 'api') throw new StrataError('InvalidConfig', `no code-cache warm-up is defined for function ${name}`);
  const dataDir = await mkdtemp(join(tmpdir(), 'strata-warmup-'));
  const accessKey = 'warmup';
  const secretKey = randomBytes(16).toString('hex');
  const server = await startLocalS3({ dataDir, port: 0, buckets: [UPLOAD, DERIVED], accessKey, secretKey, durable: false });
  try {
    const gateway = createS3Gateway({ endpoint: server.endpoint, region: 'us-east-1', credentials: { accessKeyId: accessKey, secretAccessKey: secretKey } });
    const { key } = await createKey(gateway, DERIVED, ['read']);
    const source = { bucket: UPLOAD, key: 'warmup/sample.png', versionId: null, size: 3, etag: 'e', sha256: '0'.repeat(64), contentType: 'image/png' };
    await writeCard(gateway, DERIVED, { source, idempotencyKey: 'warmup', status: 'done', reason: null, outputs: [] });
    const headers = { host: '127.0.0.1', 'x-scf-remote-addr': '127.0.0.1' };
    return await use({
      env: {
        STRATA_S3_ENDPOINT: server.endpoint,
        STRATA_ACCESS_KEY: accessKey,
        STRATA_SECRET_KEY: secretKey,
        STRATA_STORAGE_PROVIDER: 'local',
        STRATA_UPLOAD_BUCKET: UPLOAD,
        STRATA_DERIVED_BUCKET: DERIVED,
        STRATA_LOG_LEVEL: 'silent',
        AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
      },
      warmup: [
        { httpMethod: 'GET', path: '/healthz', queryString: {}, headers, body: '' },
        { httpMethod: 'GET', path: '/v1/assets/card', queryString: { key: source.key }, headers: { ...headers, authorization: `Bearer ${key}` }, body: '' },
      ],
    });
  } finally {
    await server.close();
    await rm(dataDir, { recursive: true, force: true });
  }
}
