/**
 * HLS playlists (pure): reading the per-run playlists ffmpeg writes, and writing the final
 * media and master playlists ourselves, from the measured segments, so BANDWIDTH is the real
 * peak, CODECS the real profile/level, and a job split over several invocations still gets
 * one playlist per rung. Every URI is relative: the outputs play from any prefix or CDN.
 */

export interface ListedSegment {
  readonly uri: string;
  readonly durationSeconds: number;
}

/** The segments an (EVENT or VOD) media playlist lists so far, and whether it has ended. */
export function parseMediaPlaylist(text: string): { segments: ListedSegment[]; ended: boolean } {
  const segments: ListedSegment[] = [];
  let pending: number | null = null;
  let ended = false;
  for (const raw of text.split(/\r?\n/)) {
    const line = raw.trim();
    if (!line) continue;
    if (line.startsWith('#EXTINF:')) {
      const d = Number.parseFloat(line.slice('#EXTINF:'.length));
      pending = Number.isFinite(d) ? d : null;
    } else if (line === '#EXT-X-ENDLIST') {
      ended = true;
    } else if (!line.startsWith('#') && pending !== null) {
      segments.push({ uri: line, durationSeconds: pending });
      pending = null;
    }
  }
  return { segments, ended };
}

export interface FinalSegment {
  readonly uri: string;
  readonly durationSeconds: number;
  /** A resume boundary: timestamps restart being continuous from here (EXT-X-DISCONTINUITY). */
  readonly discontinuity?: boolean;
}

export function writeMediaPlaylist(segments: readonly FinalSegment[]): string {
  const target = Math.max(1, ...segments.map((s) => Math.round(s.durationSeconds)));
  const lines = ['#EXTM3U', '#EXT-X-VERSION:3', `#EXT-X-TARGETDURATION:${target}`, '#EXT-X-MEDIA-SEQUENCE:0', '#EXT-X-PLAYLIST-TYPE:VOD'];
  for (const s of segments) {
    if (s.discontinuity) lines.push('#EXT-X-DISCONTINUITY');
    lines.push(`#EXTINF:${s.durationSeconds.toFixed(6)},`, s.uri);
  }
  lines.push('#EXT-X-ENDLIST', '');
  return lines.join('\n');
}

export interface VariantStream {
  readonly uri: string;
  /** Peak segment bitrate, bits/s. */
  readonly bandwidth: number;
  readonly averageBandwidth: number;
  readonly width: number;
  readonly height: number;
  readonly codecs: string;
  readonly frameRate: number;
}

/** A separate audio rendition every variant refers to (`AUDIO=` group). */
export interface AudioRendition {
  readonly groupId: string;
  readonly name: string;
  readonly uri: string;
  readonly channels: number;
}

export function writeMasterPlaylist(variants: readonly VariantStream[], audio: AudioRendition | null = null): string {
  const lines = ['#EXTM3U', '#EXT-X-VERSION:3', '#EXT-X-INDEPENDENT-SEGMENTS'];
  if (audio) {
    lines.push(`#EXT-X-MEDIA:TYPE=AUDIO,GROUP-ID="${audio.groupId}",NAME="${audio.name}",DEFAULT=YES,AUTOSELECT=YES,CHANNELS="${audio.channels}",URI="${audio.uri}"`);
  }
  for (const v of [...variants].sort((a, b) => a.bandwidth - b.bandwidth)) {
    lines.push(
      `#EXT-X-STREAM-INF:BANDWIDTH=${Math.ceil(v.bandwidth)},AVERAGE-BANDWIDTH=${Math.ceil(v.averageBandwidth)},RESOLUTION=${v.width}x${v.height},FRAME-RATE=${v.frameRate.toFixed(3)},CODECS="${v.codecs}"${audio ? `,AUDIO="${audio.groupId}"` : ''}`,
      v.uri,
    );
  }
  lines.push('');
  return lines.join('\n');
}

const PROFILE_IDC: Record<string, string> = {
  'Constrained Baseline': '42E0',
  Baseline: '4200',
  Main: '4D40',
  High: '6400',
  'High 10': '6E00',
};

/** RFC 6381 codec string for H.264 from ffprobe's profile name and level (31 → `avc1.64001f`). */
export function avcCodecString(profile: string | null, level: number | null): string {
  const pc = PROFILE_IDC[profile ?? ''] ?? '6400';
  const lv = level !== null && level > 0 ? level : 40;
  return `avc1.${pc}${lv.toString(16).padStart(2, '0')}`.toLowerCase();
}

const H264_PROFILES = new Set([66, 77, 88, 100, 110, 122, 244]);

/**
 * The RFC 6381 string read straight from the first SPS in an MPEG-TS segment (profile_idc,
 * constraint flags, level_idc follow the NAL header), or null when none is found. x264 repeats
 * the SPS before every keyframe and every segment starts with one.
 */
export function avcCodecFromSegment(bytes: Buffer): string | null {
  for (let i = bytes.indexOf(Buffer.from([0, 0, 1])); i >= 0 && i + 6 < bytes.length; i = bytes.indexOf(Buffer.from([0, 0, 1]), i + 3)) {
    const nal = bytes[i + 3]!;
    if ((nal & 0x1f) !== 7 || (nal & 0x80) !== 0) continue;
    const profile = bytes[i + 4]!;
    if (!H264_PROFILES.has(profile)) continue;
    const hex = (n: number) => n.toString(16).padStart(2, '0');
    return `avc1.${hex(profile)}${hex(bytes[i + 5]!)}${hex(bytes[i + 6]!)}`;
  }
  return null;
}

/** AAC-LC (what the native encoder writes). */
export const AAC_LC_CODEC = 'mp4a.40.2';

/**
 * Peak and average bitrate (bits/s) of a rung from its segments' sizes and durations. The peak
 * is over whole segments; a final segment shorter than half the target is left out of it (its
 * keyframe dominates a tiny duration), as players would otherwise shun the rung.
 */
export function measureBandwidth(segments: ReadonlyArray<{ bytes: number; durationSeconds: number }>, targetSeconds: number): { peak: number; average: number } {
  let peak = 0;
  let bytes = 0;
  let seconds = 0;
  segments.forEach((s, i) => {
    bytes += s.bytes;
    seconds += s.durationSeconds;
    const shortTail = i === segments.length - 1 && segments.length > 1 && s.durationSeconds < targetSeconds / 2;
    if (!shortTail && s.durationSeconds > 0) peak = Math.max(peak, (s.bytes * 8) / s.durationSeconds);
  });
  const average = seconds > 0 ? (bytes * 8) / seconds : 0;
  return { peak: Math.max(peak, average), average };
}
