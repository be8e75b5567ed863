/**
 * The key check a cold start begins before building the app (auth.ts `beginKeyCheck`): auth takes
 * it over only for the key the request presents, verifies any other key itself, and a check that
 * no route awaits never fails the process. Real S3 server, real keys, the app's own router.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApi } from '../../../functions/api/app';
import { beginKeyCheck } from '../../../functions/api/auth';
import { createKey, revokeKey } from '../../../shared/api/keys';
import { startTestS3, TEST_KEYS, type LocalS3Fixture } from '../../helpers/localS3';
import { inProcessApiDeps } from './appDeps';

let s3: LocalS3Fixture;
beforeAll(async () => {
  s3 = await startTestS3();
});
afterAll(async () => {
  await s3?.close();
});

function appFor(endpoint: string) {
  const deps = inProcessApiDeps(endpoint, 'early-key-check', { STRATA_ACCESS_KEY: TEST_KEYS.accessKey, STRATA_SECRET_KEY: TEST_KEYS.secretKey });
  return { app: createApi(deps), deps };
}

const card = (key: string, keyCheck: ReturnType<typeof beginKeyCheck>) =>
  appFor(s3.server.endpoint).app.request('/v1/assets/card?key=none/missing.png', { headers: { authorization: `Bearer ${key}` } }, { keyCheck });

describe('early key check (cold start)', () => {
  it('is taken over by auth for the presented key: a valid key passes, a revoked one is refused', async () => {
    const { deps } = appFor(s3.server.endpoint);
    const { key, id } = await createKey(s3.gateway, 'derived', ['read']);
    const ok = await card(key, beginKeyCheck(deps, `Bearer ${key}`));
    expect(ok.status).toBe(404); // past auth: the card does not exist
    await revokeKey(s3.gateway, 'derived', id);
    const revoked = await card(key, beginKeyCheck(deps, `Bearer ${key}`));
    expect(revoked.status).toBe(401);
    expect(((await revoked.json()) as { error: { message: string } }).error.message).toMatch(/revoked/);
  });

  it("is not taken for another key: a bad key is refused even beside a valid key's check", async () => {
    const { deps } = appFor(s3.server.endpoint);
    const { key } = await createKey(s3.gateway, 'derived', ['read']);
    const forged = `${key.slice(0, -4)}abcd`;
    const r = await card(forged, beginKeyCheck(deps, `Bearer ${key}`));
    expect(r.status).toBe(401);
  });

  it('begins nothing without a bearer key, and a check no route awaits cannot fail the process', async () => {
    const { deps } = appFor(s3.server.endpoint);
    expect(beginKeyCheck(deps, undefined)).toBeNull();
    expect(beginKeyCheck(deps, 'Basic abc')).toBeNull();
    // Storage unreachable: the check fails, unawaited (vitest reports unhandled rejections as errors).
    const dead = appFor('http://127.0.0.1:9');
    const early = beginKeyCheck(dead.deps, `Bearer strata_0123456789abcdef_${'a'.repeat(43)}`);
    expect(early).not.toBeNull();
    const health = await dead.app.request('/healthz', {}, { keyCheck: early });
    expect(health.status).toBe(200);
    await expect(early!.check).rejects.toThrow();
  });
});
