/**
 * Archive restore: `POST ?restore` for objects in an archive class, and their status from HEAD
 * (`x-amz-restore` / `x-cos-restore`). A restore makes a temporary readable copy for `days`.
 */
import { RestoreObjectCommand } from '@aws-sdk/client-s3';
import { StrataError } from '../errors';
import type { GatewayContext } from './context';
import { headRaw } from './read';
import { toStrataError } from './translateError';
import type { ObjectRef, RestoreStatus } from './types';

export interface RestoreOptions {
  /** How long the restored copy stays readable (default 1). */
  readonly days?: number;
  /** Default `Standard`; COS ARCHIVE also offers `Expedited` (1–5 min), DEEP_ARCHIVE does not. */
  readonly tier?: 'Expedited' | 'Standard' | 'Bulk';
}

export async function restoreStatus(ctx: GatewayContext, ref: ObjectRef): Promise<RestoreStatus> {
  const info = await headRaw(ctx, ref);
  if (!info) throw new StrataError('NoSuchKey', `s3://${ref.bucket}/${ref.key}: no such object`);
  return info.restore ?? { state: 'none', expiresAt: null };
}

/** Starts a restore (or finds one running) and returns the status after the request. */
export async function restoreObject(ctx: GatewayContext, ref: ObjectRef, options: RestoreOptions = {}): Promise<RestoreStatus> {
  const before = await restoreStatus(ctx, ref);
  if (before.state === 'none') {
    throw new StrataError('InvalidArgument', `s3://${ref.bucket}/${ref.key} is not in an archive class: nothing to restore`);
  }
  if (before.state === 'in-progress') return before;
  const command = new RestoreObjectCommand({
    Bucket: ctx.physical(ref.bucket),
    Key: ref.key,
    RestoreRequest: { Days: options.days ?? 1, GlacierJobParameters: { Tier: options.tier ?? 'Standard' } },
  });
  if (ctx.profile.name === 'cos') {
    // COS names the tier element CASJobParameters; the SDK knows only S3's GlacierJobParameters.
    command.middlewareStack.add(
      (next) => async (args) => {
        const req = (args as { request: { body?: unknown } }).request;
        if (typeof req.body === 'string') req.body = req.body.replace(/GlacierJobParameters/g, 'CASJobParameters');
        return next(args);
      },
      { step: 'build', name: 'cosRestoreBody' },
    );
  }
  try {
    await ctx.client.send(command);
  } catch (err) {
    const e = toStrataError(err, ref);
    if (e.code !== 'RestoreInProgress') throw e;
  }
  return restoreStatus(ctx, ref);
}
