import type { StorageGateway } from '@strata/core';
import type { Readable } from 'node:stream';
import type { CardOutput, TranscodeJob } from '../../shared/contracts';
import type { Config } from '../../shared/config';
import type { Logger } from '../../shared/log';

export interface OutputSpec {
  /** Output file name inside the content-addressed folder, e.g. `thumb-250.webp`, `hls/720p/seg-001.m4s`. */
  readonly name: string;
  /** Bytes, or a file in the invocation's tmp dir (large video outputs). */
  readonly body: Buffer | { readonly path: string };
  readonly contentType: string;
  /** Defaults to `public, max-age=31536000, immutable` (keys are content-addressed). */
  readonly cacheControl?: string;
  /** What the output is: `thumbnail`, `preview`, `avif`, `hls-master`, `poster`, … */
  readonly kind: string;
  readonly recipe: { readonly name: string; readonly version: number | string };
  /** Extra card fields for this output (width, height, format, …). */
  readonly extra?: Readonly<Record<string, unknown>>;
}

/** Everything a media processor may use. Built once per job by the transcode handler. */
export interface ProcessorContext {
  readonly job: TranscodeJob;
  readonly config: Config;
  readonly gateway: StorageGateway;
  readonly log: Logger;
  /** The invocation's own scratch dir (SCF's /tmp), removed after the invocation. */
  readonly tmpDir: string;
  /** Epoch ms at which the platform kills the invocation. */
  readonly deadlineMs: number;
  /** Hands a job to a new async invocation of transcode (absent where none can be made: then work stays in this one). */
  readonly handOff?: (job: TranscodeJob) => Promise<void>;
  /** Streams the source; the stream errors with SourceChanged if the bytes are not the job's. */
  openSource(): Promise<Readable>;
  /** The whole source in memory (images). */
  readSource(): Promise<Buffer>;
  /** The source as a file in tmpDir (ffmpeg). */
  downloadSource(): Promise<string>;
  /** Writes one output (content-addressed; an identical existing object is reused, not rewritten). */
  writeOutput(spec: OutputSpec): Promise<CardOutput>;
  /** Writes the full metadata record at `records/<bucket>/<key>.json` (never public). */
  writeRecord(record: unknown): Promise<void>;
}

export interface ProcessorResult {
  /** Card sections this processor owns, e.g. `{ image: {…} }` or `{ video: {…}, audio: {…} }`. */
  readonly sections: Readonly<Record<string, unknown>>;
  readonly outputs: readonly CardOutput[];
}

/**
 * A long job that stopped before the invocation's deadline (or after a slice) with its state
 * saved: run.ts keeps its outputs (no rollback), leaves the card `processing` and hands the same
 * job to a new invocation, which resumes where this one stopped.
 */
export interface ProcessorSuspension {
  /** `handedOff`: the job carries on in invocations already handed work (chunks): nothing to resume. */
  readonly suspend: { readonly percent: number; readonly message: string; readonly handedOff?: boolean };
}

export function isSuspension(x: ProcessorResult | ProcessorSuspension): x is ProcessorSuspension {
  return 'suspend' in x;
}

/** Throws QuarantineError (shared/pipeline/errors.ts) when the input is at fault. */
export type Processor = (ctx: ProcessorContext) => Promise<ProcessorResult | ProcessorSuspension>;
