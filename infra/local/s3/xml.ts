/**
 * The few request bodies our routes read (CompleteMultipartUpload, RestoreRequest) are small,
 * flat XML documents; these helpers extract their elements without a general XML parser.
 */
import { s3Error } from './errors';

const ENTITIES: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" };

export function decodeXmlText(text: string): string {
  return text.replace(/&(#x[0-9a-fA-F]+|#\d+|\w+);/g, (whole, name: string) => {
    if (name.startsWith('#x')) return String.fromCodePoint(Number.parseInt(name.slice(2), 16));
    if (name.startsWith('#')) return String.fromCodePoint(Number.parseInt(name.slice(1), 10));
    return ENTITIES[name] ?? whole;
  });
}

/** Every `<tag>…</tag>` (namespace prefixes ignored), in document order. */
export function elements(xml: string, tag: string): string[] {
  const re = new RegExp(`<(?:\\w+:)?${tag}(?:\\s[^>]*)?>([\\s\\S]*?)</(?:\\w+:)?${tag}>`, 'g');
  return [...xml.matchAll(re)].map((m) => m[1] ?? '');
}

export function element(xml: string, tag: string): string | undefined {
  const found = elements(xml, tag)[0];
  return found === undefined ? undefined : decodeXmlText(found.trim());
}

export function malformedXml(): Error {
  return s3Error('MalformedXML', 'The XML you provided was not well-formed or did not validate against our published schema.');
}

/** Reads a request body as text, up to `limit` bytes (S3 bounds these documents too). */
export async function readText(stream: NodeJS.ReadableStream, limit = 2 * 1024 * 1024): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of stream as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > limit) throw s3Error('MaxMessageLengthExceeded', 'Your request was too big.');
    chunks.push(chunk);
  }
  return Buffer.concat(chunks).toString('utf8');
}
