/**
 * Test helper: inserts one property box into a HEIF file's `ipco` and associates it with the
 * primary item (`ipma`), fixing the sizes of the enclosing boxes and the `iloc` file offsets that
 * move with `mdat`. Enough for the single-image files of the corpus sample (meta before mdat).
 */
function boxAt(buf: Buffer, at: number): { size: number; type: string } {
  return { size: buf.readUInt32BE(at), type: buf.toString('latin1', at + 4, at + 8) };
}

function findChild(buf: Buffer, start: number, end: number, type: string): number {
  for (let at = start; at + 8 <= end; at += boxAt(buf, at).size) if (boxAt(buf, at).type === type) return at;
  throw new Error(`no ${type} box`);
}

function readN(buf: Buffer, at: number, n: number): number {
  return n === 0 ? 0 : n === 4 ? buf.readUInt32BE(at) : n === 8 ? Number(buf.readBigUInt64BE(at)) : buf.readUInt16BE(at);
}

function writeN(buf: Buffer, at: number, n: number, v: number): void {
  if (n === 4) buf.writeUInt32BE(v, at);
  else if (n === 8) buf.writeBigUInt64BE(BigInt(v), at);
}

export function addPrimaryProperty(file: Buffer, property: Buffer): Buffer {
  const meta = findChild(file, 0, file.length, 'meta');
  const metaEnd = meta + boxAt(file, meta).size;
  const iprp = findChild(file, meta + 12, metaEnd, 'iprp');
  const ipco = findChild(file, iprp + 8, iprp + boxAt(file, iprp).size, 'ipco');
  const ipma = findChild(file, iprp + 8, iprp + boxAt(file, iprp).size, 'ipma');
  const pitm = findChild(file, meta + 12, metaEnd, 'pitm');
  const primary = file[pitm + 8] === 0 ? file.readUInt16BE(pitm + 12) : file.readUInt32BE(pitm + 12);
  let count = 0;
  for (let at = ipco + 8; at < ipco + boxAt(file, ipco).size; at += boxAt(file, at).size) count++;
  const newIndex = count + 1;
  if (file[ipma + 8] !== 0 || (file.readUInt32BE(ipma + 8) & 1) === 1 || newIndex > 127) throw new Error('only ipma version 0 with small indices');

  // Find the primary item's entry in ipma; the new association byte goes at its end.
  let at = ipma + 16;
  let insertAssoc = -1;
  let countByte = -1;
  const entries = file.readUInt32BE(ipma + 12);
  for (let e = 0; e < entries; e++) {
    const item = file.readUInt16BE(at);
    const n = file[at + 2]!;
    if (item === primary) {
      countByte = at + 2;
      insertAssoc = at + 3 + n;
    }
    at += 3 + n;
  }
  if (insertAssoc < 0) throw new Error('primary item has no ipma entry');
  const ipcoEnd = ipco + boxAt(file, ipco).size;
  const grown = property.length + 1;
  // Splice: property at the end of ipco, association byte in ipma (ipco precedes ipma).
  const out = Buffer.concat([
    file.subarray(0, ipcoEnd),
    property,
    file.subarray(ipcoEnd, insertAssoc),
    Buffer.from([newIndex]),
    file.subarray(insertAssoc),
  ]);
  const shift = (pos: number) => (pos >= insertAssoc ? pos + grown : pos >= ipcoEnd ? pos + property.length : pos);
  out[shift(countByte)] = file[countByte]! + 1;
  for (const [box, delta] of [[meta, grown], [iprp, grown], [ipco, property.length], [ipma, 1]] as const) {
    const p = shift(box) === box ? box : shift(box);
    out.writeUInt32BE(boxAt(file, box).size + delta, p);
  }
  // iloc offsets point into mdat, which moved by `grown`.
  const iloc = findChild(out, meta + 12, meta + boxAt(out, meta).size, 'iloc');
  const version = out[iloc + 8]!;
  const offsetSize = out[iloc + 12]! >> 4;
  const lengthSize = out[iloc + 12]! & 15;
  const baseSize = out[iloc + 13]! >> 4;
  const indexSize = version >= 1 ? out[iloc + 13]! & 15 : 0;
  let p = iloc + 14;
  const items = version < 2 ? out.readUInt16BE(p) : out.readUInt32BE(p);
  p += version < 2 ? 2 : 4;
  for (let i = 0; i < items; i++) {
    p += version < 2 ? 2 : 4;
    const method = version >= 1 ? out.readUInt16BE(p) & 15 : 0;
    if (version >= 1) p += 2;
    p += 2; // data_reference_index
    const base = readN(out, p, baseSize);
    if (method === 0 && baseSize) writeN(out, p, baseSize, base + grown);
    p += baseSize;
    const extents = out.readUInt16BE(p);
    p += 2;
    for (let e = 0; e < extents; e++) {
      p += indexSize;
      if (method === 0 && !baseSize) writeN(out, p, offsetSize, readN(out, p, offsetSize) + grown);
      p += offsetSize + lengthSize;
    }
  }
  return out;
}

/** A `colr` property box of type `prof` carrying an ICC profile. */
export function colrProf(icc: Buffer): Buffer {
  const head = Buffer.alloc(12);
  head.writeUInt32BE(12 + icc.length, 0);
  head.write('colr', 4, 'latin1');
  head.write('prof', 8, 'latin1');
  return Buffer.concat([head, icc]);
}
