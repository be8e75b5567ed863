/**
 * Media fixtures for tests: short clips generated with ffmpeg lavfi (ultrafast), and ffprobe
 * helpers, all through the resolved binaries and Strata's own runner.
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { getMediaTools } from '../../../../functions/transcode/media/ffmpeg';
import { assertSucceeded, runTool } from '../../../../functions/transcode/media/runner';

export interface ClipOptions {
  readonly width?: number;
  readonly height?: number;
  readonly fps?: number;
  readonly seconds?: number;
  /** Sine tone; false for a silent-free, audio-less clip. */
  readonly audio?: boolean | { frequency?: number; volume?: number; sampleRate?: number; channels?: number };
  /** Display-matrix rotation written into the MP4 (clockwise degrees, as a phone records portrait). */
  readonly rotateClockwise?: 90 | 180 | 270;
  /** Drop frames after the first second to make the timing variable. */
  readonly variableFrameRate?: boolean;
  /** The first N seconds are black (a fade-in), the rest test pattern. */
  readonly blackSeconds?: number;
  /** Tag as HDR10 (PQ, BT.2020, 10-bit). */
  readonly hdr?: boolean;
  readonly container?: 'mp4' | 'mkv' | 'mov';
  /** Container metadata, e.g. a phone's `location`. */
  readonly tags?: Readonly<Record<string, string>>;
  /** Draw the test pattern at this smaller size and scale it up (a cheap large clip). */
  readonly render?: { readonly width: number; readonly height: number };
}

/** Generates a test clip and returns its path. */
export async function makeClip(dir: string, name: string, o: ClipOptions = {}): Promise<string> {
  const { ffmpeg } = await getMediaTools();
  const w = o.width ?? 320;
  const h = o.height ?? 180;
  const fps = o.fps ?? 30;
  const seconds = o.seconds ?? 2;
  const out = join(dir, `${name}.${o.container ?? 'mp4'}`);
  const inputs = ['-f', 'lavfi', '-i', `testsrc2=s=${o.render ? `${o.render.width}x${o.render.height}` : `${w}x${h}`}:r=${fps}:d=${seconds}`];
  const audio = o.audio === undefined ? {} : o.audio;
  if (audio) {
    const a = audio === true ? {} : audio;
    inputs.push('-f', 'lavfi', '-i', `sine=f=${a.frequency ?? 440}:r=${a.sampleRate ?? 48000}:d=${seconds}`);
  }
  const vf: string[] = o.render ? [`scale=${w}:${h}:flags=neighbor`] : [];
  if (o.blackSeconds) vf.push(`drawbox=t=fill:c=black:enable='lt(t,${o.blackSeconds})'`);
  if (o.variableFrameRate) vf.push(`select='lt(n\\,${fps})+not(mod(n\\,3))'`, `setpts='if(lt(N,${fps}),N/${fps},1+(N-${fps})*3/${fps})/TB'`);
  const args = [
    '-v', 'error', '-y', ...inputs,
    ...(vf.length ? ['-vf', vf.join(',')] : []),
    ...(o.variableFrameRate ? ['-fps_mode', 'passthrough'] : []),
    '-map', '0:v', ...(audio ? ['-map', '1:a'] : []),
    ...(o.hdr
      ? ['-c:v', 'libx265', '-preset', 'ultrafast', '-pix_fmt', 'yuv420p10le', '-x265-params', 'log-level=error:colorprim=bt2020:transfer=smpte2084:colormatrix=bt2020nc', '-color_primaries', 'bt2020', '-color_trc', 'smpte2084', '-colorspace', 'bt2020nc', '-tag:v', 'hvc1']
      : ['-c:v', 'libx264', '-preset', 'ultrafast', '-pix_fmt', 'yuv420p']),
    ...(audio ? ['-c:a', 'aac', '-b:a', '64k', ...(typeof audio === 'object' && audio.channels ? ['-ac', String(audio.channels)] : [])] : []),
    ...(audio && typeof audio === 'object' && audio.volume !== undefined ? ['-af', `volume=${audio.volume}`] : []),
    ...Object.entries(o.tags ?? {}).flatMap(([k, v]) => ['-metadata', `${k}=${v}`]),
    '-shortest', out,
  ];
  if (o.rotateClockwise) {
    // -display_rotation is an input option (counter-clockwise degrees): re-mux the encoded clip with it.
    const plain = join(dir, `${name}-plain.mp4`);
    args[args.length - 1] = plain;
    assertSucceeded(await runTool({ tool: ffmpeg, args }), 'make clip');
    assertSucceeded(await runTool({ tool: ffmpeg, args: ['-v', 'error', '-y', '-display_rotation:v:0', String(-o.rotateClockwise), '-i', plain, '-c', 'copy', out] }), 'rotate clip');
    return out;
  }
  assertSucceeded(await runTool({ tool: ffmpeg, args }), 'make clip');
  return out;
}

