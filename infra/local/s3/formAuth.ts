/**
 * Browser form POST (POST Object) authentication: the credentials travel in the form, so the
 * front handler parses a copy of the body alongside s3rver and checks the policy signature
 * (SigV4, or SigV2's base64 HMAC-SHA1 of the policy with `AWSAccessKeyId`, which S3 still takes
 * for forms), the policy's expiration and its conditions (including content-length-range).
 * The store commits the upload only after this resolves, under the form's key with `${filename}`
 * replaced by the uploaded file's name (the policy's `$key` conditions see that key too).
 * https://docs.aws.amazon.com/AmazonS3/latest/API/sigv4-HTTPPOSTConstructPolicy.html
 */
import { createHmac } from 'node:crypto';
import { createRequire } from 'node:module';
import type { IncomingHttpHeaders } from 'node:http';
import { Readable } from 'node:stream';
import type { ForwardedRequest } from './body';
import type { SecretLookup } from './auth';
import { createDigester, type Digester } from './digests';
import { s3Error } from './errors';
import { ALGORITHM, parseAmzDate, sign, signaturesEqual, signingKey } from './sigv4';

// busboy is s3rver's form parser; load the copy s3rver itself resolves.
const fromS3rver = createRequire(createRequire(import.meta.url).resolve('s3rver'));
const Busboy = fromS3rver('busboy') as new (opts: { headers: IncomingHttpHeaders }) => NodeJS.WritableStream & {
  on(event: 'field', cb: (name: string, value: string) => void): void;
  on(event: 'file', cb: (name: string, file: Readable, filename: string | undefined) => void): void;
  on(event: 'finish' | 'error', cb: (err?: Error) => void): void;
};

/**
 * Reads a POST form as S3 does: every part but `file` is a field, also when the client sent it
 * with a filename (Python's `requests` does for every part); the `file` part is the upload,
 * with or without a filename; parts after it are ignored. Returns the parser to feed.
 */
export function formParser(
  headers: IncomingHttpHeaders,
  onFile: (file: Readable, filename: string | undefined, fields: Map<string, string>) => void,
  onDone: (err: Error | undefined, fields: Map<string, string>) => void,
): NodeJS.WritableStream {
  const parser = new Busboy({ headers });
  const fields = new Map<string, string>();
  let sawFile = false;
  let pending = 0;
  let finished = false;
  let failed = false;
  // The upload part is handed on once the field parts before it have been read in full.
  let deferredFile: (() => void) | undefined;
  const settle = () => {
    if (pending > 0) return;
    const handOn = deferredFile;
    deferredFile = undefined;
    if (handOn) {
      // The form is complete only once its upload part has been read to the end.
      pending += 1;
      handOn();
      return;
    }
    if (finished && !failed) {
      failed = true; // report once
      onDone(undefined, fields);
    }
  };
  parser.on('field', (name, value) => {
    if (sawFile) return;
    if (name === 'file') {
      sawFile = true;
      deferredFile = () => {
        const file = Readable.from([Buffer.from(value)]);
        file.once('end', () => {
          pending -= 1;
          settle();
        });
        onFile(file, undefined, fields);
      };
      settle();
      return;
    }
    fields.set(name.toLowerCase(), value);
  });
  parser.on('file', (name, file, filename) => {
    if (sawFile) {
      file.resume();
      return;
    }
    if (name === 'file') {
      sawFile = true;
      deferredFile = () => {
        file.once('end', () => {
          pending -= 1;
          settle();
        });
        onFile(file, filename, fields);
      };
      settle();
      return;
    }
    pending += 1;
    const chunks: Buffer[] = [];
    file.on('data', (c: Buffer) => chunks.push(c));
    file.on('end', () => {
      fields.set(name.toLowerCase(), Buffer.concat(chunks).toString('utf8'));
      pending -= 1;
      settle();
    });
  });
  parser.on('error', (err) => {
    if (failed) return;
    failed = true;
    onDone(s3Error('MalformedPOSTRequest', `The body of your POST request is not well-formed multipart/form-data: ${err?.message ?? ''}`), fields);
  });
  parser.on('finish', () => {
    finished = true;
    settle();
  });
  return parser;
}

type Condition = Record<string, string> | [string, string | number, string | number];

const EXEMPT = new Set(['x-amz-signature', 'file', 'policy', 'awsaccesskeyid', 'signature']);
const CHECKSUM_ALGORITHMS = new Set(['crc32', 'crc32c', 'crc64nvme', 'sha1', 'sha256']);
/** ISO 8601 UTC, as S3 requires of a policy's expiration. */
const EXPIRATION = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?Z$/;

/**
 * What a verified form decided: the key to store under (`${filename}` substituted), its signer
 * (undefined: an anonymous form, which only a bucket granting WRITE to everyone takes) and its
 * canned ACL.
 */
