/**
 * SigV4 request authentication for the front handler (s3rver checks the access key only).
 * Header auth and presigned query auth; the payload hash is returned so the body pipeline can
 * verify it (hex), decode aws-chunked bodies (STREAMING-*) or skip it (UNSIGNED-PAYLOAD).
 * Signature Version 2 is refused, as S3 does in every region opened since 2014.
 */
import type { IncomingMessage } from 'node:http';
import { s3Error } from './errors';
import {
  ALGORITHM,
  canonicalHeaders,
  canonicalQuery,
  canonicalRequest,
  canonicalUris,
  parseAmzDate,
  sign,
  signaturesEqual,
  signingKey,
  stringToSign,
} from './sigv4';

/** What a later stage needs to verify chunk and trailer signatures. */
export interface SigningContext {
  readonly key: Buffer;
  readonly timestamp: string;
  readonly scope: string;
  readonly seedSignature: string;
}

export interface Authenticated {
  readonly accessKey: string;
  /** The signed payload hash: 64 hex chars, `UNSIGNED-PAYLOAD`, or a `STREAMING-…` mode. */
  readonly payloadHash: string;
  readonly presigned: boolean;
  readonly signing: SigningContext;
}

export type SecretLookup = (accessKey: string) => string | undefined;

/** S3 tolerates 15 minutes of clock skew on header-signed requests. */
const MAX_SKEW_MS = 15 * 60 * 1000;
const MAX_PRESIGN_SECONDS = 7 * 24 * 3600;

const UNSUPPORTED_V2 = () =>
  s3Error('InvalidRequest', 'The authorization mechanism you have provided is not supported. Please use AWS4-HMAC-SHA256.');

/** Returns null for an anonymous request (no Authorization header, no presigned query). */
export function authenticate(req: IncomingMessage, lookup: SecretLookup, now = new Date()): Authenticated | null {
  const url = req.url ?? '/';
  const qIndex = url.indexOf('?');
  const rawPath = qIndex < 0 ? url : url.slice(0, qIndex);
  const rawQuery = qIndex < 0 ? '' : url.slice(qIndex + 1);
  const query = new URLSearchParams(rawQuery);
  const header = req.headers.authorization;
  const presigned = query.has('X-Amz-Algorithm') || query.has('X-Amz-Signature');
  if (header !== undefined && presigned) {
    throw s3Error('InvalidArgument', 'Only one auth mechanism allowed; only the X-Amz-Algorithm query parameter, Signature query string parameter or the Authorization header should be specified');
  }
  if (header !== undefined) return fromHeader(req, header, rawPath, rawQuery, lookup, now);
  if (presigned) return fromQuery(req, query, rawPath, rawQuery, lookup, now);
  if (query.has('Signature') || query.has('AWSAccessKeyId')) throw UNSUPPORTED_V2();
  return null;
}

interface Credential {
  accessKey: string;
  date: string;
  region: string;
  service: string;
  scope: string;
}

function parseCredential(value: string, malformed: () => Error): Credential {
  const parts = value.split('/');
  if (parts.length !== 5 || parts[4] !== 'aws4_request' || !/^\d{8}$/.test(parts[1]!)) throw malformed();
  const [accessKey, date, region, service] = parts as [string, string, string, string];
  if (service !== 's3') throw malformed();
  return { accessKey, date, region, service, scope: `${date}/${region}/${service}/aws4_request` };
}

