import { describeError } from '@strata/core/errors';
import sharp from 'sharp';
import { loadConfig } from '../../../shared/config';
import { createCliContext } from '../context';
import { parseCliArgs } from '../args';
import type { CliIo } from '../io';

interface Check {
  readonly name: string;
  readonly ok: boolean;
  readonly detail: string;
}

type Probe = () => Promise<Omit<Check, 'name'>>;

/** Each check runs on its own; one failing never hides the others. */
const probes: Record<string, Probe> = {
  node: async () => {
    const major = Number(process.versions.node.split('.')[0]);
    return { ok: major >= 20, detail: `${process.version}${major >= 20 ? '' : ' (Strata targets Node 20)'}` };
  },
  config: async () => {
    loadConfig(process.env);
    return { ok: true, detail: 'all STRATA_* settings valid' };
  },
  sharp: async () => {
    const f = sharp.format;
    const reads = (['jpeg', 'png', 'webp', 'gif', 'tiff', 'svg', 'heif'] as const).filter((k) => f[k]?.input?.buffer);
    return { ok: true, detail: `sharp ${sharp.versions.sharp}, libvips ${sharp.versions.vips}; reads ${reads.join(', ')} (HEIC through heic-decode)` };
  },
  ffmpeg: async () => {
    const { resolveMediaTools, formatMediaToolsReport } = await import('../../../functions/transcode/media/ffmpeg');
    const report = await resolveMediaTools();
    const ok = Boolean(report.ffmpeg.tool && report.ffprobe.tool && report.ffmpeg.tool.hlsCapable);
    return { ok, detail: formatMediaToolsReport(report).join('\n           ') };
  },
  'wasm-simd': async () => {
    const { defaultKernelName } = await import('@strata/core');
    const kernel = defaultKernelName();
    return { ok: kernel !== 'js', detail: `erasure kernel: ${kernel}${kernel === 'js' ? ' (WebAssembly SIMD or the built kernels are missing: run npm run build:wasm)' : ''}` };
  },
  s3: async () => {
    const { gateway, endpoint, config } = createCliContext(process.env);
    const buckets = [config.buckets.upload, config.buckets.derived];
    const missing: string[] = [];
    for (const bucket of buckets) {
      try {
        for await (const _ of gateway.list(bucket)) break;
      } catch (err) {
        missing.push(`${bucket} (${describeError(err)})`);
      }
    }
    return missing.length
      ? { ok: false, detail: `${endpoint}: ${missing.join('; ')}` }
      : { ok: true, detail: `${endpoint} reachable; buckets ${buckets.join(', ')} listable` };
  },
};

/** `strata doctor [--json]`: what this machine and configuration can do, and what is missing. */
export async function run(args: string[], io: CliIo): Promise<number> {
  // Unknown flags are bad usage (exit 2), not a failed check (exit 1).
  const { values } = parseCliArgs({ args, options: { json: { type: 'boolean', default: false } } }, 'usage: strata doctor [--json]');
  const checks: Check[] = [];
  for (const [name, probe] of Object.entries(probes)) {
    try {
      checks.push({ name, ...(await probe()) });
    } catch (err) {
      checks.push({ name, ok: false, detail: describeError(err) });
    }
  }
  if (values.json) io.stdout.write(`${JSON.stringify({ ok: checks.every((c) => c.ok), checks })}\n`);
  else for (const c of checks) io.stdout.write(`${c.ok ? 'ok  ' : 'FAIL'}  ${c.name.padEnd(10)} ${c.detail}\n`);
  return checks.every((c) => c.ok) ? 0 : 1;
}
