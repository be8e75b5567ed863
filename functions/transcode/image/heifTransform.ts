/**
 * The display transformation of a HEIF file's primary item: its `irot` (rotation, anticlockwise
 * in 90° steps) and `imir` (mirror) properties, in the order `ipma` lists them, expressed as the
 * equivalent EXIF orientation (1–8). libheif applies these itself when decoding; this only reports
 * what was applied. Returns null when the boxes cannot be read.
 *
 * `imir` axis 0 is a top-bottom mirror and axis 1 a left-right one, as libheif 1.23 (which decodes
 * every HEIF here, in heic-decode and in sharp) applies them — measured on pixels, see
 * test/functions/transcode/image/heic.test.ts. (The 2017 text of ISO/IEC 23008-12 reads the
 * other way; later editions and libheif agree on this one.)
 */

interface Box {
  readonly type: string;
  readonly body: Buffer;
}

function* children(data: Buffer): Generator<Box> {
  let at = 0;
  while (at + 8 <= data.length) {
    let size = data.readUInt32BE(at);
    const type = data.toString('latin1', at + 4, at + 8);
    let header = 8;
    if (size === 1) {
      if (at + 16 > data.length) return;
      size = Number(data.readBigUInt64BE(at + 8));
      header = 16;
    } else if (size === 0) size = data.length - at;
    if (size < header || at + size > data.length) return;
    yield { type, body: data.subarray(at + header, at + size) };
    at += size;
  }
}

const child = (data: Buffer, type: string) => [...children(data)].find((b) => b.type === type);

type Op = { kind: 'rotate'; quarterTurnsCcw: number } | { kind: 'mirror'; axis: number };

/** Applies the ops to a 2×3 grid of distinct cells; the result identifies the transformation. */
function fingerprint(apply: (grid: number[][]) => number[][]): string {
  return JSON.stringify(apply([[1, 2, 3], [4, 5, 6]]));
}

const rotateCcw = (g: number[][]) => g[0]!.map((_, x) => g.map((row) => row[row.length - 1 - x]!));
const mirrorLeftRight = (g: number[][]) => g.map((row) => [...row].reverse());
const mirrorTopBottom = (g: number[][]) => [...g].reverse();

/** EXIF orientation o, as "what the viewer does to the stored image". */
const EXIF_DISPLAY: Record<number, (g: number[][]) => number[][]> = {
  1: (g) => g,
  2: mirrorLeftRight,
  3: (g) => rotateCcw(rotateCcw(g)),
  4: mirrorTopBottom,
  5: (g) => mirrorLeftRight(rotateCcw(rotateCcw(rotateCcw(g)))), // transpose
  6: (g) => rotateCcw(rotateCcw(rotateCcw(g))), // 90° clockwise
  7: (g) => mirrorLeftRight(rotateCcw(g)), // transverse
  8: rotateCcw,
};

export function orientationOfOps(ops: readonly Op[]): number {
  const target = fingerprint((g) =>
    ops.reduce((acc, op) => {
      if (op.kind === 'mirror') return op.axis === 0 ? mirrorTopBottom(acc) : mirrorLeftRight(acc);
      let out = acc;
      for (let i = 0; i < op.quarterTurnsCcw; i++) out = rotateCcw(out);
      return out;
    }, g),
  );
  for (const [o, f] of Object.entries(EXIF_DISPLAY)) if (fingerprint(f) === target) return Number(o);
  return 1;
}

export function heifOrientation(file: Buffer): { orientation: number; ops: Op[] } | null {
  try {
    const meta = child(file, 'meta');
    if (!meta) return null;
    const metaBody = meta.body.subarray(4); // full box: version + flags
    const pitm = child(metaBody, 'pitm');
    const iprp = child(metaBody, 'iprp');
    if (!pitm || !iprp) return null;
    const primary = pitm.body[0] === 0 ? pitm.body.readUInt16BE(4) : pitm.body.readUInt32BE(4);
    const ipco = child(iprp.body, 'ipco');
    const ipma = child(iprp.body, 'ipma');
    if (!ipco || !ipma) return null;
    const properties = [...children(ipco.body)];
    const version = ipma.body[0]!;
    const largeIndex = (ipma.body.readUInt32BE(0) & 1) === 1;
    let at = 4;
    const count = ipma.body.readUInt32BE(at);
    at += 4;
    for (let e = 0; e < count; e++) {
      const item = version < 1 ? ipma.body.readUInt16BE(at) : ipma.body.readUInt32BE(at);
      at += version < 1 ? 2 : 4;
      const n = ipma.body[at]!;
      at += 1;
      const indices: number[] = [];
      for (let i = 0; i < n; i++) {
        indices.push(largeIndex ? ipma.body.readUInt16BE(at) & 0x7fff : ipma.body[at]! & 0x7f);
        at += largeIndex ? 2 : 1;
      }
      if (item !== primary) continue;
      const ops: Op[] = [];
      for (const index of indices) {
        const p = properties[index - 1];
        if (p?.type === 'irot') ops.push({ kind: 'rotate', quarterTurnsCcw: p.body[0]! & 3 });
        else if (p?.type === 'imir') ops.push({ kind: 'mirror', axis: p.body[0]! & 1 });
      }
      return { orientation: orientationOfOps(ops), ops };
    }
    return { orientation: 1, ops: [] };
  } catch {
    return null;
  }
}
