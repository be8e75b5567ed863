/**
 * The request body pipeline of the front handler. It decodes aws-chunked framing, verifies the
 * signed payload hash, Content-MD5 and the flexible checksum (header or trailer) while the body
 * streams, and hands s3rver a clean request whose body only ends once everything verified: a
 * mismatch fails the stream, and the store never commits a failed stream.
 */
import { createHash, type Hash } from 'node:crypto';
import type { IncomingHttpHeaders, IncomingMessage } from 'node:http';
import { Transform, type TransformCallback } from 'node:stream';
import type { Authenticated } from './auth';
import { AwsChunkedDecoder, CHUNKED_MODES, type ChunkedMode, type ChunkedOptions } from './awsChunked';
import type { Operation, VerifiedBody } from './context';
import { isS3ChecksumAlgorithm, type S3ChecksumAlgorithm } from '@strata/core/checksum';
import { createDigester, isWellFormedDigest, type Digester } from './digests';
import { s3Error } from './errors';

export interface BodyPlan {
  readonly chunked: ChunkedOptions | null;
  /** Expected lower-case hex sha256 of the (decoded) body, when the client signed it. */
  readonly payloadSha256: string | null;
  /** Expected Content-MD5 (base64). */
  readonly contentMd5: string | null;
  readonly checksum: { readonly algorithm: S3ChecksumAlgorithm; readonly expected: string | null; readonly inTrailer: boolean } | null;
}

const NAMES: Record<S3ChecksumAlgorithm, string> = { crc32: 'CRC32', crc32c: 'CRC32C', crc64nvme: 'CRC64NVME', sha1: 'SHA1', sha256: 'SHA256' };

function single(headers: IncomingHttpHeaders, name: string): string | undefined {
  const v = headers[name];
  return Array.isArray(v) ? v.join(',') : v;
}

/** Which operations carry a body whose `x-amz-checksum-*` header describes that body. */
function bodyChecksumApplies(operation: Operation): boolean {
  // CompleteMultipartUpload's checksum header describes the assembled object, not the XML.
  return operation !== 'completeMultipart' && operation !== 'copyObject' && operation !== 'createMultipart';
}

/** Reads and validates the body-related headers; throws the S3 error for malformed ones. */
export function planBody(headers: IncomingHttpHeaders, operation: Operation, auth: Authenticated | null): BodyPlan {
  const payloadHash = auth?.payloadHash ?? 'UNSIGNED-PAYLOAD';
  // A Content-Encoding naming aws-chunked over a plain (hashed or unsigned) payload is a plain
  // body: S3 stores it and drops aws-chunked from the stored encoding (stripAwsChunked).
  const isChunked = payloadHash.startsWith('STREAMING-');

  let chunked: ChunkedOptions | null = null;
  if (isChunked) {
    if (!CHUNKED_MODES.includes(payloadHash)) {
      throw s3Error('InvalidRequest', `aws-chunked bodies need x-amz-content-sha256 set to one of ${CHUNKED_MODES.join(', ')}; got ${payloadHash}.`);
    }
    const decoded = single(headers, 'x-amz-decoded-content-length');
    if (decoded === undefined || !/^\d+$/.test(decoded)) {
      throw s3Error('MissingContentLength', 'You must provide the x-amz-decoded-content-length HTTP header for aws-chunked uploads.', {}, 411);
    }
    chunked = { mode: payloadHash as ChunkedMode, decodedLength: Number(decoded), ...(auth ? { signing: auth.signing } : {}) };
  }

  if (!chunked && (operation === 'putObject' || operation === 'uploadPart') && single(headers, 'content-length') === undefined) {
    // S3 takes no HTTP-chunked uploads: a length, or aws-chunked framing with a decoded length.
    throw s3Error('MissingContentLength', 'You must provide the Content-Length HTTP header.', {}, 411);
  }

  const contentMd5 = single(headers, 'content-md5') ?? null;
  if (contentMd5 !== null && !isWellFormedDigest('md5', contentMd5)) {
    throw s3Error('InvalidDigest', 'The Content-MD5 you specified was invalid.', { 'Content-MD5': contentMd5 });
  }

  return {
    chunked,
    payloadSha256: /^[0-9a-fA-F]{64}$/.test(payloadHash) ? payloadHash.toLowerCase() : null,
    contentMd5,
    checksum: bodyChecksumApplies(operation) ? planChecksum(headers, chunked !== null) : null,
  };
}

