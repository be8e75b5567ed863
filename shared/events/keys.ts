/**
 * Object keys as each provider sends them → the real key.
 * S3, EventBridge, MinIO and RustFS form-encode keys (`+` = space, `%XX` = byte; MinIO and RustFS
 * also encode `/` as `%2F`), Ceph RGW and s3rver send raw keys, COS sends `/appid/bucket/key`.
 */
import { invalidEvent } from './invalid';

/** Form-decodes a key: `+` → space, then percent-decoding as UTF-8. Throws InvalidEvent on bad `%`. */
export function decodeFormKey(encoded: string, where: string): string {
  try {
    return decodeURIComponent(encoded.replace(/\+/g, ' '));
  } catch (err) {
    throw invalidEvent(`${where}: invalid percent-encoding in object key`, err);
  }
}

/**
 * Strips COS's `/<appid>/<bucket>/` prefix from `cosObject.key` and says which appid it carried.
 * Only that one leading prefix is removed, so keys that themselves contain the bucket name or the
 * appid keep them. The appid in the key wins over a placeholder in `cosBucket.appid` (console test
 * templates: any digits are accepted there when `appid` is not digits). A key that does not start
 * with `/<digits>/` (hand-written test events) is the key itself, less one leading `/`; one that
 * does but names another bucket or appid is refused: it is not this bucket's event.
 */
export function stripCosPrefix(rawKey: string, appid: string, bucketNames: readonly string[], where: string): { key: string; appid: string } {
  const keyAppid = /^\/(\d+)\//.exec(rawKey)?.[1];
  const placeholder = !/^\d+$/.test(appid);
  if (keyAppid === undefined) return { key: rawKey.startsWith('/') ? rawKey.slice(1) : rawKey, appid };
  for (const bucket of bucketNames) {
    const prefix = `/${keyAppid}/${bucket}/`;
    if ((keyAppid === appid || placeholder) && rawKey.startsWith(prefix)) return { key: rawKey.slice(prefix.length), appid: keyAppid };
  }
  throw invalidEvent(`${where}: expected the key to start with ${JSON.stringify(`/${placeholder ? keyAppid : appid}/${bucketNames[0] ?? ''}/`)}`);
}

/** S3's limit on a key: 1,024 bytes of UTF-8. */
export const MAX_KEY_BYTES = 1024;

/** A lone UTF-16 surrogate: no UTF-8 form, so no storage key can contain it. */
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/** Every canonical key is a key S3 could hold: non-empty, at most 1,024 bytes of UTF-8, valid Unicode. */
export function requireKey(key: string, where: string): string {
  if (key === '') throw invalidEvent(`${where}: object key must not be empty`);
  if (LONE_SURROGATE.test(key)) throw invalidEvent(`${where}: object key contains an unpaired UTF-16 surrogate (not valid Unicode)`);
  const bytes = Buffer.byteLength(key, 'utf8');
  if (bytes > MAX_KEY_BYTES) throw invalidEvent(`${where}: object key is ${bytes} bytes of UTF-8, over S3's limit of ${MAX_KEY_BYTES}`);
  return key;
}
