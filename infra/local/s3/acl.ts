/**
 * Access control lists, as S3 has them: an owner and a list of grants (a canonical user or a
 * group — AllUsers, AuthenticatedUsers — and a permission). Built from a canned ACL
 * (`x-amz-acl`), from `x-amz-grant-*` headers or from an AccessControlPolicy document, rendered
 * back as that document, and asked whether a caller (a user, or null when anonymous) holds a
 * permission. Pure: resolving user IDs and e-mail addresses is the caller's `resolve`.
 */
import { s3Error } from './errors';
import { element, elements, malformedXml } from './xml';

export const PERMISSIONS = ['FULL_CONTROL', 'READ', 'WRITE', 'READ_ACP', 'WRITE_ACP'] as const;
export type Permission = (typeof PERMISSIONS)[number];

export const ALL_USERS = 'http://acs.amazonaws.com/groups/global/AllUsers';
export const AUTHENTICATED_USERS = 'http://acs.amazonaws.com/groups/global/AuthenticatedUsers';
const LOG_DELIVERY = 'http://acs.amazonaws.com/groups/s3/LogDelivery';
const GROUPS: ReadonlySet<string> = new Set([ALL_USERS, AUTHENTICATED_USERS, LOG_DELIVERY]);

export interface Owner {
  readonly id: string;
  readonly displayName: string;
}

export type Grantee = { readonly type: 'CanonicalUser'; readonly id: string; readonly displayName?: string } | { readonly type: 'Group'; readonly uri: string };

export interface Grant {
  readonly grantee: Grantee;
  readonly permission: Permission;
}

export interface Acl {
  readonly owner: Owner;
  readonly grants: readonly Grant[];
}

/** Finds a user by canonical ID or e-mail address (undefined = no such user). */
export interface UserResolver {
  byId(id: string): Owner | undefined;
  byEmail(email: string): Owner | undefined;
}

export const CANNED_ACLS = ['private', 'public-read', 'public-read-write', 'authenticated-read', 'bucket-owner-read', 'bucket-owner-full-control', 'log-delivery-write'] as const;

const userGrant = (owner: Owner, permission: Permission): Grant => ({ grantee: { type: 'CanonicalUser', id: owner.id, displayName: owner.displayName }, permission });
const groupGrant = (uri: string, permission: Permission): Grant => ({ grantee: { type: 'Group', uri }, permission });

export function privateAcl(owner: Owner): Acl {
  return { owner, grants: [userGrant(owner, 'FULL_CONTROL')] };
}

/**
 * A canned ACL for a resource `owner` owns; `bucketOwner` is the owner of the bucket an object
 * is written to (the `bucket-owner-*` ACLs grant it; for a bucket they are `private`).
 */
export function cannedAcl(name: string, owner: Owner, bucketOwner: Owner = owner): Acl {
  const grants: Grant[] = [userGrant(owner, 'FULL_CONTROL')];
  switch (name) {
    case 'private':
      break;
    case 'public-read':
      grants.push(groupGrant(ALL_USERS, 'READ'));
      break;
    case 'public-read-write':
      grants.push(groupGrant(ALL_USERS, 'READ'), groupGrant(ALL_USERS, 'WRITE'));
      break;
    case 'authenticated-read':
      grants.push(groupGrant(AUTHENTICATED_USERS, 'READ'));
      break;
    case 'bucket-owner-read':
      if (bucketOwner.id !== owner.id) grants.push(userGrant(bucketOwner, 'READ'));
      break;
    case 'bucket-owner-full-control':
      if (bucketOwner.id !== owner.id) grants.push(userGrant(bucketOwner, 'FULL_CONTROL'));
      break;
    case 'log-delivery-write':
      grants.push(groupGrant(LOG_DELIVERY, 'WRITE'), groupGrant(LOG_DELIVERY, 'READ_ACP'));
      break;
    default:
      throw s3Error('InvalidArgument', `Invalid canned ACL: ${name}`, { ArgumentName: 'x-amz-acl', ArgumentValue: name });
  }
  return { owner, grants };
}

const GRANT_HEADERS: ReadonlyArray<readonly [string, Permission]> = [
  ['x-amz-grant-full-control', 'FULL_CONTROL'],
  ['x-amz-grant-read', 'READ'],
  ['x-amz-grant-write', 'WRITE'],
  ['x-amz-grant-read-acp', 'READ_ACP'],
  ['x-amz-grant-write-acp', 'WRITE_ACP'],
];

function grantee(kind: string, value: string, resolve: UserResolver): Grantee {
  switch (kind.toLowerCase()) {
    case 'id': {
      const user = resolve.byId(value);
      if (!user) throw s3Error('InvalidArgument', 'Invalid id', { ArgumentName: 'CanonicalUser/ID', ArgumentValue: value });
      return { type: 'CanonicalUser', id: user.id, displayName: user.displayName };
    }
    case 'emailaddress': {
      const user = resolve.byEmail(value);
      if (!user) throw s3Error('UnresolvableGrantByEmailAddress', 'The e-mail address you provided does not match any account on record.', { EmailAddress: value }, 400);
      return { type: 'CanonicalUser', id: user.id, displayName: user.displayName };
    }
    case 'uri':
      if (!GROUPS.has(value)) throw s3Error('InvalidArgument', 'Invalid group uri', { ArgumentName: 'Group/URI', ArgumentValue: value });
      return { type: 'Group', uri: value };
    default:
      throw s3Error('InvalidArgument', `Invalid grantee type ${kind}`);
  }
}

