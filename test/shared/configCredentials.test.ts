import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../shared/config';

describe('storage credentials', () => {
  it('uses fixed keys when STRATA_ACCESS_KEY is set, even on SCF', () => {
    const c = loadConfig({ STRATA_ACCESS_KEY: 'fixed-key', STRATA_SECRET_KEY: 'fixed-secret', TENCENTCLOUD_SECRETID: 'role-id', TENCENTCLOUD_RUNENV: 'SCF' });
    expect(c.storage.credentials).toEqual({ accessKeyId: 'fixed-key', secretAccessKey: 'fixed-secret' });
    expect(c.storage.liveCredentials).toBeUndefined();
  });

  it('has no live keys off SCF', () => {
    expect(loadConfig({}).storage.liveCredentials).toBeUndefined();
  });

  it("reads the execution role's keys afresh on every call on SCF", () => {
    const env: NodeJS.ProcessEnv = { TENCENTCLOUD_SECRETID: 'id-1', TENCENTCLOUD_SECRETKEY: 'key-1', TENCENTCLOUD_SESSIONTOKEN: 'token-1' };
    const live = loadConfig(env).storage.liveCredentials!;
    expect(live()).toEqual({ accessKeyId: 'id-1', secretAccessKey: 'key-1', sessionToken: 'token-1' });
    Object.assign(env, { TENCENTCLOUD_SECRETID: 'id-2', TENCENTCLOUD_SECRETKEY: 'key-2' });
    delete env.TENCENTCLOUD_SESSIONTOKEN;
    expect(live()).toEqual({ accessKeyId: 'id-2', secretAccessKey: 'key-2' });
  });

  it('names what is missing when an image function has had no keys yet', () => {
    const env: NodeJS.ProcessEnv = { TENCENTCLOUD_RUNENV: 'SCF' };
    const live = loadConfig(env).storage.liveCredentials!;
    expect(() => live()).toThrow(/TENCENTCLOUD_SECRETID.*X-Scf-Secret-Id.*STRATA_ACCESS_KEY/);
  });
});
