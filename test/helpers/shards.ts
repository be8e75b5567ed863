/** Raw access to shard objects for tests: read, corrupt, delete and restore them around the gateway. */
import { DeleteObjectCommand, GetObjectCommand, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { createS3Client } from '@strata/core';
import type { LocalS3Fixture } from './localS3';
import { TEST_KEYS } from './localS3';

export function rawClient(s3: LocalS3Fixture): S3Client {
  return createS3Client({ endpoint: s3.server.endpoint, region: 'us-east-1', credentials: { accessKeyId: TEST_KEYS.accessKey, secretAccessKey: TEST_KEYS.secretKey } });
}

export interface ObjRef {
  readonly bucket: string;
  readonly key: string;
}

export async function readRaw(client: S3Client, ref: ObjRef): Promise<{ bytes: Buffer; metadata: Record<string, string> }> {
  const out = await client.send(new GetObjectCommand({ Bucket: ref.bucket, Key: ref.key }));
  return { bytes: Buffer.from(await out.Body!.transformToByteArray()), metadata: out.Metadata ?? {} };
}

export async function writeRaw(client: S3Client, ref: ObjRef, bytes: Buffer, metadata: Record<string, string> = {}): Promise<void> {
  await client.send(new PutObjectCommand({ Bucket: ref.bucket, Key: ref.key, Body: bytes, Metadata: metadata }));
}

export async function deleteRaw(client: S3Client, ref: ObjRef): Promise<void> {
  await client.send(new DeleteObjectCommand({ Bucket: ref.bucket, Key: ref.key }));
}

/** Flips byte `offset` of a stored object in place (bit rot at rest). */
export async function flipByte(client: S3Client, ref: ObjRef, offset: number): Promise<void> {
  const { bytes, metadata } = await readRaw(client, ref);
  bytes[offset] = bytes[offset]! ^ 0x5a;
  await writeRaw(client, ref, bytes, metadata);
}

/** Deterministic PRNG (mulberry32) so failures reproduce. */
export function seeded(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** `count` distinct indices from [0, n), drawn with `random`. */
export function pick(random: () => number, n: number, count: number): number[] {
  const all = Array.from({ length: n }, (_, i) => i);
  for (let i = n - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [all[i], all[j]] = [all[j]!, all[i]!];
  }
  return all.slice(0, count).sort((a, b) => a - b);
}
