/**
 * S3 errors for the local server. Everything inside s3rver's Koa app must throw s3rver's own
 * `S3Error` (its error handler turns any other error into a 500 InternalError), so the front
 * handler uses the same class and renders it the same way.
 */
import { createRequire } from 'node:module';
import type { ServerResponse } from 'node:http';
import { currentRequest } from './context';

const require = createRequire(import.meta.url);

export interface S3ErrorLike extends Error {
  readonly code: string;
  status: number;
  readonly detail: Record<string, unknown>;
  toXML(): string;
}

const S3ErrorClass = require('s3rver/lib/models/error') as new (
  code: string,
  message: string,
  detail?: Record<string, unknown>,
) => S3ErrorLike;

const escapeXml = (text: string): string =>
  text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&apos;');

/**
 * The error document, with the request's ID in it (S3 puts it in every error body, the same as
 * the x-amz-request-id header). s3rver's own rendering escapes every non-ASCII character as an
 * HTML named entity (`&Atilde;`), which is not XML: clients could not read the error code of any
 * error mentioning a non-ASCII key or header.
 */
S3ErrorClass.prototype.toXML = function (this: S3ErrorLike): string {
  const requestId = currentRequest()?.requestId;
  if (requestId && this.detail.RequestId === undefined) (this.detail as Record<string, unknown>).RequestId = requestId;
  const fields = Object.entries({ Code: this.code, Message: this.message, ...this.detail }).filter(([, v]) => v !== undefined && v !== null);
  return `<?xml version="1.0" encoding="UTF-8"?>\n<Error>${fields.map(([k, v]) => `<${k}>${escapeXml(String(v))}</${k}>`).join('')}</Error>`;
};

/** Status codes S3 uses that s3rver's table lacks (it would answer 500 for them). */
const EXTRA_STATUS: Record<string, number> = {
  XAmzContentSHA256Mismatch: 400,
  MalformedTrailerError: 400,
  InvalidChunkSizeError: 400,
  AuthorizationQueryParametersError: 400,
  AuthorizationHeaderMalformed: 400,
  InvalidObjectState: 403,
  RestoreAlreadyInProgress: 409,
  IncompleteBody: 400,
  InvalidTag: 400,
};

export function s3Error(code: string, message: string, detail: Record<string, unknown> = {}, status?: number): S3ErrorLike {
  const err = new S3ErrorClass(code, message, detail);
  const fixed = status ?? EXTRA_STATUS[code];
  if (fixed !== undefined) err.status = fixed;
  return err;
}

export function isS3Error(err: unknown): err is S3ErrorLike {
  return err instanceof S3ErrorClass;
}

/** Writes an S3 XML error response (no body for HEAD, as S3 does). */
export function sendS3Error(res: ServerResponse, err: S3ErrorLike, method: string | undefined): void {
  if (res.headersSent) {
    res.destroy();
    return;
  }
  const requestId = res.getHeader('x-amz-request-id');
  if (typeof requestId === 'string' && err.detail.RequestId === undefined) (err.detail as Record<string, unknown>).RequestId = requestId;
  const body = method === 'HEAD' ? '' : err.toXML();
  res.statusCode = err.status;
  res.setHeader('content-type', 'application/xml');
  res.setHeader('content-length', Buffer.byteLength(body));
  res.end(body);
}
