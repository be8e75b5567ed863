/** Listing with pagination (ListObjectsV2), classes in Strata's names. */
import { ListObjectsV2Command } from '@aws-sdk/client-s3';
import type { GatewayContext } from './context';
import { unquote } from './objectInfo';
import { strataClass } from './profiles';
import { translate } from './translateError';
import type { ListEntry } from './types';

export async function* listObjects(ctx: GatewayContext, bucket: string, prefix?: string): AsyncGenerator<ListEntry> {
  let token: string | undefined;
  do {
    let out;
    try {
      out = await ctx.client.send(new ListObjectsV2Command({ Bucket: ctx.physical(bucket), Prefix: prefix, ContinuationToken: token }));
    } catch (err) {
      return translate(err, { bucket });
    }
    for (const o of out.Contents ?? []) {
      yield { key: o.Key ?? '', size: o.Size ?? 0, etag: unquote(o.ETag), lastModified: o.LastModified ?? null, storageClass: strataClass(ctx.profile, o.StorageClass) };
    }
    token = out.IsTruncated ? out.NextContinuationToken : undefined;
  } while (token);
}

/** One page of a listing, in key order, after `startAfter`; `more` when keys follow the page. */
export async function listPageOf(ctx: GatewayContext, bucket: string, options: { prefix?: string; startAfter?: string; maxKeys: number }): Promise<{ entries: ListEntry[]; more: boolean }> {
  let out;
  try {
    out = await ctx.client.send(
      new ListObjectsV2Command({ Bucket: ctx.physical(bucket), Prefix: options.prefix, StartAfter: options.startAfter || undefined, MaxKeys: options.maxKeys }),
    );
  } catch (err) {
    return translate(err, { bucket });
  }
  const entries = (out.Contents ?? []).map((o) => ({ key: o.Key ?? '', size: o.Size ?? 0, etag: unquote(o.ETag), lastModified: o.LastModified ?? null, storageClass: strataClass(ctx.profile, o.StorageClass) }));
  return { entries, more: Boolean(out.IsTruncated) };
}
