import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestS3, type LocalS3Fixture } from '../../../helpers/localS3';
import { corpusRows, ebur128Reference, isCorpusMedia } from '../media/fixtures';
import { runJob, uploadFile, verifyOutputs } from '../media/harness';

let s3: LocalS3Fixture;
beforeAll(async () => {
  s3 = await startTestS3(['uploads', 'derived']);
});
afterAll(async () => {
  await s3?.close();
});

const rows = corpusRows().filter((r) => isCorpusMedia(r, 'audio'));

describe('corpus sample: every audio file ends as MANIFEST expects', () => {
  it('covers the sample', () => {
    expect(rows.map((r) => r.file).sort()).toEqual([
      'bad/flac-24-hours-silence-8k-mono.flac',
      'derived/audio/flac-5.1-48k-channel-names.flac',
      'derived/audio/mp3-vbr-id3v23-apic-cover-unicode.mp3',
      'real/audio/wav-pcm16-mono-48k-front-center.wav',
    ]);
  });

  for (const row of rows) {
    it(`${row.file} → ${row.expect}`, async () => {
      const job = await uploadFile(s3.gateway, `corpus/${row.file}`, readFileSync(row.path));
      const started = Date.now();
      const run = await runJob(s3.gateway, job);
      expect(run.leftovers, 'temporary files left behind').toEqual([]);
      // The 24-hour file must be refused from its header, not decoded for minutes.
      expect(Date.now() - started).toBeLessThan(30_000);
      if (row.expect === 'done') {
        expect(run.card.status, JSON.stringify(run.card.reason)).toBe('done');
        await verifyOutputs(s3.gateway, run.card);
        const ref = await ebur128Reference(row.path);
        const loudness = (run.card.audio as any).loudness;
        expect(Math.abs(loudness.integratedLufs - ref.integratedLufs)).toBeLessThanOrEqual(0.5);
        expect(Math.abs(loudness.truePeakDbtp - ref.truePeak)).toBeLessThanOrEqual(0.5);
        expect(run.card.outputs.map((o) => o.kind).sort()).toEqual(['audio-aac', 'audio-opus', 'waveform']);
        if (row.file.endsWith('.mp3')) expect(run.card.audio).toMatchObject({ coverArt: true });
        if (row.file.includes('5.1')) expect(run.card.audio).toMatchObject({ channels: 6, channelLayout: '5.1' });
      } else {
        expect(run.card.status).toBe('quarantined');
        expect(run.card.reason).toMatchObject({ code: 'too-long' });
        expect(run.card.outputs).toEqual([]);
      }
    });
  }
});
