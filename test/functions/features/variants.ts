/** The variants the duplicate test makes with sharp: re-encodings (same picture) and similar views (same scene). */
import sharp from 'sharp';
export type Kind = 'identical' | 'resize-q35' | 'webp' | 'crop-light' | 'bright' | 'exif-rot' | 'overlay' | 'grey' | 'png' | 'crop-heavy' | 'flip';
export const REENC: Kind[] = ['resize-q35', 'webp', 'crop-light', 'bright', 'exif-rot', 'overlay', 'grey', 'png'];
export const SIMILAR: Kind[] = ['crop-heavy', 'flip'];
/** `kind` applied to an encoded image. */
export async function variant(src: Buffer, kind: Kind): Promise<Buffer> {
  const img = sharp(src);
  const { width = 0, height = 0 } = await img.metadata();
  switch (kind) {
    case 'identical': return src;
    case 'resize-q35': return sharp(src).resize(Math.round(width / 2)).jpeg({ quality: 35 }).toBuffer();
    case 'webp': return sharp(src).webp({ quality: 70 }).toBuffer();
    case 'png': return sharp(src).resize(Math.round(width * 0.75)).png().toBuffer();
    case 'crop-light': { const w = Math.round(width * 0.9), h = Math.round(height * 0.9); return sharp(src).extract({ left: Math.round((width - w) / 2), top: Math.round((height - h) / 2), width: w, height: h }).jpeg({ quality: 85 }).toBuffer(); }
    case 'bright': return sharp(src).modulate({ brightness: 1.25 }).jpeg({ quality: 85 }).toBuffer();
    case 'exif-rot': return sharp(src).rotate(270).withMetadata({ orientation: 6 }).jpeg({ quality: 85 }).toBuffer();
    case 'grey': return sharp(src).greyscale().jpeg({ quality: 85 }).toBuffer();
    case 'overlay': {
      const svg = Buffer.from(`<svg width="${width}" height="${height}"><text x="${width * 0.05}" y="${height * 0.93}" font-size="${Math.round(height / 14)}" fill="white" stroke="black" font-family="sans-serif">© strata test</text></svg>`);
      return sharp(src).composite([{ input: svg }]).jpeg({ quality: 85 }).toBuffer();
    }
    case 'crop-heavy': { const w = Math.round(width * 0.6), h = Math.round(height * 0.6); return sharp(src).extract({ left: Math.round(width * 0.1), top: Math.round(height * 0.15), width: w, height: h }).jpeg({ quality: 85 }).toBuffer(); }
    case 'flip': return sharp(src).flop().jpeg({ quality: 85 }).toBuffer();
  }
}
