/**
 * Waveform peaks for players, in the BBC audiowaveform JSON format (version 2, 8-bit), which
 * peaks.js and wavesurfer read: min/max pairs per `samples_per_pixel` samples of the mono mix.
 */

export interface WaveformJson {
  readonly version: 2;
  readonly channels: 1;
  readonly sample_rate: number;
  readonly samples_per_pixel: number;
  readonly bits: 8;
  readonly length: number;
  readonly data: number[];
}

/** About this many points at most, whatever the length (a 3-hour file stays ~80 KB of JSON). */
export const MAX_WAVEFORM_POINTS = 10_000;
/** audiowaveform's default zoom: the finest resolution offered. */
export const MIN_SAMPLES_PER_PIXEL = 256;

export function samplesPerPixelFor(sampleRate: number, durationSeconds: number | null): number {
  const total = Math.ceil(sampleRate * (durationSeconds ?? 600));
  return Math.max(MIN_SAMPLES_PER_PIXEL, Math.ceil(total / MAX_WAVEFORM_POINTS));
}

/** Consumes raw s16le mono PCM in chunks of any size (odd byte counts included). */
export class WaveformBuilder {
  private readonly data: number[] = [];
  private carry: number | null = null;
  private count = 0;
  private min = 0;
  private max = 0;

  constructor(
    readonly sampleRate: number,
    readonly samplesPerPixel: number,
  ) {}

  push(chunk: Buffer): void {
    let offset = 0;
    if (this.carry !== null && chunk.length > 0) {
      this.add(Buffer.from([this.carry, chunk[0]!]).readInt16LE(0));
      this.carry = null;
      offset = 1;
    }
    const end = chunk.length - ((chunk.length - offset) % 2);
    for (let i = offset; i < end; i += 2) this.add(chunk.readInt16LE(i));
    if (end < chunk.length) this.carry = chunk[end]!;
  }

  private add(sample: number): void {
    if (this.count === 0) {
      this.min = sample;
      this.max = sample;
    } else {
      if (sample < this.min) this.min = sample;
      if (sample > this.max) this.max = sample;
    }
    this.count += 1;
    if (this.count === this.samplesPerPixel) this.emit();
  }

  private emit(): void {
    // 16-bit → 8-bit, as audiowaveform does (arithmetic shift keeps the sign).
    this.data.push(this.min >> 8, this.max >> 8);
    this.count = 0;
  }

  finish(): WaveformJson {
    if (this.count > 0) this.emit();
    return {
      version: 2,
      channels: 1,
      sample_rate: this.sampleRate,
      samples_per_pixel: this.samplesPerPixel,
      bits: 8,
      length: this.data.length / 2,
      data: this.data,
    };
  }
}
