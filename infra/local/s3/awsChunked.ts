/**
 * Decoder for `Content-Encoding: aws-chunked` request bodies, the framing current AWS SDKs and
 * CLIs use for streamed uploads:
 *   <hex size>[;chunk-signature=<sig>]\r\n<data>\r\n … 0[;chunk-signature=<sig>]\r\n
 *   [trailer lines "name:value\r\n" … [x-amz-trailer-signature:<sig>\r\n]] \r\n
 * Signed modes verify each chunk's chained signature and the trailer signature; every mode
 * checks the decoded length. Any framing error fails the stream, so nothing is committed.
 * https://docs.aws.amazon.com/AmazonS3/latest/API/sigv4-streaming.html
 */
import { createHash, type Hash } from 'node:crypto';
import { Transform, type TransformCallback } from 'node:stream';
import type { SigningContext } from './auth';
import { s3Error } from './errors';
import { chunkStringToSign, sha256Hex, sign, signaturesEqual, trailerStringToSign } from './sigv4';

export type ChunkedMode =
  | 'STREAMING-UNSIGNED-PAYLOAD-TRAILER'
  | 'STREAMING-AWS4-HMAC-SHA256-PAYLOAD'
  | 'STREAMING-AWS4-HMAC-SHA256-PAYLOAD-TRAILER';

export const CHUNKED_MODES: readonly string[] = [
  'STREAMING-UNSIGNED-PAYLOAD-TRAILER',
  'STREAMING-AWS4-HMAC-SHA256-PAYLOAD',
  'STREAMING-AWS4-HMAC-SHA256-PAYLOAD-TRAILER',
];

export interface ChunkedOptions {
  readonly mode: ChunkedMode;
  readonly decodedLength: number;
  /** Required for the signed modes. */
  readonly signing?: SigningContext;
}

const MAX_LINE = 16 * 1024;

type State = 'header' | 'data' | 'data-crlf' | 'trailer' | 'done';

export class AwsChunkedDecoder extends Transform {
  /** Trailing headers (lower-cased names), complete once the stream has ended. */
  readonly trailers = new Map<string, string>();
  private state: State = 'header';
  private line = Buffer.alloc(0);
  private remaining = 0;
  private decoded = 0;
  private chunkHash: Hash | null = null;
  private chunkSignature = '';
  private previousSignature: string;
  private readonly signed: boolean;
  private readonly signedTrailer: boolean;
  private readonly trailerLines: string[] = [];
  private sawTrailerBlank = false;
  private trailerSignature = '';

  constructor(private readonly options: ChunkedOptions) {
    super();
    this.signed = options.mode !== 'STREAMING-UNSIGNED-PAYLOAD-TRAILER';
    this.signedTrailer = options.mode === 'STREAMING-AWS4-HMAC-SHA256-PAYLOAD-TRAILER';
    // A plain Error: the server always passes a signing context for signed modes; this guards the code, not a request.
    if (this.signed && !options.signing) throw new Error('signed aws-chunked mode needs a signing context');
    this.previousSignature = options.signing?.seedSignature ?? '';
  }

  override _transform(chunk: Buffer, _enc: BufferEncoding, done: TransformCallback): void {
    try {
      this.consume(chunk);
      done();
    } catch (err) {
      done(err as Error);
    }
  }

  override _flush(done: TransformCallback): void {
    try {
      // The SDKs end the trailer with a blank line; tolerate a body that stops right after it.
      if (this.state === 'trailer' && this.line.length === 0) this.finishTrailer();
      if (this.state !== 'done') throw incomplete('The request body ended before the final aws-chunked chunk.');
      if (this.decoded !== this.options.decodedLength) {
        throw incomplete(`Decoded ${this.decoded} bytes but x-amz-decoded-content-length is ${this.options.decodedLength}.`);
      }
      done();
    } catch (err) {
      done(err as Error);
    }
  }

