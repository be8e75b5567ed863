/**
 * Issue 9 "Logging": pino JSON lines with function, request id, asset key and idempotency key.
 * Runs the real on-upload handler in its own process (as the emulator does), so the lines are the
 * ones the function writes on stdout, not a test logger's.
 */
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { toCosEvent } from '../../../infra/local/emulator/cosEvent';
import { parseEvent, type StorageEvent } from '../../../shared/events';
import { startTestS3, TEST_KEYS, type LocalS3Fixture } from '../../helpers/localS3';

const root = fileURLToPath(new URL('../../..', import.meta.url));
let s3: LocalS3Fixture;

beforeAll(async () => {
  s3 = await startTestS3(['uploads', 'derived']);
});
afterAll(async () => s3?.close());

/** Calls on-upload's main_handler once in a child process; returns its stdout lines. */
function invokeOnUpload(event: unknown, requestId: string): Promise<{ code: number | null; lines: string[]; stderr: string }> {
  const script = [
    "const { main_handler } = await import('./functions/on-upload/index.ts');",
    `await main_handler(JSON.parse(process.env.EVENT), { request_id: ${JSON.stringify(requestId)} });`,
  ].join('\n');
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], {
      cwd: root,
      env: {
        ...process.env,
        AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
        EVENT: JSON.stringify(event),
        STRATA_S3_ENDPOINT: s3.server.endpoint,
        STRATA_ACCESS_KEY: TEST_KEYS.accessKey,
        STRATA_SECRET_KEY: TEST_KEYS.secretKey,
        STRATA_LOG_LEVEL: 'info',
      },
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, lines: stdout.split('\n').filter(Boolean), stderr }));
  });
}

describe('on-upload logging', () => {
  it('writes pino JSON lines carrying function, request id, asset key and idempotency key', { timeout: 60_000 }, async () => {
    const before = s3.events.length;
    // Not media: quarantined without a hand-off, so the handler needs no invoke endpoint.
    await s3.gateway.put({ bucket: 'uploads', key: 'logs/notes one.txt' }, 'plain text, not media\n');
    const objectEvent = s3.events.slice(before).find((e) => e.key === 'logs/notes one.txt')!;
    const payload = toCosEvent([objectEvent], { appid: '1250000000', region: 'gz' });
    const [record] = (parseEvent(payload) as StorageEvent).records;

    const r = await invokeOnUpload(payload, 'req-logging-1');
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const entries = r.lines.map((line) => JSON.parse(line) as Record<string, unknown>);
    expect(entries.length).toBeGreaterThan(0);
    for (const e of entries) expect(e).toMatchObject({ function: 'on-upload', requestId: 'req-logging-1', level: expect.any(String), msg: expect.any(String) });
    expect(entries).toContainEqual(
      expect.objectContaining({ msg: 'quarantined', assetKey: 'uploads/logs/notes one.txt', idempotencyKey: record!.idempotencyKey }),
    );
  });
});
