/**
 * Poster choice, thumbnail sprite and its WebVTT index, from the low-rate tiles the ladder pass
 * produced from the same decode (no extra decode to look at the whole video).
 *
 * Poster: every tile is a candidate; black, white and flat frames (fades, slates, empty
 * scenes) are rejected, and among the rest the most detailed one (entropy and contrast from
 * sharp's stats) wins, with a mild preference for the first third of the video (what users
 * expect to see) and against the very first and last tiles (fade-in, end credits).
 */
import sharp from 'sharp';

export interface Tile {
  readonly index: number;
  readonly timeSeconds: number;
  readonly path: string;
}

export interface TileScore {
  readonly tile: Tile;
  readonly luma: number;
  readonly contrast: number;
  readonly entropy: number;
  readonly rejected: 'black' | 'white' | 'flat' | null;
  readonly score: number;
}

const BLACK_LUMA = 24;
const WHITE_LUMA = 235;
const FLAT_CONTRAST = 12;

export async function scoreTile(tile: Tile, position: number, isEdge: boolean): Promise<TileScore> {
  const stats = await sharp(tile.path).stats();
  const [r, g, b] = stats.channels;
  const luma = 0.299 * (r?.mean ?? 0) + 0.587 * (g?.mean ?? 0) + 0.114 * (b?.mean ?? 0);
  const contrast = 0.299 * (r?.stdev ?? 0) + 0.587 * (g?.stdev ?? 0) + 0.114 * (b?.stdev ?? 0);
  const rejected = luma < BLACK_LUMA ? 'black' : luma > WHITE_LUMA ? 'white' : contrast < FLAT_CONTRAST ? 'flat' : null;
  const placement = 1 - 0.3 * Math.min(1, Math.abs(position - 0.33) / 0.67) - (isEdge ? 0.15 : 0);
  const score = (stats.entropy + contrast / 32) * placement;
  return { tile, luma, contrast, entropy: stats.entropy, rejected, score };
}

/** The poster frame's time; `flat` when every candidate was black/white/flat (the best of them is used). */
export async function choosePoster(tiles: readonly Tile[], durationSeconds: number): Promise<{ timeSeconds: number; scores: TileScore[]; flat: boolean }> {
  if (tiles.length === 0) return { timeSeconds: 0, scores: [], flat: true };
  const scores: TileScore[] = [];
  for (const [i, tile] of tiles.entries()) {
    scores.push(await scoreTile(tile, durationSeconds > 0 ? tile.timeSeconds / durationSeconds : 0, tiles.length > 2 && (i === 0 || i === tiles.length - 1)));
  }
  const usable = scores.filter((s) => !s.rejected);
  const pool = usable.length > 0 ? usable : scores;
  const best = pool.reduce((a, b) => (b.score > a.score ? b : a));
  return { timeSeconds: best.tile.timeSeconds, scores, flat: usable.length === 0 };
}

export interface SpriteLayout {
  readonly columns: number;
  readonly rows: number;
  readonly tileWidth: number;
  readonly tileHeight: number;
}

export function spriteLayout(count: number, tileWidth: number, tileHeight: number): SpriteLayout {
  const columns = Math.max(1, Math.min(10, count));
  return { columns, rows: Math.max(1, Math.ceil(count / columns)), tileWidth, tileHeight };
}

/** One JPEG with every tile on a grid, left to right, top to bottom. */
export async function buildSprite(tiles: readonly Tile[], layout: SpriteLayout): Promise<Buffer> {
  const { columns, rows, tileWidth, tileHeight } = layout;
  const composites = await Promise.all(
    tiles.map(async (t, i) => ({
      // Tiles are already this size; resize guards against an off-by-one from the encoder.
      input: await sharp(t.path).resize(tileWidth, tileHeight, { fit: 'fill' }).toBuffer(),
      left: (i % columns) * tileWidth,
      top: Math.floor(i / columns) * tileHeight,
    })),
  );
  return sharp({ create: { width: columns * tileWidth, height: rows * tileHeight, channels: 3, background: { r: 0, g: 0, b: 0 } } })
    .composite(composites)
    .jpeg({ quality: 70, mozjpeg: false })
    .toBuffer();
}

function vttTime(seconds: number): string {
  const ms = Math.max(0, Math.round(seconds * 1000));
  const h = Math.floor(ms / 3_600_000);
  const m = Math.floor((ms % 3_600_000) / 60_000);
  const s = Math.floor((ms % 60_000) / 1000);
  return `${String(h).padStart(2, '0')}:${String(m).padStart(2, '0')}:${String(s).padStart(2, '0')}.${String(ms % 1000).padStart(3, '0')}`;
}

/** WebVTT thumbnail track: one cue per tile, `sprite.jpg#xywh=x,y,w,h` (a relative URI). */
export function spriteVtt(tiles: readonly Tile[], layout: SpriteLayout, durationSeconds: number, spriteName = 'sprite.jpg'): string {
  const lines = ['WEBVTT', ''];
  tiles.forEach((t, i) => {
    const start = t.timeSeconds;
    const end = Math.max(start + 0.001, Math.min(durationSeconds, tiles[i + 1]?.timeSeconds ?? durationSeconds));
    const x = (i % layout.columns) * layout.tileWidth;
    const y = Math.floor(i / layout.columns) * layout.tileHeight;
    lines.push(`${vttTime(start)} --> ${vttTime(end)}`, `${spriteName}#xywh=${x},${y},${layout.tileWidth},${layout.tileHeight}`, '');
  });
  return lines.join('\n');
}
