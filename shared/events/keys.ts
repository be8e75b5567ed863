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
 * Strips COS's `/<appid>/<bucket>/` prefix from `cosObject.key`. Only that exact leading prefix is
 * removed, so keys that themselves contain the bucket name or the appid keep them.
 */
export function stripCosPrefix(rawKey: string, appid: string, bucketNames: readonly string[], where: string): string {
  for (const bucket of bucketNames) {
    const prefix = `/${appid}/${bucket}/`;
    if (rawKey.startsWith(prefix)) return rawKey.slice(prefix.length);
  }
  throw invalidEvent(`${where}: expected the key to start with ${JSON.stringify(`/${appid}/${bucketNames[0] ?? ''}/`)}`);
}

/** Every canonical key is non-empty. */
export function requireKey(key: string, where: string): string {
  if (key === '') throw invalidEvent(`${where}: object key must not be empty`);
  return key;
}
