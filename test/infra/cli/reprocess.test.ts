import { tmpdir } from 'node:os';
import { Writable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runTranscode } from '../../../functions/transcode/run';
import { run as reprocess } from '../../../infra/cli/commands/reprocess';
import { UsageError } from '../../../infra/cli/io';
import { cardKey } from '../../../shared/contracts';
import { loadConfig } from '../../../shared/config';
import { createLogger } from '../../../shared/log';
import { startTestS3, TEST_KEYS, type LocalS3Fixture } from '../../helpers/localS3';
import { corpusFile, uploadImage } from '../../functions/transcode/image/helpers';

let s3: LocalS3Fixture;
let env: Record<string, string>;

function io(extraEnv: Record<string, string> = {}, tty = false) {
  let out = '';
  let err = '';
  const sink = (f: (s: string) => void) => new Writable({ write: (c, _e, done) => (f(String(c)), done()) });
  const stderr = Object.assign(sink((s) => (err += s)), { isTTY: tty, columns: 100 });
  return {
    io: { stdout: sink((s) => (out += s)), stderr, env: { ...env, ...extraEnv } },
    out: () => out,
    err: () => err,
  };
}

async function ingest(key: string, bytes: Buffer): Promise<void> {
  const job = await uploadImage(s3.gateway, key, bytes);
  const status = await runTranscode(job, { config: loadConfig(env), gateway: s3.gateway, log: createLogger({}, { level: 'silent' }), tmpDir: tmpdir(), deadlineMs: Date.now() + 60_000 });
  expect(status).toBe('done');
}

async function assetCount(): Promise<number> {
  let n = 0;
  for await (const _ of s3.gateway.list('derived', 'assets/')) n++;
  return n;
}

const thumbnailAt = (quality: number) =>
  JSON.stringify({
    recipes: {
      default: {
        renditions: [
          { name: 'thumbnail', kind: 'thumbnail', format: 'webp', width: 250, height: 250, quality },
          { name: 'preview', kind: 'preview', format: 'jpeg', width: 1440, height: 1440 },
          { name: 'preview', kind: 'preview', format: 'webp', width: 1440, height: 1440 },
          { name: 'avif-1440', kind: 'avif', format: 'avif', width: 1440 },
        ],
      },
    },
  });

beforeAll(async () => {
  s3 = await startTestS3();
  env = { STRATA_S3_ENDPOINT: s3.server.endpoint, STRATA_ACCESS_KEY: TEST_KEYS.accessKey, STRATA_SECRET_KEY: TEST_KEYS.secretKey, STRATA_LOG_LEVEL: 'silent' };
  await ingest('a/cat.jpg', corpusFile('real/images/jpeg-cmyk-adobe.jpeg'));
  await ingest('b/tower.jpg', corpusFile('real/images/jpeg-iphone4s-exif-gps-orientation-6.jpg'));
});

afterAll(async () => {
  await s3?.close();
});

describe('strata reprocess --changed', () => {
  it('needs --changed', async () => {
    await expect(reprocess([], io().io)).rejects.toBeInstanceOf(UsageError);
  });

  it('finds nothing to do while the recipes are unchanged, and shows a progress bar on a terminal', async () => {
    const t = io({}, true);
    expect(await reprocess(['--changed'], t.io)).toBe(0);
    expect(t.out()).toMatch(/checked 2 cards: 0 changed/);
    expect(t.err()).toMatch(/reprocess .* 2\/2 cards \| 0 changed, 0 failed/);
    const piped = io({}, false);
    expect(await reprocess(['--changed'], piped.io)).toBe(0);
    expect(piped.err()).toBe('');
  });

  it('regenerates only the affected rendition of the cards under --prefix, then nothing more', async () => {
    const before = await assetCount();
    const dry = io({ STRATA_IMAGE_RECIPES: thumbnailAt(55) });
    expect(await reprocess(['--changed', '--dry-run', '--json'], dry.io)).toBe(0);
    const plan = JSON.parse(dry.out());
    expect(plan).toMatchObject({ checked: 2, changed: 2, dryRun: true });
    expect(plan.items[0].missing).toHaveLength(1);
    expect(plan.items[0].missing[0]).toMatch(/^thumbnail\.webp@default\//);
    expect(await assetCount()).toBe(before);

    const t = io({ STRATA_IMAGE_RECIPES: thumbnailAt(55) });
    expect(await reprocess(['--changed', '--prefix', 'a/'], t.io)).toBe(0);
    expect(t.out()).toMatch(/^done +s3:\/\/uploads\/a\/cat\.jpg$/m);
    expect(t.out()).toMatch(/checked 1 cards: 1 changed; done 1/);
    expect(await assetCount()).toBe(before + 1);
    const { bytes } = await s3.gateway.getBytes({ bucket: 'derived', key: cardKey({ bucket: 'uploads', key: 'a/cat.jpg' }) });
    const card = JSON.parse(bytes.toString('utf8'));
    expect(card.status).toBe('done');

    const again = io({ STRATA_IMAGE_RECIPES: thumbnailAt(55) });
    expect(await reprocess(['--changed', '--json'], again.io)).toBe(0);
    expect(JSON.parse(again.out())).toMatchObject({ checked: 2, changed: 1 }); // only b/ is still on the old recipe
    const last = io({ STRATA_IMAGE_RECIPES: thumbnailAt(55) });
    expect(await reprocess(['--changed', '--json'], last.io)).toBe(0);
    expect(JSON.parse(last.out())).toMatchObject({ checked: 2, changed: 0 });
  });
});
