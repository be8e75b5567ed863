import exifr from 'exifr';

/**
 * Metadata read from the source: EXIF (exifr, on the TIFF block that sharp extracts from any
 * container: JPEG APP1, PNG eXIf, WebP EXIF, TIFF, HEIF), the ICC profile's description, and
 * the colour space. The card gets a short summary; the private record gets everything,
 * GPS included.
 */

export type ExifTags = Record<string, unknown>;

/** Parses sharp's `metadata().exif` block (with or without its `Exif\0\0` prefix). Never throws. */
export async function parseExif(exif: Buffer | undefined): Promise<ExifTags | null> {
  if (!exif || exif.length < 8) return null;
  const tiff = exif.subarray(0, 6).toString('latin1') === 'Exif\0\0' ? exif.subarray(6) : exif;
  try {
    const tags = (await exifr.parse(tiff, {
      tiff: true,
      ifd0: {},
      exif: true,
      gps: true,
      interop: false,
      ifd1: false,
      makerNote: false,
      userComment: false,
      xmp: false,
      icc: false,
      iptc: false,
      // Raw values: dates stay as written (no time zone invented), GPS stays as rationals + refs.
      reviveValues: false,
      translateValues: false,
      mergeOutput: true,
    })) as ExifTags | undefined;
    return tags ?? null;
  } catch {
    return null;
  }
}

function text(v: unknown): string | null {
  if (typeof v !== 'string') return null;
  // eslint-disable-next-line no-control-regex
  const t = v.replace(/\u0000+$/g, '').replace(/[\u0000-\u001f]/g, ' ').trim();
  return t ? t : null;
}

/** "Panasonic DMC-GF1", without repeating the make when the model already starts with it. */
export function cameraName(tags: ExifTags | null): string | null {
  const make = text(tags?.Make);
  const model = text(tags?.Model);
  if (!model) return make;
  if (!make || model.toLowerCase().startsWith(make.toLowerCase().split(' ')[0]!)) return model;
  return `${make} ${model}`;
}

export function lensName(tags: ExifTags | null): string | null {
  const model = text(tags?.LensModel);
  const make = text(tags?.LensMake);
  if (model) return make && !model.toLowerCase().startsWith(make.toLowerCase()) ? `${make} ${model}` : model;
  return text(tags?.LensInfo) ?? null;
}

/**
 * When the photo was taken, as ISO 8601: local time as the camera wrote it, with the offset
 * only when EXIF records one (OffsetTimeOriginal); never a guessed time zone.
 */
export function takenAt(tags: ExifTags | null): string | null {
  const raw = text(tags?.DateTimeOriginal) ?? text(tags?.CreateDate) ?? text(tags?.DateTime);
  const m = raw && /^(\d{4}):(\d{2}):(\d{2})[ T](\d{2}):(\d{2}):(\d{2})/.exec(raw);
  if (!m || m[1] === '0000') return null;
  const subSec = text(tags?.SubSecTimeOriginal);
  const fraction = subSec && /^\d+$/.test(subSec) ? `.${subSec}` : '';
  const offset = text(tags?.OffsetTimeOriginal) ?? text(tags?.OffsetTime);
  const zone = offset && /^[+-]\d{2}:\d{2}$/.test(offset) ? offset : '';
  return `${m[1]}-${m[2]}-${m[3]}T${m[4]}:${m[5]}:${m[6]}${fraction}${zone}`;
}

function rationalDegrees(v: unknown): number | null {
  if (typeof v === 'number') return v;
  if (Array.isArray(v) && v.length >= 1 && v.every((n) => typeof n === 'number')) {
    const [d = 0, m = 0, s = 0] = v as number[];
    return d + m / 60 + s / 3600;
  }
  return null;
}

/** GPS position in decimal degrees (record only; never on the card or in a rendition). */
export function gpsPosition(tags: ExifTags | null): { latitude: number; longitude: number; altitude: number | null } | null {
  const lat = rationalDegrees(tags?.GPSLatitude);
  const lon = rationalDegrees(tags?.GPSLongitude);
  if (lat === null || lon === null || !Number.isFinite(lat) || !Number.isFinite(lon)) return null;
  const south = String(tags?.GPSLatitudeRef ?? 'N').toUpperCase().startsWith('S');
  const west = String(tags?.GPSLongitudeRef ?? 'E').toUpperCase().startsWith('W');
  const alt = typeof tags?.GPSAltitude === 'number' ? (tags.GPSAltitudeRef === 1 ? -tags.GPSAltitude : tags.GPSAltitude) : null;
  return { latitude: south ? -lat : lat, longitude: west ? -lon : lon, altitude: alt };
}

/** EXIF tags made JSON-safe for the record: binary values become `{ bytes: n }`. */
export function exifForRecord(tags: ExifTags | null): Record<string, unknown> | null {
  if (!tags) return null;
  const safe = (v: unknown): unknown => {
    if (v instanceof Uint8Array) return { bytes: v.byteLength };
    if (Array.isArray(v)) return v.length > 64 ? { values: v.length } : v.map(safe);
    if (typeof v === 'string') return v.replace(/\u0000+$/g, '').slice(0, 2048);
    if (typeof v === 'number' && !Number.isFinite(v)) return null;
    if (v && typeof v === 'object') return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, safe(x)]));
    return v;
  };
  return safe(tags) as Record<string, unknown>;
}

/** The description of an ICC profile (v2 `desc` or v4 `mluc`), or null. */
export function iccDescription(icc: Buffer | undefined): string | null {
  if (!icc || icc.length < 132) return null;
  try {
    const count = icc.readUInt32BE(128);
    for (let i = 0; i < Math.min(count, 256); i++) {
      const at = 132 + i * 12;
      if (at + 12 > icc.length) break;
      if (icc.toString('latin1', at, at + 4) !== 'desc') continue;
      const offset = icc.readUInt32BE(at + 4);
      const size = icc.readUInt32BE(at + 8);
      const tag = icc.subarray(offset, offset + size);
      const type = tag.toString('latin1', 0, 4);
      if (type === 'desc' && tag.length >= 12) {
        const n = tag.readUInt32BE(8);
        return text(tag.toString('latin1', 12, 12 + Math.min(n, tag.length - 12)));
      }
      if (type === 'mluc' && tag.length >= 28) {
        const length = tag.readUInt32BE(20);
        const start = tag.readUInt32BE(24);
        const utf16be = Buffer.from(tag.subarray(start, start + length));
        return text(utf16be.swap16().toString('utf16le'));
      }
    }
  } catch {
    return null;
  }
  return null;
}

/**
 * A colour space a person recognises: `srgb`, `display-p3`, `adobe-rgb`, `prophoto-rgb`,
 * `rec2020`, `rgb` (another RGB profile), `cmyk`, `grey`, or libvips' own name otherwise.
 */
export function colourSpaceName(space: string | undefined, iccDesc: string | null): string {
  if (space === 'cmyk') return 'cmyk';
  if (space === 'b-w' || space === 'grey16') return 'grey';
  if (space === 'srgb' || space === 'rgb16' || space === 'rgb' || space === 'scrgb') {
    if (!iccDesc || /srgb|iec\s*61966/i.test(iccDesc)) return 'srgb';
    if (/p3/i.test(iccDesc)) return 'display-p3';
    if (/adobe\s*rgb|compatible with adobe/i.test(iccDesc)) return 'adobe-rgb';
    if (/prophoto|romm/i.test(iccDesc)) return 'prophoto-rgb';
    if (/2020/.test(iccDesc)) return 'rec2020';
    return 'rgb';
  }
  return space ?? 'unknown';
}
