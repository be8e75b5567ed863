import { createHash } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { join } from 'node:path';
import { Transform, type Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { StrataError, hasCode, profileFor, type ObjectRef, type StorageGateway } from '@strata/core';
import { outputKey, recordKey, type CardOutput, type TranscodeJob } from '../../shared/contracts';
import type { Config } from '../../shared/config';
import type { Logger } from '../../shared/log';
import type { OutputSpec, ProcessorContext } from './types';

export const IMMUTABLE = 'public, max-age=31536000, immutable';

/** Fails the stream at its end when the bytes are not the job's (the object was replaced meanwhile). */
function expectSha256(expected: string, where: string): Transform {
  const hash = createHash('sha256');
  return new Transform({
    transform(chunk: Buffer, _e, done) {
      hash.update(chunk);
      done(null, chunk);
    },
    flush(done) {
      const actual = hash.digest('hex');
      done(actual === expected ? null : new StrataError('SourceChanged', `${where} changed since the job was queued (sha256 ${actual}, job ${expected})`));
    },
  });
}

async function sha256OfFile(path: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

function cardOutput(spec: OutputSpec, key: string, bytes: number, sha256: string, bucket: string): CardOutput {
  return {
    kind: spec.kind,
    bucket,
    key,
    contentType: spec.contentType,
    bytes,
    checksum: { sha256 },
    recipe: { name: spec.recipe.name, version: spec.recipe.version },
    ...(spec.extra ?? {}),
  };
}

export interface JobContext extends ProcessorContext {
  /** Keys this job created (not those it found already present), for rollback. */
  readonly written: readonly string[];
}

export function createJobContext(deps: {
  job: TranscodeJob;
  config: Config;
  gateway: StorageGateway;
  log: Logger;
  tmpDir: string;
  deadlineMs: number;
  handOff?: (job: TranscodeJob) => Promise<void>;
}): JobContext {
  const { job, config, gateway, tmpDir } = deps;
  const source: ObjectRef = { bucket: job.source.bucket, key: job.source.key };
  const where = `s3://${source.bucket}/${source.key}`;
  const derived = config.buckets.derived;
  const written: string[] = [];
  const conditionalWrites = profileFor(config.storage.provider).conditionalWrites;

  const openSource = async (): Promise<Readable> => {
    const { body } = await gateway.get(source);
    const checked = body.pipe(expectSha256(job.source.sha256, where));
    body.on('error', (e) => checked.destroy(e));
    return checked;
  };

  return {
    ...deps,
    written,
    openSource,
    async readSource() {
      const chunks: Buffer[] = [];
      for await (const chunk of await openSource()) chunks.push(chunk as Buffer);
      return Buffer.concat(chunks);
    },
    async downloadSource() {
      const file = join(tmpDir, 'source');
      await pipeline(await openSource(), createWriteStream(file));
      return file;
    },
    async writeOutput(spec: OutputSpec): Promise<CardOutput> {
      const key = outputKey(job.source.sha256, spec.recipe, spec.name);
      const isFile = !Buffer.isBuffer(spec.body);
      const filePath = isFile ? (spec.body as { path: string }).path : null;
      const sha256 = filePath ? await sha256OfFile(filePath) : createHash('sha256').update(spec.body as Buffer).digest('hex');
      const bytes = filePath ? (await stat(filePath)).size : (spec.body as Buffer).length;
      const ref = { bucket: derived, key };
      const options = {
        contentType: spec.contentType,
        cacheControl: spec.cacheControl ?? IMMUTABLE,
        metadata: { 'strata-source-sha256': job.source.sha256, 'strata-recipe': `${spec.recipe.name}@${spec.recipe.version}` },
        // Known up front: large outputs then upload in one pass, without spooling.
        sha256,
        size: bytes,
        // Looked at (below) or guarded by If-None-Match: the gateway need not HEAD again.
        skipIfUnchanged: false,
      };
      const put = (extra: { ifNoneMatch?: '*' } = {}) =>
        filePath ? gateway.putFile(ref, filePath, { ...options, ...extra }) : gateway.put(ref, spec.body as Buffer, { ...options, ...extra });
      // Where the store has conditional writes, one PUT that only creates (If-None-Match: *) stands
      // for the HEAD that looks for a published output and the PUT: the usual case, a new output,
      // costs one round trip. Only a key that is already there is looked at.
      if (conditionalWrites) {
        try {
          await put({ ifNoneMatch: '*' });
          written.push(key);
          return cardOutput(spec, key, bytes, sha256, derived);
        } catch (err) {
          if (!hasCode(err, 'PreconditionFailed')) throw err;
        }
      }
      const existing = await gateway.head(ref);
      const published = existing?.checksum.sha256;
      if (published && published !== sha256) {
        // Output URLs are immutable (CDNs cache them forever): the bytes first published under a
        // key stay. Different bytes for the same source and recipe version mean the encoder changed
        // (a library upgrade, another CPU count): bump the recipe version to publish new ones.
        deps.log.warn({ key, published, produced: sha256 }, 'output differs from the one already published under its key; keeping the published one');
        return cardOutput(spec, key, existing.size, published, derived);
      }
      if (!published) {
        await put();
        if (!existing) written.push(key);
      }
      return cardOutput(spec, key, bytes, sha256, derived);
    },
    async writeRecord(record: unknown) {
      await gateway.put({ bucket: derived, key: recordKey(source) }, JSON.stringify(record, null, 2), {
        contentType: 'application/json',
        cacheControl: 'no-store',
        // A record carries its processing time, so it is never unchanged: no HEAD looking for identical bytes.
        skipIfUnchanged: false,
      });
    },
  };
}