export interface VerifiedForm {
  readonly key: string | undefined;
  readonly accessKey: string | undefined;
  readonly acl: string | undefined;
  /** A `Tagging` document for the new object. */
  readonly tagging: string | undefined;
}

/** The form's key with each `${filename}` replaced by the file's name (its last path segment). */
export function formKey(key: string | undefined, filename: string | undefined): string | undefined {
  if (key === undefined) return undefined;
  const name = (filename ?? '').split(/[\\/]/).pop() ?? '';
  return key.replaceAll('${filename}', name);
}

/**
 * Watches the body through the request's tap (s3rver still consumes the stream) and resolves when the form's
 * policy signature and conditions hold; rejects with the S3 error otherwise.
 */
export function verifyFormPost(body: ForwardedRequest, headers: IncomingHttpHeaders, bucket: string, lookup: SecretLookup): Promise<VerifiedForm> {
  return new Promise<VerifiedForm>((resolve, reject) => {
    let fileBytes = 0;
    let filename: string | undefined;
    let checksum: { algorithm: string; expected: string; digester: Digester } | undefined;
    const parser = formParser(
      headers,
      (file, name, seen) => {
        filename = name;
        // An `x-amz-checksum-<algorithm>` field is verified against the upload, as on a PUT.
        const field = [...seen.keys()].find((k) => k.startsWith('x-amz-checksum-') && k !== 'x-amz-checksum-algorithm');
        const algorithm = field?.slice('x-amz-checksum-'.length);
        if (field && algorithm && CHECKSUM_ALGORITHMS.has(algorithm)) {
          checksum = { algorithm, expected: seen.get(field)!, digester: createDigester(algorithm as 'sha256') };
        }
        file.on('data', (chunk: Buffer) => {
          fileBytes += chunk.length;
          checksum?.digester.update(chunk);
        });
      },
      (err, fields) => {
        if (err) return reject(err);
        try {
          const key = formKey(fields.get('key'), filename);
          if (key !== undefined) fields.set('key', key);
          const accessKey = isAnonymousForm(fields) ? undefined : checkForm(fields, bucket, fileBytes, lookup);
          if (checksum && checksum.digester.digest().toString('base64') !== checksum.expected) {
            throw s3Error('BadDigest', `The ${checksum.algorithm.toUpperCase()} you specified did not match the calculated checksum.`);
          }
          resolve({ key, accessKey, acl: fields.get('acl'), tagging: fields.get('tagging') });
        } catch (e) {
          reject(e);
        }
      },
    );
    body.tap = (chunk) => (chunk ? parser.write(chunk) : parser.end());
    body.on('error', (err) => reject(err));
  });
}

/** A form without a policy or any signing field: an anonymous upload. */
function isAnonymousForm(fields: Map<string, string>): boolean {
  return !['policy', 'awsaccesskeyid', 'signature', 'x-amz-algorithm', 'x-amz-credential', 'x-amz-signature'].some((name) => fields.has(name));
}

const signatureMismatch = () =>
  s3Error('SignatureDoesNotMatch', 'The request signature we calculated does not match the signature you provided. Check your key and signing method.');

/** SigV2 form: `signature` = base64 HMAC-SHA1 of the base64 policy with the secret of `AWSAccessKeyId`. Returns the signer. */
function checkV2Signature(fields: Map<string, string>, lookup: SecretLookup): string {
  const accessKey = fields.get('awsaccesskeyid');
  const signature = fields.get('signature');
  const policy = fields.get('policy');
  if (!accessKey || !signature || !policy) throw s3Error('InvalidArgument', 'Bucket POST must contain AWSAccessKeyId, signature and policy fields');
  const secret = lookup(accessKey);
  if (secret === undefined) throw s3Error('InvalidAccessKeyId', 'The AWS Access Key Id you provided does not exist in our records.');
  if (!signaturesEqual(createHmac('sha1', secret).update(policy).digest('base64'), signature)) throw signatureMismatch();
  return accessKey;
}

