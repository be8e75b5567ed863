/** The request fields shared by PutObject and CreateMultipartUpload: type, class, metadata, SSE, tags. */
import { providerClass } from './profiles';
import { sseWriteFields, type SseWriteFields } from './sse';
import type { GatewayContext } from './context';
import type { PutOptions } from './types';

export interface CommonWriteFields extends SseWriteFields {
  ContentType?: string;
  CacheControl?: string;
  StorageClass?: never;
  Metadata: Record<string, string>;
  Tagging?: string;
}

export function tagString(tags: Readonly<Record<string, string>> | undefined): string | undefined {
  return tags && Object.keys(tags).length > 0 ? new URLSearchParams(tags as Record<string, string>).toString() : undefined;
}

/** Fields for a write of content described by `recorded` (the gateway's own metadata). */
export function commonWriteFields(ctx: GatewayContext, options: PutOptions, recorded: Record<string, string>): CommonWriteFields {
  const fields: CommonWriteFields = {
    Metadata: { ...(options.metadata ?? {}), ...recorded },
    ...sseWriteFields(ctx.profile, options.sse),
  };
  if (options.contentType) fields.ContentType = options.contentType;
  if (options.cacheControl) fields.CacheControl = options.cacheControl;
  // The SDK's type lists S3's names only; COS's ARCHIVE is a valid value there.
  if (options.storageClass) fields.StorageClass = providerClass(ctx.profile, options.storageClass) as never;
  const tagging = tagString(options.tags);
  if (tagging) fields.Tagging = tagging;
  return fields;
}
