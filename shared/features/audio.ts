/**
 * Audio features from what transcode's single ffmpeg pass already measured (loudness, silence
 * spans, the waveform): no second decode. Speech presence is a heuristic on the waveform's
 * envelope: speech is syllabic, so its loudness envelope is modulated at 2–8 Hz with short
 * pauses; a tone or steady noise has a flat envelope, music a slower or weaker modulation.
 */
export interface WaveformLike {
  readonly sample_rate: number;
  readonly samples_per_pixel: number;
  /** Interleaved min, max per point (8-bit signed). */
  readonly data: readonly number[];
}

/** 0–1: the share of the envelope's variance in the 2–8 Hz modulation band, damped by silence. */
export function speechScore(waveform: WaveformLike, silenceRatio: number | null): number {
  const rate = waveform.sample_rate / waveform.samples_per_pixel;
  const env: number[] = [];
  for (let i = 0; i + 1 < waveform.data.length; i += 2) env.push(Math.abs(waveform.data[i + 1]!) + Math.abs(waveform.data[i]!));
  if (env.length < 16 || rate < 16) return 0;
  const mean = env.reduce((a, b) => a + b, 0) / env.length;
  if (mean < 1) return 0;
  const x = env.map((v) => v - mean);
  const total = x.reduce((a, v) => a + v * v, 0);
  if (total === 0) return 0;
  // DFT power over 2–8 Hz vs 0.25 Hz – Nyquist (the envelope is short: a few thousand points).
  const n = x.length;
  let band = 0;
  let all = 0;
  for (let k = 1; k <= n / 2; k++) {
    const f = (k * rate) / n;
    if (f < 0.25) continue;
    let re = 0;
    let im = 0;
    for (let t = 0; t < n; t++) {
      const a = (2 * Math.PI * k * t) / n;
      re += x[t]! * Math.cos(a);
      im -= x[t]! * Math.sin(a);
    }
    const p = re * re + im * im;
    all += p;
    if (f >= 2 && f <= 8) band += p;
  }
  if (all === 0) return 0;
  // Relative modulation depth: a steady tone's tiny ripples are not syllables.
  const depth = Math.min(1, Math.sqrt(total / n) / mean);
  const silent = silenceRatio ?? 0;
  const score = (band / all) * Math.min(1, depth * 2) * (silent > 0.9 ? 0 : 1);
  return Math.round(score * 1000) / 1000;
}
