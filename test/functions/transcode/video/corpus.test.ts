import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestS3, type LocalS3Fixture } from '../../../helpers/localS3';
import { corpusRows, ffprobeJson, isCorpusMedia } from '../media/fixtures';
import { runJob, uploadFile } from '../media/harness';
import { expectPlayableVideo } from './checks';

let s3: LocalS3Fixture;
beforeAll(async () => {
  s3 = await startTestS3(['uploads', 'derived']);
});
afterAll(async () => {
  await s3?.close();
});

// Default ladder and segment length; the fastest x264 preset keeps it cheap.
const env = { STRATA_VIDEO_LADDER: '270:400,360:1200,540:3500,720:5000,1080:8500', STRATA_HLS_SEGMENT_SECONDS: '4' };
const rows = corpusRows().filter((r) => isCorpusMedia(r, 'video'));
/** The reason each hostile file must be quarantined with. */
const QUARANTINE_CODES: Record<string, string> = {
  'bad/zero-bytes.mp4': 'empty',
  'bad/mp4-corrupt-moov-stsz-sample-count.mp4': 'corrupt',
};

describe('corpus sample: every video file ends as MANIFEST expects', () => {
  it('covers the sample', () => {
    expect(rows.map((r) => r.file).sort()).toEqual([
      'bad/mp4-corrupt-moov-stsz-sample-count.mp4',
      'bad/zero-bytes.mp4',
      'derived/video/mp4-rotation-90cw-display-matrix.mp4',
      'real/video/mp4-h264-aac-moov-at-end-720p.mp4',
    ]);
  });

  for (const row of rows) {
    it(`${row.file} → ${row.expect}`, async () => {
      const job = await uploadFile(s3.gateway, `corpus/${row.file}`, readFileSync(row.path));
      const started = Date.now();
      const run = await runJob(s3.gateway, job, { env });
      expect(run.leftovers, 'temporary files left behind').toEqual([]);
      expect(Date.now() - started).toBeLessThan(60_000);
      if (row.expect === 'done') {
        const duration = Number((await ffprobeJson(row.path)).format.duration);
        await expectPlayableVideo(s3.gateway, run.card, duration);
        if (row.file.includes('rotation')) expect(run.card.video).toMatchObject({ rotation: 90, width: 528, height: 720 });
      } else {
        expect(run.card.status).toBe('quarantined');
        expect(run.card.reason?.code).toBe(QUARANTINE_CODES[row.file]);
        expect(run.card.reason?.message.length).toBeGreaterThan(5);
        expect(run.card.outputs).toEqual([]);
      }
    });
  }
});
