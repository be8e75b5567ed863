/**
 * API keys: `strata_<id>_<secret>`. Only a SHA-256 of the whole key is stored, at
 * `api/keys/<id>.json` in the derived bucket, with its scopes and times; a presented key is looked
 * up by its id and compared in constant time. The key itself is shown once, at creation.
 */
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { hasCode, StrataError, type StorageGateway } from '@strata/core';
import { z } from 'zod';
import { API_KEYS_PREFIX, apiKeyRecordKey } from '../contracts/derivedKeys';

export const SCOPES = ['read', 'upload', 'admin'] as const;
export type Scope = (typeof SCOPES)[number];

const keyRecordSchema = z.object({
  id: z.string().regex(/^[0-9a-f]{16}$/),
  scopes: z.array(z.enum(SCOPES)).min(1),
  /** `sha256:<hex>` of the whole key string. */
  hash: z.string().regex(/^sha256:[0-9a-f]{64}$/),
  createdAt: z.string(),
  revokedAt: z.string().nullable(),
});

export type KeyRecord = z.infer<typeof keyRecordSchema>;
/** What listing shows: never the hash. */
export type KeySummary = Omit<KeyRecord, 'hash'>;

const KEY_PATTERN = /^strata_([0-9a-f]{16})_([A-Za-z0-9_-]{43})$/;

const keyPath = apiKeyRecordKey;

function digest(key: string): Buffer {
  return createHash('sha256').update(key, 'utf8').digest();
}

/** `admin` allows everything; otherwise the scope must be granted. */
export function allows(scopes: readonly Scope[], needed: Scope): boolean {
  return scopes.includes('admin') || scopes.includes(needed);
}

export function parseScopes(text: string): Scope[] {
  const scopes = [...new Set(text.split(',').map((s) => s.trim()).filter(Boolean))];
  const bad = scopes.filter((s) => !(SCOPES as readonly string[]).includes(s));
  if (scopes.length === 0 || bad.length) throw new StrataError('InvalidArgument', `scope must be ${SCOPES.join('|')} (comma-separated for several), got '${text}'`);
  return scopes as Scope[];
}

export async function createKey(gateway: StorageGateway, bucket: string, scopes: readonly Scope[], now = new Date()): Promise<{ id: string; key: string; scopes: Scope[] }> {
  const id = randomBytes(8).toString('hex');
  const key = `strata_${id}_${randomBytes(32).toString('base64url')}`;
  const record: KeyRecord = { id, scopes: [...scopes], hash: `sha256:${digest(key).toString('hex')}`, createdAt: now.toISOString(), revokedAt: null };
  await gateway.put({ bucket, key: keyPath(id) }, JSON.stringify(record), { contentType: 'application/json', ifNoneMatch: '*', skipIfUnchanged: false });
  return { id, key, scopes: record.scopes };
}

async function readRecord(gateway: StorageGateway, bucket: string, id: string): Promise<KeyRecord | null> {
  try {
    const { bytes } = await gateway.getBytes({ bucket, key: keyPath(id) });
    const parsed = keyRecordSchema.safeParse(JSON.parse(bytes.toString('utf8')));
    return parsed.success ? parsed.data : null;
  } catch (err) {
    if (hasCode(err, 'NoSuchKey')) return null;
    throw err;
  }
}

export async function listKeys(gateway: StorageGateway, bucket: string): Promise<KeySummary[]> {
  const out: KeySummary[] = [];
  for await (const entry of gateway.list(bucket, API_KEYS_PREFIX)) {
    const id = entry.key.slice(API_KEYS_PREFIX.length).replace(/\.json$/, '');
    const record = await readRecord(gateway, bucket, id);
    if (record) out.push({ id: record.id, scopes: record.scopes, createdAt: record.createdAt, revokedAt: record.revokedAt });
  }
  return out.sort((a, b) => a.createdAt.localeCompare(b.createdAt));
}

/** Marks the key revoked (kept for the audit trail). NotFound when there is no such key. */
export async function revokeKey(gateway: StorageGateway, bucket: string, id: string, now = new Date()): Promise<KeySummary> {
  const record = /^[0-9a-f]{16}$/.test(id) ? await readRecord(gateway, bucket, id) : null;
  if (!record) throw new StrataError('NotFound', `no API key with id ${id}`, { details: { exitCode: 4 } });
  const revoked: KeyRecord = { ...record, revokedAt: record.revokedAt ?? now.toISOString() };
  await gateway.put({ bucket, key: keyPath(id) }, JSON.stringify(revoked), { contentType: 'application/json', skipIfUnchanged: false });
  return { id: revoked.id, scopes: revoked.scopes, createdAt: revoked.createdAt, revokedAt: revoked.revokedAt };
}

export type KeyCheck = { readonly ok: true; readonly key: KeySummary } | { readonly ok: false; readonly reason: 'malformed' | 'unknown' | 'revoked' };

/** Checks a presented key: its record must exist, match in constant time, and not be revoked. */
export async function verifyKey(gateway: StorageGateway, bucket: string, presented: string): Promise<KeyCheck> {
  const m = KEY_PATTERN.exec(presented);
  if (!m) return { ok: false, reason: 'malformed' };
  const record = await readRecord(gateway, bucket, m[1]!);
  const expected = Buffer.from((record?.hash ?? `sha256:${'0'.repeat(64)}`).slice('sha256:'.length), 'hex');
  const same = timingSafeEqual(expected, digest(presented));
  if (!record || !same) return { ok: false, reason: 'unknown' };
  if (record.revokedAt) return { ok: false, reason: 'revoked' };
  return { ok: true, key: { id: record.id, scopes: record.scopes, createdAt: record.createdAt, revokedAt: null } };
}