function fromHeader(req: IncomingMessage, header: string, rawPath: string, rawQuery: string, lookup: SecretLookup, now: Date): Authenticated {
  if (/^AWS [^:]+:/.test(header)) throw UNSUPPORTED_V2();
  const malformed = () =>
    s3Error('AuthorizationHeaderMalformed', 'The authorization header is malformed; the authorization header requires three components: Credential, SignedHeaders, and Signature.');
  if (!header.startsWith(`${ALGORITHM} `)) throw s3Error('InvalidArgument', 'Unsupported Authorization Type', { ArgumentName: 'Authorization' });
  const fields = new Map<string, string>();
  for (const part of header.slice(ALGORITHM.length + 1).split(',')) {
    const eq = part.indexOf('=');
    if (eq > 0) fields.set(part.slice(0, eq).trim(), part.slice(eq + 1).trim());
  }
  const credentialField = fields.get('Credential');
  const signedField = fields.get('SignedHeaders');
  const signature = fields.get('Signature');
  if (!credentialField || !signedField || !signature) throw malformed();
  const credential = parseCredential(credentialField, malformed);
  const secret = lookup(credential.accessKey);
  if (secret === undefined) throw invalidAccessKey(credential.accessKey);

  const payloadHash = req.headers['x-amz-content-sha256'];
  if (typeof payloadHash !== 'string') {
    throw s3Error('InvalidRequest', 'Missing required header for this request: x-amz-content-sha256');
  }
  if (!/^([0-9a-fA-F]{64}|UNSIGNED-PAYLOAD|STREAMING-.+)$/.test(payloadHash)) {
    throw s3Error('InvalidArgument', 'x-amz-content-sha256 must be UNSIGNED-PAYLOAD, STREAMING-AWS4-HMAC-SHA256-PAYLOAD, or a valid sha256 value.', {
      ArgumentName: 'x-amz-content-sha256',
      ArgumentValue: payloadHash,
    });
  }
  const timestamp = requestTimestamp(req);
  if (!timestamp) throw s3Error('AccessDenied', 'AWS authentication requires a valid Date or x-amz-date header');
  const requestTime = parseAmzDate(timestamp)!;
  if (Math.abs(now.getTime() - requestTime.getTime()) > MAX_SKEW_MS) {
    throw s3Error('RequestTimeTooSkewed', 'The difference between the request time and the current time is too large.', {
      RequestTime: timestamp,
      ServerTime: now.toISOString(),
      MaxAllowedSkewMilliseconds: MAX_SKEW_MS,
    });
  }
  return verified(req, { rawPath, query: canonicalQuery(rawQuery), signed: signedField.split(';'), payloadHash, timestamp, credential, secret, signature, presigned: false });
}

function fromQuery(req: IncomingMessage, query: URLSearchParams, rawPath: string, rawQuery: string, lookup: SecretLookup, now: Date): Authenticated {
  const paramError = (message: string) => s3Error('AuthorizationQueryParametersError', message);
  if (query.get('X-Amz-Algorithm') !== ALGORITHM) throw paramError('X-Amz-Algorithm only supports "AWS4-HMAC-SHA256"');
  const credentialField = query.get('X-Amz-Credential');
  const timestamp = query.get('X-Amz-Date');
  const expires = query.get('X-Amz-Expires');
  const signedField = query.get('X-Amz-SignedHeaders');
  const signature = query.get('X-Amz-Signature');
  if (!credentialField || !timestamp || !expires || !signedField || !signature) {
    throw paramError('Query-string authentication version 4 requires the X-Amz-Algorithm, X-Amz-Credential, X-Amz-Signature, X-Amz-Date, X-Amz-SignedHeaders, and X-Amz-Expires parameters.');
  }
  const credential = parseCredential(credentialField, () =>
    paramError(`Error parsing the X-Amz-Credential parameter; the Credential is mal-formed; expecting "<YOUR-AKID>/YYYYMMDD/REGION/SERVICE/aws4_request".`),
  );
  const secret = lookup(credential.accessKey);
  if (secret === undefined) throw invalidAccessKey(credential.accessKey);
  const signedAt = parseAmzDate(timestamp);
  if (!signedAt) throw paramError('X-Amz-Date must be in the ISO8601 Long Format "yyyyMMdd\'T\'HHmmss\'Z\'"');
  const seconds = Number(expires);
  // A lifetime of zero or less is a URL that expired when it was made: 403, as radosgw and MinIO
  // answer. Over a week is a malformed URL (400), as S3 and MinIO answer.
  if (!Number.isInteger(seconds) || seconds > MAX_PRESIGN_SECONDS) {
    throw paramError('X-Amz-Expires must be less than a week (in seconds) that is; 604800');
  }
  if (seconds <= 0 || now.getTime() > signedAt.getTime() + seconds * 1000) {
    throw s3Error('AccessDenied', 'Request has expired', {
      'X-Amz-Expires': expires,
      Expires: new Date(signedAt.getTime() + seconds * 1000).toISOString(),
      ServerTime: now.toISOString(),
    });
  }
  if (signedAt.getTime() - now.getTime() > MAX_SKEW_MS) throw s3Error('AccessDenied', 'Request is not valid yet');
  return verified(req, {
    rawPath,
    query: canonicalQuery(rawQuery, new Set(['X-Amz-Signature'])),
    signed: signedField.split(';'),
    payloadHash: query.get('X-Amz-Content-Sha256') ?? 'UNSIGNED-PAYLOAD',
    timestamp,
    credential,
    secret,
    signature,
    presigned: true,
  });
}

