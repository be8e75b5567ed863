/**
 * The local server's users: the stack's key pair (the default user, owner of the stack's
 * buckets) plus any configured with `STRATA_S3_USERS` (a JSON array, validated once at start).
 * Each user has a canonical ID and display name, as S3 accounts do: buckets and objects are owned
 * by one, ACL grants name them.
 */
import { createHash } from 'node:crypto';
import { z } from 'zod';
import { ConfigError } from '@strata/core/errors';

export interface LocalS3User {
  readonly accessKey: string;
  readonly secretKey: string;
  /** Canonical user ID (ACL grants and `Owner` elements). */
  readonly id: string;
  readonly displayName: string;
  /** For `emailAddress` grantees. */
  readonly email?: string;
}

/** The default user's identity (what every `Owner` element showed before there were users). */
export const DEFAULT_USER_ID = '123456789000';
export const DEFAULT_DISPLAY_NAME = 'strata-local';

const userSchema = z
  .object({
    accessKey: z.string().min(1).regex(/^[^/\s]+$/, 'no spaces or slashes'),
    secretKey: z.string().min(1),
    id: z.string().min(1).optional(),
    displayName: z.string().min(1).optional(),
    email: z.string().min(3).optional(),
  })
  .strict();

/** `STRATA_S3_USERS`: `[{"accessKey":"…","secretKey":"…","id"?:"…","displayName"?:"…","email"?:"…"}, …]`. */
export const usersSettingSchema = z
  .string()
  .transform((text, ctx) => {
    try {
      return JSON.parse(text) as unknown;
    } catch {
      ctx.addIssue({ code: 'custom', message: 'must be a JSON array of {accessKey, secretKey, id?, displayName?, email?}' });
      return z.NEVER;
    }
  })
  .pipe(z.array(userSchema));

export type ConfiguredUser = z.infer<typeof userSchema>;

/** A configured user with its defaults filled in: the ID is derived from the access key when not given. */
function complete(user: ConfiguredUser): LocalS3User {
  return {
    accessKey: user.accessKey,
    secretKey: user.secretKey,
    id: user.id ?? createHash('sha256').update(`strata-user:${user.accessKey}`).digest('hex'),
    displayName: user.displayName ?? user.accessKey,
    ...(user.email ? { email: user.email } : {}),
  };
}

export class UserDirectory {
  private readonly byKey = new Map<string, LocalS3User>();
  private readonly ids = new Map<string, LocalS3User>();
  readonly defaultUser: LocalS3User;

  /** Throws on a repeated access key or ID (a setting error, found at start). */
  constructor(defaultUser: { accessKey: string; secretKey: string }, extra: readonly ConfiguredUser[] = []) {
    this.defaultUser = { ...defaultUser, id: DEFAULT_USER_ID, displayName: DEFAULT_DISPLAY_NAME };
    for (const user of [this.defaultUser, ...extra.map(complete)]) {
      if (this.byKey.has(user.accessKey)) throw new ConfigError(`local S3 users: access key ${user.accessKey} is configured twice`);
      if (this.ids.has(user.id)) throw new ConfigError(`local S3 users: user id ${user.id} is configured twice`);
      this.byKey.set(user.accessKey, user);
      this.ids.set(user.id, user);
    }
  }

  all(): LocalS3User[] {
    return [...this.byKey.values()];
  }

  byAccessKey(accessKey: string): LocalS3User | undefined {
    return this.byKey.get(accessKey);
  }

  byId(id: string): LocalS3User | undefined {
    return this.ids.get(id);
  }

  byEmail(email: string): LocalS3User | undefined {
    const wanted = email.toLowerCase();
    return this.all().find((u) => u.email?.toLowerCase() === wanted);
  }

  secretOf = (accessKey: string): string | undefined => this.byKey.get(accessKey)?.secretKey;
}

/** A user as an `Owner` / grantee (never its keys). */
export function ownerOf(user: Pick<LocalS3User, 'id' | 'displayName'>): { id: string; displayName: string } {
  return { id: user.id, displayName: user.displayName };
}