/** Generates an audio file (sine, optionally with leading silence) and returns its path. */
export async function makeAudio(dir: string, name: string, o: { seconds?: number; frequency?: number; volume?: number; silenceSeconds?: number; /** Slow level swings (a real loudness range). */ tremolo?: boolean; codec?: 'flac' | 'mp3' | 'wav' | 'aac'; sampleRate?: number; channels?: number } = {}): Promise<string> {
  const { ffmpeg } = await getMediaTools();
  const ext = o.codec === 'aac' ? 'm4a' : (o.codec ?? 'flac');
  const out = join(dir, `${name}.${ext}`);
  const rate = o.sampleRate ?? 48000;
  const seconds = o.seconds ?? 2;
  const silence = o.silenceSeconds ?? 0;
  const filters = [`sine=f=${o.frequency ?? 440}:r=${rate}:d=${seconds}`];
  const chain = `${silence ? `adelay=${Math.round(silence * 1000)}:all=1,` : ''}${o.tremolo ? 'tremolo=f=0.4:d=0.8,' : ''}volume=${o.volume ?? 0.5}${o.channels && o.channels > 1 ? `,pan=${o.channels === 2 ? 'stereo' : '5.1'}|c0=c0|c1=c0${o.channels > 2 ? '|c2=c0|c3=c0|c4=c0|c5=c0' : ''}` : ''}`;
  assertSucceeded(
    await runTool({ tool: ffmpeg, args: ['-v', 'error', '-y', '-f', 'lavfi', '-i', filters[0]!, '-af', chain, ...(o.codec === 'mp3' ? ['-c:a', 'libmp3lame', '-q:a', '4'] : o.codec === 'aac' ? ['-c:a', 'aac'] : []), out] }),
    'make audio',
  );
  return out;
}

export async function ffprobeJson(input: string, extra: string[] = ['-show_format', '-show_streams']): Promise<{ streams: Array<Record<string, unknown>>; format: Record<string, unknown>; frames?: Array<Record<string, unknown>>; packets?: Array<Record<string, unknown>> }> {
  const { ffprobe } = await getMediaTools();
  const result = await runTool({ tool: ffprobe, args: ['-v', 'error', '-print_format', 'json', ...extra, input], timeoutMs: 30_000 });
  assertSucceeded(result, `ffprobe ${input}`);
  return JSON.parse(result.stdout);
}

/** ffmpeg's own EBU R128 reading of a file (the reference the card must match). */
export async function ebur128Reference(input: string): Promise<{ integratedLufs: number; lra: number; truePeak: number }> {
  const { ffmpeg } = await getMediaTools();
  const result = await runTool({ tool: ffmpeg, args: ['-v', 'info', '-i', input, '-map', '0:a:0', '-af', 'ebur128=peak=true:framelog=verbose', '-f', 'null', '-'] });
  assertSucceeded(result, 'ebur128 reference');
  const block = result.stderrTail.slice(result.stderrTail.lastIndexOf('Summary:'));
  const grab = (re: RegExp) => Number(re.exec(block)?.[1]);
  return { integratedLufs: grab(/I:\s+(-?[\d.]+) LUFS/), lra: grab(/LRA:\s+(-?[\d.]+) LU/), truePeak: grab(/Peak:\s+(-?[\d.]+) dBFS/) };
}

export function sha256File(path: string): string {
  return createHash('sha256').update(readFileSync(path)).digest('hex');
}

export const SHARED_DIR = process.env.STRATA_SHARED_DIR ?? '../shared';

export interface CorpusRow {
  readonly file: string;
  readonly path: string;
  readonly bytes: number;
  readonly mediaType: string;
  readonly notable: string;
  readonly expect: 'done' | 'quarantined' | 'either';
}

/** MANIFEST.tsv rows of the shared corpus sample. */
export function corpusRows(): CorpusRow[] {
  const root = join(SHARED_DIR, 'corpus-sample');
  const lines = readFileSync(join(root, 'MANIFEST.tsv'), 'utf8').trim().split('\n');
  const header = lines[0]!.split('\t');
  const col = (name: string) => header.indexOf(name);
  return lines.slice(1).map((line) => {
    const f = line.split('\t');
    return { file: f[col('file')]!, path: join(root, f[col('file')]!), bytes: Number(f[col('bytes')]), mediaType: f[col('media_type')]!, notable: f[col('notable')]!, expect: f[col('expect')] as CorpusRow['expect'] };
  });
}

/** The corpus's video and audio files: by content type, or an audio/video file name for the empty and bad ones. */
export function isCorpusMedia(row: CorpusRow, kind: 'video' | 'audio'): boolean {
  if (row.mediaType.startsWith(`${kind}/`)) return true;
  const ext = row.file.split('.').pop()!;
  return (kind === 'video' ? ['mp4', 'mov', 'mkv', 'webm'] : ['flac', 'mp3', 'wav', 'ogg', 'm4a']).includes(ext);
}