/** `id="…", uri="…", emailAddress="…"` — comma-separated, values quoted or not. */
function parseGrantHeader(name: string, value: string, resolve: UserResolver): Grantee[] {
  const out: Grantee[] = [];
  const re = /\s*([A-Za-z]+)\s*=\s*(?:"([^"]*)"|([^,]*?))\s*(?:,|$)/gy;
  let consumed = 0;
  for (const m of value.matchAll(re)) {
    out.push(grantee(m[1]!, (m[2] ?? m[3] ?? '').trim(), resolve));
    consumed = (m.index ?? 0) + m[0].length;
    if (consumed >= value.length) break;
  }
  if (out.length === 0 || consumed < value.trimEnd().length) throw s3Error('InvalidArgument', `Invalid ${name} header`, { ArgumentName: name, ArgumentValue: value });
  return out;
}

/**
 * The ACL a request asks for through `x-amz-acl` or `x-amz-grant-*` (undefined when it names
 * none). Both at once is refused, as S3 does.
 */
export function aclFromHeaders(headers: Readonly<Record<string, unknown>>, owner: Owner, bucketOwner: Owner, resolve: UserResolver): Acl | undefined {
  const canned = headers['x-amz-acl'];
  const granted = GRANT_HEADERS.filter(([name]) => typeof headers[name] === 'string');
  if (typeof canned === 'string' && granted.length > 0) throw s3Error('InvalidRequest', 'Specifying both Canned ACLs and Header Grants is not allowed');
  if (typeof canned === 'string') return cannedAcl(canned, owner, bucketOwner);
  if (granted.length === 0) return undefined;
  const grants: Grant[] = [];
  for (const [name, permission] of granted) {
    for (const g of parseGrantHeader(name, headers[name] as string, resolve)) grants.push({ grantee: g, permission });
  }
  return { owner, grants };
}

/** Parses an AccessControlPolicy document; its Owner, when given, must be the resource's owner. */
export function aclFromXml(xml: string, owner: Owner, resolve: UserResolver): Acl {
  if (!/<(?:\w+:)?AccessControlPolicy[\s>]/.test(xml)) throw malformedXml();
  const ownerXml = elements(xml, 'Owner')[0];
  if (ownerXml !== undefined) {
    const id = element(ownerXml, 'ID');
    if (id === undefined) throw malformedXml();
    if (id !== owner.id) throw s3Error('AccessDenied', 'Access Denied: the ACL names another owner.');
  }
  const grants: Grant[] = [];
  for (const grantXml of elements(xml, 'Grant')) {
    const m = /<(?:\w+:)?Grantee(\s[^>]*)?>([\s\S]*?)<\/(?:\w+:)?Grantee>/.exec(grantXml);
    const permission = element(grantXml, 'Permission') as Permission | undefined;
    if (!m || !permission || !PERMISSIONS.includes(permission)) throw malformedXml();
    const type = /(?:\w+:)?type\s*=\s*"([^"]*)"/.exec(m[1] ?? '')?.[1];
    const body = m[2] ?? '';
    const value = (tag: string) => {
      const v = element(body, tag);
      if (v === undefined) throw malformedXml();
      return v;
    };
    switch (type) {
      case 'CanonicalUser':
        grants.push({ grantee: grantee('id', value('ID'), resolve), permission });
        break;
      case 'Group':
        grants.push({ grantee: grantee('uri', value('URI'), resolve), permission });
        break;
      case 'AmazonCustomerByEmail':
        grants.push({ grantee: grantee('emailAddress', value('EmailAddress'), resolve), permission });
        break;
      default:
        throw malformedXml();
    }
  }
  return { owner, grants };
}

const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

export function aclXml(acl: Acl): string {
  const grants = acl.grants
    .map((g) => {
      const who =
        g.grantee.type === 'CanonicalUser'
          ? `<Grantee xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xsi:type="CanonicalUser"><ID>${esc(g.grantee.id)}</ID>${g.grantee.displayName !== undefined ? `<DisplayName>${esc(g.grantee.displayName)}</DisplayName>` : ''}</Grantee>`
          : `<Grantee xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xsi:type="Group"><URI>${esc(g.grantee.uri)}</URI></Grantee>`;
      return `<Grant>${who}<Permission>${g.permission}</Permission></Grant>`;
    })
    .join('');
  return (
    '<?xml version="1.0" encoding="UTF-8"?>\n' +
    `<AccessControlPolicy xmlns="http://s3.amazonaws.com/doc/2006-03-01/"><Owner><ID>${esc(acl.owner.id)}</ID><DisplayName>${esc(acl.owner.displayName)}</DisplayName></Owner>` +
    `<AccessControlList>${grants}</AccessControlList></AccessControlPolicy>`
  );
}

/**
 * Whether `caller` (null = anonymous) holds `permission` under `acl`. The owner always holds
 * READ_ACP and WRITE_ACP (S3 never locks an owner out of its own ACL); everything else comes
 * from grants, FULL_CONTROL implying each permission.
 */
export function allows(acl: Acl, caller: { readonly id: string } | null, permission: Permission): boolean {
  if (caller && caller.id === acl.owner.id && (permission === 'READ_ACP' || permission === 'WRITE_ACP')) return true;
  return acl.grants.some((g) => {
    if (g.permission !== permission && g.permission !== 'FULL_CONTROL') return false;
    if (g.grantee.type === 'Group') return g.grantee.uri === ALL_USERS || (g.grantee.uri === AUTHENTICATED_USERS && caller !== null);
    return caller !== null && g.grantee.id === caller.id;
  });
}