function planChecksum(headers: IncomingHttpHeaders, chunked: boolean): BodyPlan['checksum'] {
  const present = Object.keys(headers)
    .filter((h) => h.startsWith('x-amz-checksum-'))
    .map((h) => h.slice('x-amz-checksum-'.length))
    .filter(isS3ChecksumAlgorithm);
  if (present.length > 1) {
    throw s3Error('InvalidRequest', 'Expecting a single x-amz-checksum- header. Multiple checksum Types are not allowed.');
  }
  const trailer = (single(headers, 'x-amz-trailer') ?? '').trim().toLowerCase();
  let trailerAlgorithm: S3ChecksumAlgorithm | null = null;
  if (trailer) {
    const name = trailer.replace(/^x-amz-checksum-/, '');
    if (!chunked || !trailer.startsWith('x-amz-checksum-') || !isS3ChecksumAlgorithm(name)) {
      throw s3Error('InvalidRequest', `The value specified in the x-amz-trailer header is not supported: ${trailer}`);
    }
    trailerAlgorithm = name;
  }
  const sdkAlgorithm = single(headers, 'x-amz-sdk-checksum-algorithm')?.toLowerCase();
  const fromHeader = present[0];
  if (fromHeader && trailerAlgorithm) {
    throw s3Error('InvalidRequest', 'Expecting a single x-amz-checksum- header. Multiple checksum Types are not allowed.');
  }
  const algorithm = fromHeader ?? trailerAlgorithm;
  if (sdkAlgorithm !== undefined) {
    if (!isS3ChecksumAlgorithm(sdkAlgorithm)) throw s3Error('InvalidRequest', `Checksum algorithm ${sdkAlgorithm} is not supported.`);
    if (!algorithm) {
      throw s3Error('InvalidRequest', 'x-amz-sdk-checksum-algorithm specified, but no corresponding x-amz-checksum-* or x-amz-trailer headers were found.');
    }
    if (sdkAlgorithm !== algorithm) {
      throw s3Error('InvalidRequest', `Value for x-amz-sdk-checksum-algorithm header is invalid: it names ${sdkAlgorithm} but the checksum is ${algorithm}.`);
    }
  }
  if (!algorithm) return null;
  const expected = fromHeader ? single(headers, `x-amz-checksum-${fromHeader}`)!.trim() : null;
  if (expected !== null && !isWellFormedDigest(algorithm, expected)) {
    // S3 answers a checksum value that is not a digest at all as a mismatch.
    throw s3Error('BadDigest', `The ${algorithm.toUpperCase()} you specified did not match the calculated checksum.`);
  }
  return { algorithm, expected, inTrailer: trailerAlgorithm !== null };
}

/** Headers s3rver should see: aws-chunked framing removed, lengths of the decoded body. */
export function forwardedHeaders(headers: IncomingHttpHeaders, plan: BodyPlan): IncomingHttpHeaders {
  const out: IncomingHttpHeaders = { ...headers };
  const encoding = single(headers, 'content-encoding') ?? '';
  if (encoding.split(',').some((e) => e.trim().toLowerCase() === 'aws-chunked')) {
    const rest = encoding
      .split(',')
      .map((e) => e.trim())
      .filter((e) => e && e.toLowerCase() !== 'aws-chunked');
    if (rest.length > 0) out['content-encoding'] = rest.join(',');
    else delete out['content-encoding'];
  }
  if (plan.chunked) {
    out['content-length'] = String(plan.chunked.decodedLength);
    delete out['transfer-encoding'];
    delete out['x-amz-decoded-content-length'];
  }
  return out;
}

/**
 * The request s3rver receives: the original's metadata with a verified body. Koa and busboy only
 * use `headers`, `url`, `method`, `socket` and the stream interface.
 */
export class ForwardedRequest extends Transform {
  readonly headers: IncomingHttpHeaders;
  readonly rawHeaders: string[];
  readonly url: string;
  readonly method: string;
  readonly httpVersion: string;
  readonly httpVersionMajor: number;
  readonly httpVersionMinor: number;
  readonly socket: IncomingMessage['socket'];
  readonly connection: IncomingMessage['socket'];
  complete = false;
  /** Sees every verified chunk and then null at the end, without consuming the stream (form POST auth). */
  tap: ((chunk: Buffer | null) => void) | null = null;
  private readonly md5: Hash | null;
  private readonly sha256: Hash | null;
  private readonly digester: Digester | null;

