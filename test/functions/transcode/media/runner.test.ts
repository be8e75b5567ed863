import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { getMediaTools } from '../../../../functions/transcode/media/ffmpeg';
import { assertSucceeded, createProgressParser, lastErrorLine, runTool, type FfmpegProgress } from '../../../../functions/transcode/media/runner';

describe('runTool', () => {
  it('reports progress and succeeds', async () => {
    const { ffmpeg } = await getMediaTools();
    const seen: FfmpegProgress[] = [];
    const result = await runTool({ tool: ffmpeg, args: ['-f', 'lavfi', '-i', 'testsrc2=s=64x36:r=10:d=2', '-f', 'null', '-'], onProgress: (p) => seen.push(p) });
    expect(result.exitCode).toBe(0);
    expect(result.stopped).toBeNull();
    expect(seen.at(-1)).toMatchObject({ end: true });
    expect(seen.at(-1)!.outTimeSeconds).toBeCloseTo(2, 0);
  });

  it('kills a run that passes its timeout', async () => {
    const { ffmpeg } = await getMediaTools();
    // -re reads in real time: an endless source never finishes on its own.
    const result = await runTool({ tool: ffmpeg, args: ['-re', '-f', 'lavfi', '-i', 'testsrc2=s=64x36:r=10', '-f', 'null', '-'], timeoutMs: 700 });
    expect(result.stopped).toBe('timeout');
    expect(result.signal).toBe('SIGKILL');
  });

  it('stops a run whose output time stops advancing (stalled input)', async () => {
    const { ffmpeg } = await getMediaTools();
    // stdin that never delivers a byte: ffmpeg waits for ever without progress.
    const silent = new Readable({ read() {} });
    const result = await runTool({ tool: ffmpeg, args: ['-f', 'mpegts', '-i', 'pipe:0', '-f', 'null', '-'], stdin: silent, stallTimeoutMs: 800 });
    silent.destroy();
    expect(result.stopped).toBe('stall');
  });

  it('stops when the caller aborts', async () => {
    const { ffmpeg } = await getMediaTools();
    const abort = new AbortController();
    setTimeout(() => abort.abort(), 300);
    const result = await runTool({ tool: ffmpeg, args: ['-re', '-f', 'lavfi', '-i', 'testsrc2=s=64x36:r=10', '-f', 'null', '-'], signal: abort.signal });
    expect(result.stopped).toBe('abort');
  });

  it('keeps stderr and explains a failure in one line', async () => {
    const { ffmpeg } = await getMediaTools();
    const result = await runTool({ tool: ffmpeg, args: ['-v', 'error', '-i', '/nonexistent/input.mp4', '-f', 'null', '-'] });
    expect(result.exitCode).not.toBe(0);
    expect(lastErrorLine(result.stderrTail)).toMatch(/No such file or directory/);
    expect(() => assertSucceeded(result, 'probe test')).toThrow(/probe test: exit \d+: .*No such file/);
  });

  it('rejects with a typed error when the binary cannot be spawned', async () => {
    const { ffmpeg } = await getMediaTools();
    await expect(runTool({ tool: { ...ffmpeg, path: '/nonexistent/ffmpeg' }, args: ['-version'] })).rejects.toMatchObject({ code: 'MediaToolFailed' });
  });
});

describe('createProgressParser', () => {
  it('emits one report per progress block, across chunk boundaries', () => {
    const got: FfmpegProgress[] = [];
    const feed = createProgressParser((p) => got.push(p));
    feed('frame=10\nout_time_us=1000');
    feed('000\nspeed=2.5x\nprogress=continue\nframe=20\nout_time_us=2500000\nspeed=N/A\nprogress=end\n');
    expect(got).toEqual([
      { outTimeSeconds: 1, frame: 10, speed: 2.5, end: false },
      { outTimeSeconds: 2.5, frame: 20, speed: null, end: true },
    ]);
  });
});
