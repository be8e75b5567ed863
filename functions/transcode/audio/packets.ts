/**
 * Encoded audio at the packet level (pure, no I/O): ADTS frames (AAC) and Ogg Opus pages, so the
 * parts of a split audio file can be cut on packet boundaries and joined without re-encoding.
 */

/** The AAC frames of an ADTS stream, in order (each with its own 7- or 9-byte header). */
export function adtsFrames(bytes: Buffer): Buffer[] {
  const frames: Buffer[] = [];
  let at = 0;
  while (at < bytes.length) {
    if (at + 7 > bytes.length || bytes[at] !== 0xff || (bytes[at + 1]! & 0xf0) !== 0xf0) {
      throw new Error(`not an ADTS frame at byte ${at} of ${bytes.length}`);
    }
    const length = ((bytes[at + 3]! & 0x03) << 11) | (bytes[at + 4]! << 3) | (bytes[at + 5]! >> 5);
    if (length < 7 || at + length > bytes.length) throw new Error(`ADTS frame at byte ${at} is cut short (${length} bytes announced)`);
    frames.push(bytes.subarray(at, at + length));
    at += length;
  }
  return frames;
}

/** An Ogg Opus stream's packets: the two header packets, then the audio packets with the last page's granule position. */
export interface OggOpus {
  readonly head: Buffer;
  readonly tags: Buffer;
  readonly packets: Buffer[];
  /** Granule position of the last page: pre-skip + the samples (48 kHz) the stream decodes to. */
  readonly finalGranule: bigint;
}

/** Reads a single-stream Ogg Opus file (as ffmpeg's ogg muxer writes it). */
export function readOggOpus(bytes: Buffer): OggOpus {
  const packets: Buffer[] = [];
  let partial: Buffer[] = [];
  let finalGranule = 0n;
  let at = 0;
  while (at < bytes.length) {
    if (bytes.toString('latin1', at, at + 4) !== 'OggS') throw new Error(`no Ogg page at byte ${at}`);
    const granule = bytes.readBigInt64LE(at + 6);
    const count = bytes[at + 26]!;
    const table = bytes.subarray(at + 27, at + 27 + count);
    let body = at + 27 + count;
    for (const lacing of table) {
      partial.push(bytes.subarray(body, body + lacing));
      body += lacing;
      if (lacing < 255) {
        packets.push(Buffer.concat(partial));
        partial = [];
      }
    }
    if (granule >= 0n) finalGranule = granule;
    at = body;
  }
  if (packets.length < 2 || packets[0]!.toString('latin1', 0, 8) !== 'OpusHead') throw new Error('not an Ogg Opus stream');
  return { head: packets[0]!, tags: packets[1]!, packets: packets.slice(2), finalGranule };
}

/** Pre-skip (48 kHz samples) from an OpusHead packet. */
export function opusPreSkip(head: Buffer): number {
  return head.readUInt16LE(10);
}

const OGG_CRC = (() => {
  const table = new Uint32Array(256);
  for (let i = 0; i < 256; i++) {
    let r = i << 24;
    for (let b = 0; b < 8; b++) r = r & 0x80000000 ? (r << 1) ^ 0x04c11db7 : r << 1;
    table[i] = r >>> 0;
  }
  return table;
})();

function oggCrc(page: Buffer): number {
  let crc = 0;
  for (const byte of page) crc = ((crc << 8) ^ OGG_CRC[((crc >>> 24) ^ byte) & 0xff]!) >>> 0;
  return crc;
}

function oggPage(o: { serial: number; sequence: number; granule: bigint; flags: number; packets: readonly Buffer[] }): Buffer {
  const lacing: number[] = [];
  for (const p of o.packets) {
    for (let left = p.length; ; left -= 255) {
      lacing.push(Math.min(255, left));
      if (left < 255) break;
    }
  }
  const header = Buffer.alloc(27 + lacing.length);
  header.write('OggS', 0, 'latin1');
  header[5] = o.flags;
  header.writeBigInt64LE(o.granule, 6);
  header.writeUInt32LE(o.serial >>> 0, 14);
  header.writeUInt32LE(o.sequence, 18);
  header[26] = lacing.length;
  Buffer.from(lacing).copy(header, 27);
  const page = Buffer.concat([header, ...o.packets]);
  page.writeUInt32LE(oggCrc(page), 22);
  return page;
}

/**
 * Writes one Ogg Opus stream from header packets and audio packets of `samplesPerPacket` samples
 * each; the last page's granule position ends the stream at exactly `totalSamples` (RFC 7845 end
 * trimming). Pages hold at most 50 packets (~1 s at 20 ms), so a player can seek.
 */
export function writeOggOpus(o: { head: Buffer; tags: Buffer; packets: readonly Buffer[]; samplesPerPacket: number; totalSamples: number; serial: number }): Buffer {
  const preSkip = BigInt(opusPreSkip(o.head));
  const pages: Buffer[] = [];
  let sequence = 0;
  pages.push(oggPage({ serial: o.serial, sequence: sequence++, granule: 0n, flags: 0x02, packets: [o.head] }));
  pages.push(oggPage({ serial: o.serial, sequence: sequence++, granule: 0n, flags: 0, packets: [o.tags] }));
  const PER_PAGE = 50;
  for (let i = 0; i < o.packets.length; i += PER_PAGE) {
    const slice = o.packets.slice(i, i + PER_PAGE);
    const last = i + PER_PAGE >= o.packets.length;
    // A page's granule counts every sample its packets decode to, pre-skip included; the last one trims the end.
    const granule = last ? preSkip + BigInt(o.totalSamples) : BigInt((i + slice.length) * o.samplesPerPacket);
    pages.push(oggPage({ serial: o.serial, sequence: sequence++, granule, flags: last ? 0x04 : 0, packets: slice }));
  }
  return Buffer.concat(pages);
}