function checkV4Signature(fields: Map<string, string>, lookup: SecretLookup): string {
  const algorithm = fields.get('x-amz-algorithm');
  const credential = fields.get('x-amz-credential');
  const date = fields.get('x-amz-date');
  const signature = fields.get('x-amz-signature');
  const policy = fields.get('policy');
  if (!algorithm && !credential && !signature) throw s3Error('AccessDenied', 'Anonymous form uploads are not allowed: the form carries no x-amz-signature.');
  if (algorithm !== ALGORITHM || !credential || !date || !signature || !policy) {
    throw s3Error('InvalidArgument', 'Bucket POST must contain x-amz-algorithm, x-amz-credential, x-amz-date, x-amz-signature and policy fields');
  }
  const [accessKey, day, region, service, terminal] = credential.split('/');
  if (!accessKey || !day || !region || service !== 's3' || terminal !== 'aws4_request') {
    throw s3Error('InvalidArgument', 'x-amz-credential is malformed');
  }
  const secret = lookup(accessKey);
  if (secret === undefined) throw s3Error('InvalidAccessKeyId', 'The AWS Access Key Id you provided does not exist in our records.');
  if (!parseAmzDate(date)) throw s3Error('InvalidArgument', 'x-amz-date is malformed');
  if (!signaturesEqual(sign(signingKey(secret, day, region, service), policy), signature)) throw signatureMismatch();
  return accessKey;
}

/** Checks a signed form's signature and policy; returns its signer's access key. */
function checkForm(fields: Map<string, string>, bucket: string, size: number, lookup: SecretLookup, now = new Date()): string {
  const denied = (message: string) => s3Error('AccessDenied', message);
  const policy = fields.get('policy');
  const accessKey = fields.has('awsaccesskeyid') || fields.has('signature') ? checkV2Signature(fields, lookup) : checkV4Signature(fields, lookup);
  if (!policy) throw s3Error('InvalidArgument', 'Bucket POST must contain a field named policy');

  let document: { expiration?: string; conditions?: Condition[] };
  try {
    document = JSON.parse(Buffer.from(policy, 'base64').toString('utf8')) as typeof document;
  } catch {
    throw s3Error('InvalidPolicyDocument', 'Invalid Policy: Invalid JSON.');
  }
  if (typeof document.expiration !== 'string') throw s3Error('InvalidPolicyDocument', 'Invalid Policy: Policy missing expiration.');
  const expiration = Date.parse(document.expiration);
  if (!EXPIRATION.test(document.expiration) || Number.isNaN(expiration)) throw s3Error('InvalidPolicyDocument', "Invalid Policy: Invalid 'expiration' value.");
  if (now.getTime() > expiration) throw denied('Invalid according to Policy: Policy expired.');

  const invalidPolicy = (why: string) => s3Error('InvalidPolicyDocument', `Invalid Policy: ${why}`, {}, 400);
  if (!Array.isArray(document.conditions)) throw invalidPolicy('Policy missing conditions.');
  for (const condition of document.conditions) {
    if (Array.isArray(condition)) {
      const [a, b] = condition.slice(1);
      const op = String(condition[0]).toLowerCase(); // operators are case-insensitive, as field names
      if (op === 'content-length-range') {
        if (condition.length !== 3 || !Number.isInteger(Number(a)) || !Number.isInteger(Number(b)) || Number(a) < 0 || Number(b) < Number(a)) throw invalidPolicy('Invalid content-length-range.');
      } else if ((op !== 'eq' && op !== 'starts-with') || condition.length !== 3) {
        throw invalidPolicy(`Invalid condition operator ${JSON.stringify(op)}.`);
      }
    } else if (condition === null || typeof condition !== 'object' || Object.keys(condition).length !== 1) {
      throw invalidPolicy('Each condition must name exactly one field.');
    }
  }
  const values = new Map(fields);
  values.set('bucket', bucket);
  const covered = new Set<string>(['bucket']);
  for (const condition of document.conditions ?? []) {
    if (Array.isArray(condition)) {
      const [a, b] = condition.slice(1);
      const op = String(condition[0]).toLowerCase();
      if (op === 'content-length-range') {
        if (size < Number(a) || size > Number(b)) throw s3Error('EntityTooLarge', `Your proposed upload size ${size} is outside the policy's content-length-range [${a}, ${b}].`, {}, 400);
        continue;
      }
      const name = String(a).replace(/^\$/, '').toLowerCase();
      covered.add(name);
      const actual = values.get(name) ?? '';
      const ok = op === 'eq' ? actual === String(b) : op === 'starts-with' ? actual.startsWith(String(b)) : false;
      if (!ok) throw denied(`Invalid according to Policy: Policy Condition failed: ${JSON.stringify(condition)}`);
    } else {
      for (const [name, value] of Object.entries(condition)) {
        covered.add(name.toLowerCase());
        if ((values.get(name.toLowerCase()) ?? '') !== value) {
          throw denied(`Invalid according to Policy: Policy Condition failed: ${JSON.stringify(condition)}`);
        }
      }
    }
  }
  for (const name of fields.keys()) {
    // The upload's checksum fields describe the file, as the headers of a PUT do.
    if (EXEMPT.has(name) || name.startsWith('x-ignore-') || name.startsWith('x-amz-checksum-') || covered.has(name)) continue;
    throw denied(`Invalid according to Policy: Extra input fields: ${name}`);
  }
  return accessKey;
}