function invalidAccessKey(accessKey: string): Error {
  return s3Error('InvalidAccessKeyId', 'The AWS Access Key Id you provided does not exist in our records.', { AWSAccessKeyId: accessKey });
}

/** x-amz-date, or the Date header converted to the same basic ISO 8601 form. */
function requestTimestamp(req: IncomingMessage): string | null {
  const amz = req.headers['x-amz-date'];
  if (typeof amz === 'string') return parseAmzDate(amz) ? amz : null;
  const date = req.headers.date;
  if (typeof date !== 'string') return null;
  const parsed = new Date(date);
  if (Number.isNaN(parsed.getTime())) return null;
  return parsed.toISOString().replace(/[-:]|\.\d{3}/g, '');
}

interface VerifyInput {
  rawPath: string;
  /** Canonical query string. */
  query: string;
  signed: string[];
  payloadHash: string;
  timestamp: string;
  credential: Credential;
  secret: string;
  signature: string;
  presigned: boolean;
}

/** Checks the signature; returns what later stages need to verify chunk and trailer signatures. */
function verified(req: IncomingMessage, v: VerifyInput): Authenticated {
  const { credential } = v;
  const key = signingKey(v.secret, credential.date, credential.region, credential.service);
  verifySignature(req, v, key);
  return {
    accessKey: credential.accessKey,
    payloadHash: v.payloadHash,
    presigned: v.presigned,
    signing: { key, timestamp: v.timestamp, scope: credential.scope, seedSignature: v.signature },
  };
}

function verifySignature(req: IncomingMessage, v: VerifyInput, key: Buffer): void {
  if (!v.signed.includes('host')) {
    throw s3Error('AccessDenied', 'There were headers present in the request which were not signed', { HeadersNotSigned: 'host' });
  }
  // S3 refuses x-amz-* headers the signature does not cover: they change what a request does
  // (metadata, class, tagging, the copy source), so honouring them would let anyone holding a
  // presigned URL do something else with it.
  const signed = new Set(v.signed.map((name) => name.toLowerCase()));
  const unsigned = new Set<string>();
  for (let i = 0; i < req.rawHeaders.length; i += 2) {
    const name = req.rawHeaders[i]!.toLowerCase();
    if (name.startsWith('x-amz-') && !signed.has(name)) unsigned.add(name);
  }
  if (unsigned.size > 0) {
    throw s3Error('AccessDenied', 'There were headers present in the request which were not signed', { HeadersNotSigned: [...unsigned].join(', ') });
  }
  const headers = canonicalHeaders(req.rawHeaders, v.signed);
  let firstCanonical = '';
  let firstToSign = '';
  for (const uri of canonicalUris(v.rawPath)) {
    const canonical = canonicalRequest({
      method: req.method ?? 'GET',
      uri,
      query: v.query,
      headers,
      signedHeaders: v.signed.join(';'),
      payloadHash: v.payloadHash,
    });
    const toSign = stringToSign(v.timestamp, v.credential.scope, canonical);
    if (signaturesEqual(sign(key, toSign), v.signature)) return;
    if (!firstCanonical) {
      firstCanonical = canonical;
      firstToSign = toSign;
    }
  }
  throw s3Error(
    'SignatureDoesNotMatch',
    'The request signature we calculated does not match the signature you provided. Check your key and signing method.',
    { AWSAccessKeyId: v.credential.accessKey, StringToSign: firstToSign, SignatureProvided: v.signature, CanonicalRequest: firstCanonical },
  );
}