  private consume(input: Buffer): void {
    let offset = 0;
    while (offset < input.length) {
      switch (this.state) {
        case 'data': {
          const take = Math.min(this.remaining, input.length - offset);
          const slice = input.subarray(offset, offset + take);
          this.chunkHash?.update(slice);
          this.decoded += take;
          if (this.decoded > this.options.decodedLength) {
            throw incomplete('The aws-chunked body is longer than x-amz-decoded-content-length.');
          }
          this.push(slice);
          this.remaining -= take;
          offset += take;
          if (this.remaining === 0) {
            this.verifyChunk();
            this.state = 'data-crlf';
          }
          break;
        }
        case 'done':
          if (input.subarray(offset).every((b) => b === 0x0d || b === 0x0a)) return;
          throw malformed('Unexpected data after the end of the aws-chunked body.');
        default: {
          const newline = input.indexOf(0x0a, offset);
          const end = newline < 0 ? input.length : newline + 1;
          this.line = Buffer.concat([this.line, input.subarray(offset, end)]);
          offset = end;
          if (this.line.length > MAX_LINE) throw malformed('An aws-chunked header line is too long.');
          if (newline >= 0) {
            const text = this.line.toString('latin1').replace(/\r?\n$/, '');
            this.line = Buffer.alloc(0);
            this.onLine(text);
          }
        }
      }
    }
  }

  private onLine(text: string): void {
    if (this.state === 'data-crlf') {
      if (text !== '') throw malformed('An aws-chunked chunk is not followed by CRLF.');
      this.state = 'header';
      return;
    }
    if (this.state === 'header') {
      const [sizeText, ...extensions] = text.split(';');
      if (!/^[0-9a-fA-F]{1,16}$/.test(sizeText ?? '')) throw malformed(`Bad aws-chunked chunk header "${text.slice(0, 80)}".`);
      const size = Number.parseInt(sizeText!, 16);
      const signature = extensions.map((e) => /^chunk-signature=([0-9a-f]{64})$/.exec(e.trim())?.[1]).find(Boolean);
      if (this.signed && !signature) throw malformed('An aws-chunked chunk has no chunk-signature.');
      this.chunkSignature = signature ?? '';
      this.chunkHash = this.signed ? createHash('sha256') : null;
      if (size === 0) {
        this.verifyChunk();
        this.state = 'trailer';
      } else {
        this.remaining = size;
        this.state = 'data';
      }
      return;
    }
    // trailer section: "name:value" lines, ended by a blank line
    if (text === '') {
      if (this.trailerLines.length === 0 && !this.sawTrailerBlank) {
        // The blank line some signers put between the final chunk and the trailer.
        this.sawTrailerBlank = true;
        if (!this.expectsTrailer) this.finishTrailer();
        return;
      }
      this.finishTrailer();
      return;
    }
    const colon = text.indexOf(':');
    if (colon <= 0) throw malformedTrailer(`Bad aws-chunked trailer line "${text.slice(0, 80)}".`);
    const name = text.slice(0, colon).trim().toLowerCase();
    const value = text.slice(colon + 1).trim();
    if (name === 'x-amz-trailer-signature') {
      this.trailerSignature = value;
      return;
    }
    this.trailers.set(name, value);
    this.trailerLines.push(`${name}:${value}\n`);
  }

  private get expectsTrailer(): boolean {
    return this.options.mode !== 'STREAMING-AWS4-HMAC-SHA256-PAYLOAD';
  }

  private finishTrailer(): void {
    if (this.signedTrailer) {
      const { key, timestamp, scope } = this.options.signing!;
      const expected = sign(key, trailerStringToSign(timestamp, scope, this.previousSignature, sha256Hex(this.trailerLines.join(''))));
      if (!signaturesEqual(expected, this.trailerSignature)) {
        throw s3Error('SignatureDoesNotMatch', 'The trailer signature we calculated does not match the signature you provided.');
      }
    }
    this.state = 'done';
  }

  private verifyChunk(): void {
    if (!this.signed) return;
    const { key, timestamp, scope } = this.options.signing!;
    const digest = this.chunkHash!.digest('hex');
    const expected = sign(key, chunkStringToSign(timestamp, scope, this.previousSignature, digest));
    if (!signaturesEqual(expected, this.chunkSignature)) {
      throw s3Error('SignatureDoesNotMatch', 'The chunk signature we calculated does not match the signature you provided.');
    }
    this.previousSignature = expected;
  }
}

function malformed(message: string): Error {
  return s3Error('InvalidRequest', message);
}

function malformedTrailer(message: string): Error {
  return s3Error('MalformedTrailerError', message);
}

function incomplete(message: string): Error {
  return s3Error('IncompleteBody', message);
}
