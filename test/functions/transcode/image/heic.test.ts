import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { orientationOfOps } from '../../../../functions/transcode/image/heifTransform';
import { corpusFile, oneRendition, processBytes } from './helpers';

const HEIC = 'derived/images/heic-from-panasonic-exif-orientation-6-no-irot.heic';

/**
 * The corpus HEIC with its `pixi` property (16 bytes, associated with the primary item) replaced
 * in place by an `irot`/`imir` box of the same size: a real HEIF display transformation, made
 * without re-muxing (no offsets move).
 */
function withTransform(type: 'irot' | 'imir', value: number): Buffer {
  const heic = Buffer.from(corpusFile(HEIC));
  const at = heic.indexOf('pixi', 0, 'latin1');
  expect(heic.readUInt32BE(at - 4)).toBe(16);
  heic.write(type, at, 'latin1');
  heic.fill(0, at + 4, at + 12);
  heic[at + 4] = value;
  return heic;
}

async function raw(image: Buffer): Promise<{ data: Buffer; width: number; height: number }> {
  const { data, info } = await sharp(image).removeAlpha().raw().toBuffer({ resolveWithObject: true });
  return { data, width: info.width, height: info.height };
}

function meanDifference(a: Buffer, b: Buffer): number {
  let sum = 0;
  for (let i = 0; i < a.length; i++) sum += Math.abs(a[i]! - b[i]!);
  return sum / a.length;
}

describe('HEIC (heic-decode, HEIF orientation)', () => {
  it('maps irot/imir to EXIF orientation numbers', () => {
    expect(orientationOfOps([])).toBe(1);
    expect(orientationOfOps([{ kind: 'rotate', quarterTurnsCcw: 1 }])).toBe(8);
    expect(orientationOfOps([{ kind: 'rotate', quarterTurnsCcw: 2 }])).toBe(3);
    expect(orientationOfOps([{ kind: 'rotate', quarterTurnsCcw: 3 }])).toBe(6);
    expect(orientationOfOps([{ kind: 'mirror', axis: 0 }])).toBe(4);
    expect(orientationOfOps([{ kind: 'mirror', axis: 1 }])).toBe(2);
  });

  it('ignores EXIF orientation (6) when there is no irot: landscape, as the HEIF spec says', async () => {
    const result = await processBytes(corpusFile(HEIC), { recipe: oneRendition('png', 64) });
    expect(result.card).toMatchObject({ format: 'heic', width: 640, height: 428, orientation: 1 });
    expect(result.record.exif).toMatchObject({ Orientation: 6 });
  });

  it('applies irot (by pixels) and reports it as the equivalent orientation', async () => {
    const plain = await processBytes(corpusFile(HEIC), { recipe: oneRendition('png', 640) });
    const rotated = await processBytes(withTransform('irot', 3), { recipe: oneRendition('png', 640) }); // 270° anticlockwise
    expect(rotated.card).toMatchObject({ width: 428, height: 640, orientation: 6 });
    const expected = await raw(await sharp(plain.renditions[0]!.body).rotate(90).png().toBuffer());
    const got = await raw(rotated.renditions[0]!.body);
    expect([got.width, got.height]).toEqual([expected.width, expected.height]);
    expect(meanDifference(got.data, expected.data)).toBeLessThan(2);
    // …and not the other way round.
    const wrong = await raw(await sharp(plain.renditions[0]!.body).rotate(-90).png().toBuffer());
    expect(meanDifference(got.data, wrong.data)).toBeGreaterThan(10);
  });

  it('applies imir as libheif does (axis 0: top-bottom, axis 1: left-right) and reports the same', async () => {
    const plain = await processBytes(corpusFile(HEIC), { recipe: oneRendition('png', 640) });
    for (const [axis, orientation, expectedOp] of [[0, 4, 'flip'], [1, 2, 'flop']] as const) {
      const mirrored = await processBytes(withTransform('imir', axis), { recipe: oneRendition('png', 640) });
      expect(mirrored.card.orientation).toBe(orientation);
      const expected = await raw(await sharp(plain.renditions[0]!.body)[expectedOp]().png().toBuffer());
      expect(meanDifference((await raw(mirrored.renditions[0]!.body)).data, expected.data)).toBeLessThan(2);
    }
  });

  it('quarantines a cut-off HEIC as truncated, and one past the time limit as decode-timeout', async () => {
    const cut = corpusFile(HEIC).subarray(0, 5000);
    const err = await processBytes(cut, { recipe: oneRendition('png', 64) }).then(() => null, (e: { reasonCode?: string }) => e);
    expect(err?.reasonCode).toBe('truncated');
    const slow = await processBytes(corpusFile(HEIC), { recipe: oneRendition('png', 64), limits: { decodeTimeoutMs: 5 } }).then(() => null, (e: { reasonCode?: string }) => e);
    expect(slow?.reasonCode).toBe('decode-timeout');
    // The decoder recovers after a timeout (its worker is replaced).
    expect((await processBytes(corpusFile(HEIC), { recipe: oneRendition('png', 64) })).card.format).toBe('heic');
  });
});

describe('HEIC colour profile', () => {
  it('converts a HEIC tagged with a Display P3 ICC profile (colr/prof) to sRGB', async () => {
    const { addPrimaryProperty, colrProf } = await import('./heifEdit');
    const p3 = (await sharp(await sharp({ create: { width: 1, height: 1, channels: 3, background: 'red' } }).withIccProfile('p3').png().toBuffer()).metadata()).icc!;
    const tagged = addPrimaryProperty(corpusFile(HEIC), colrProf(p3));
    const plain = await processBytes(corpusFile(HEIC), { recipe: oneRendition('png', 160) });
    const converted = await processBytes(tagged, { recipe: oneRendition('png', 160) });
    expect(converted.card).toMatchObject({ format: 'heic', colourSpace: 'display-p3', width: 640, height: 428 });
    expect(converted.card.iccDescription).toMatch(/P3/);
    // P3-encoded values mean more saturated colours: in sRGB the channels spread further apart.
    const chroma = async (png: Buffer) => {
      const { data } = await raw(png);
      let sum = 0;
      for (let i = 0; i < data.length; i += 3) sum += Math.max(data[i]!, data[i + 1]!, data[i + 2]!) - Math.min(data[i]!, data[i + 1]!, data[i + 2]!);
      return sum / (data.length / 3);
    };
    expect(await chroma(converted.renditions[0]!.body)).toBeGreaterThan((await chroma(plain.renditions[0]!.body)) * 1.03);
    // And with colour "keep-icc" the profile is kept instead.
    const kept = await processBytes(tagged, { recipe: { ...oneRendition('png', 160), colour: 'keep-icc' } });
    expect((await sharp(kept.renditions[0]!.body).metadata()).icc).toBeDefined();
  });
});