  constructor(
    original: IncomingMessage,
    headers: IncomingHttpHeaders,
    private readonly plan: BodyPlan,
    private readonly verified: VerifiedBody,
    private readonly decoder: AwsChunkedDecoder | null,
  ) {
    super();
    this.headers = headers;
    this.rawHeaders = original.rawHeaders;
    this.url = original.url ?? '/';
    this.method = original.method ?? 'GET';
    this.httpVersion = original.httpVersion;
    this.httpVersionMajor = original.httpVersionMajor;
    this.httpVersionMinor = original.httpVersionMinor;
    this.socket = original.socket;
    this.connection = original.socket;
    this.md5 = plan.contentMd5 ? createHash('md5') : null;
    this.sha256 = plan.payloadSha256 && !plan.chunked ? createHash('sha256') : null;
    this.digester = plan.checksum ? createDigester(plan.checksum.algorithm) : null;
  }

  override _transform(chunk: Buffer, _enc: BufferEncoding, done: TransformCallback): void {
    this.verified.size += chunk.length;
    this.md5?.update(chunk);
    this.sha256?.update(chunk);
    this.digester?.update(chunk);
    this.tap?.(chunk);
    done(null, chunk);
  }

  override _flush(done: TransformCallback): void {
    try {
      this.verify();
      this.complete = true;
      this.tap?.(null);
      done();
    } catch (err) {
      done(err as Error);
    }
  }

  private verify(): void {
    const { plan } = this;
    if (this.sha256 && this.sha256.digest('hex') !== plan.payloadSha256) {
      throw s3Error('XAmzContentSHA256Mismatch', "The provided 'x-amz-content-sha256' header does not match what was computed.", {
        ClientComputedContentSHA256: plan.payloadSha256,
      });
    }
    if (this.md5 && this.md5.digest('base64') !== plan.contentMd5) {
      throw s3Error('BadDigest', 'The Content-MD5 you specified did not match what we received.', { ExpectedDigest: plan.contentMd5 });
    }
    if (plan.checksum && this.digester) {
      const { algorithm, inTrailer } = plan.checksum;
      let expected = plan.checksum.expected;
      if (inTrailer) {
        expected = this.decoder?.trailers.get(`x-amz-checksum-${algorithm}`) ?? null;
        if (expected === null) {
          throw s3Error('MalformedTrailerError', `The request declared the trailer x-amz-checksum-${algorithm} but did not send it.`);
        }
        if (!isWellFormedDigest(algorithm, expected)) throw s3Error('InvalidRequest', `Value for x-amz-checksum-${algorithm} trailing header is invalid.`);
      }
      const actual = this.digester.digest().toString('base64');
      if (actual !== expected) {
        throw s3Error('BadDigest', `The ${NAMES[algorithm]} you specified did not match the calculated checksum.`);
      }
      this.verified.checksums[algorithm] = actual;
    }
  }
}

/**
 * Connects the client's request to a ForwardedRequest. Errors (client abort, framing, digests)
 * fail the forwarded stream without destroying the socket, so s3rver can still answer with the
 * S3 error; whatever body is left is drained once the response is sent.
 */
export function forwardBody(original: IncomingMessage, headers: IncomingHttpHeaders, plan: BodyPlan, verified: VerifiedBody, onFail: (err: Error) => void): ForwardedRequest {
  const decoder = plan.chunked ? new AwsChunkedDecoder(plan.chunked) : null;
  const forwarded = new ForwardedRequest(original, headers, plan, verified, decoder);
  let failed = false;
  const fail = (err: Error): void => {
    if (failed) return;
    failed = true;
    original.unpipe();
    decoder?.unpipe();
    if (!forwarded.destroyed) forwarded.destroy(err);
    onFail(err);
  };
  const aborted = () => fail(Object.assign(new Error('The client closed the connection before the request body ended.'), { code: 'ECONNRESET' }));
  original.on('aborted', aborted);
  original.on('close', () => {
    if (!original.complete) aborted();
  });
  original.on('error', fail);
  forwarded.on('error', (err) => onFail(err));
  if (decoder) {
    decoder.on('error', fail);
    original.pipe(decoder).pipe(forwarded);
  } else {
    original.pipe(forwarded);
  }
  return forwarded;
}
