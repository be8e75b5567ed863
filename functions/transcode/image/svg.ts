import { gunzipSync } from 'node:zlib';
import { SaxesParser, type SaxesAttributeNS, type SaxesTagNS } from 'saxes';
import { QuarantineError } from '../../../shared/pipeline/errors';

/**
 * SVG policy: an SVG is only ever rasterised, never served, and nothing it references is
 * fetched or read. librsvg (inside sharp) already refuses external resources for in-memory
 * input; this is the second lock. The SVG is parsed as XML (saxes, strict and namespace-aware)
 * and written out again from the parse, so markup inside CDATA, comments or attribute values
 * can never be mistaken for an element:
 *  - external or parameter entities (XXE) and nested entities (billion laughs) are
 *    quarantined as `unsafe-content`; literal internal entities are expanded (bounded) and the
 *    DOCTYPE dropped;
 *  - every reference that is not same-document (`#id`) or an inline `data:` image is removed:
 *    `href`/`src` under any namespace prefix, CSS `url(…)` and `@import` in attributes and
 *    `<style>`, XInclude elements, processing instructions (`<?xml-stylesheet href=…?>`);
 *  - `<script>`, `on*` event handlers and `<foreignObject>` (HTML) are dropped with everything
 *    inside them (a raster cannot run them, but nothing of them should reach the renderer).
 * Malformed XML is quarantined `corrupt` (librsvg would refuse it too).
 */

const MAX_SVG_BYTES = 8 * 1024 * 1024;

/** Elements removed with their whole subtree (local names, any namespace, any case). */
const DROPPED_ELEMENTS: Readonly<Record<string, keyof SanitizedSvg['removed']>> = {
  script: 'scripts',
  foreignobject: 'foreignObjects',
  include: 'externalReferences', // XInclude
};

function isLocalReference(value: string): boolean {
  const v = value.trim().replace(/^["']|["']$/g, '').trim();
  return v.startsWith('#') || /^data:image\/(png|jpeg|gif|webp);base64,/i.test(v);
}

export interface SanitizedSvg {
  readonly bytes: Buffer;
  /** What was removed, for the record. */
  readonly removed: { readonly externalReferences: number; readonly scripts: number; readonly eventHandlers: number; readonly foreignObjects: number };
}

type Removed = { -readonly [K in keyof SanitizedSvg['removed']]: number };

/**
 * Illustrator and Inkscape exports declare namespace URIs as internal entities
 * (`<!ENTITY ns_ai "http://ns.adobe.com/…">`): those literal entities are returned for the parser
 * to expand. External (SYSTEM/PUBLIC) or parameter entities, and entities that reference other
 * entities (expansion bombs), are refused. `doctype` is the declaration's text after `<!DOCTYPE`.
 */
function internalEntities(doctype: string): Map<string, string> {
  const subset = /\[([\s\S]*)\]/.exec(doctype)?.[1] ?? '';
  const entities = new Map<string, string>();
  const declaration = /<!ENTITY\s+(%\s*)?([A-Za-z_:][\w.:-]*)\s+("([^"]*)"|'([^']*)'|[\s\S]*?)\s*>/g;
  for (const d of subset.matchAll(declaration)) {
    const value = d[4] ?? d[5];
    if (d[1] || value === undefined) {
      throw new QuarantineError('unsafe-content', `SVG declares an external or parameter entity (${d[2]}): XXE is refused`);
    }
    if (/[&%]/.test(value)) throw new QuarantineError('unsafe-content', `SVG entity ${d[2]} refers to other entities (entity expansion)`);
    entities.set(d[2]!, value);
  }
  if (/%[A-Za-z_:][\w.:-]*;/.test(subset.replace(/"[^"]*"|'[^']*'/g, ''))) {
    throw new QuarantineError('unsafe-content', 'SVG DOCTYPE references a parameter entity: XXE is refused');
  }
  return entities;
}

/** Refuses expansion past the size limit before the parser expands anything. */
function checkExpansion(text: string, entities: ReadonlyMap<string, string>): void {
  let grown = 0;
  for (const m of text.matchAll(/&([A-Za-z_:][\w.:-]*);/g)) {
    grown += entities.get(m[1]!)?.length ?? 0;
    if (grown > MAX_SVG_BYTES) throw new QuarantineError('too-large', 'SVG entity expansion exceeds the SVG size limit');
  }
}

const escapeText = (s: string): string => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
const escapeAttribute = (s: string): string => escapeText(s).replace(/"/g, '&quot;').replace(/\t/g, '&#9;').replace(/\n/g, '&#10;').replace(/\r/g, '&#13;');

/** CSS (a `<style>` element or an attribute value): external `url(…)` → `none`, `@import` removed. */
function sanitizeCss(css: string, removed: Removed): string {
  return css
    .replace(/@import[^;]*;?/gi, () => (removed.externalReferences++, ''))
    .replace(/url\(\s*([^)]*)\)/gi, (all, value: string) => {
      if (isLocalReference(value)) return all;
      removed.externalReferences++;
      return 'none';
    });
}

function sanitizeAttribute(attr: SaxesAttributeNS, removed: Removed): string | null {
  const local = attr.local.toLowerCase();
  if (local.startsWith('on')) {
    removed.eventHandlers++;
    return null;
  }
  // Any namespace prefix: the XLink namespace may be bound to any name (`xmlns:x="…/xlink"` → `x:href`).
  if (local === 'href' || local === 'src') {
    if (isLocalReference(attr.value)) return attr.value;
    removed.externalReferences++;
    return '#';
  }
  if (attr.prefix === 'xmlns' || attr.name === 'xmlns') return attr.value; // namespace names are never fetched
  return sanitizeCss(attr.value, removed);
}

/** Parse errors that do not make the document unsafe or unrenderable (librsvg tolerates them). */
function isTolerated(message: string, dropping: boolean): boolean {
  return message.includes('unbound namespace prefix') || (dropping && message.includes('undefined entity'));
}

/** A gzipped SVG (`.svgz`) inflated, never past the SVG size limit (a gzip bomb stops there). */
function inflateSvgz(input: Buffer): Buffer {
  try {
    return gunzipSync(input, { maxOutputLength: MAX_SVG_BYTES + 1 });
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ERR_BUFFER_TOO_LARGE') throw new QuarantineError('too-large', `gzipped SVG inflates past ${MAX_SVG_BYTES} bytes`, { cause: err });
    if (code === 'Z_BUF_ERROR') throw new QuarantineError('truncated', 'gzipped SVG ends early', { cause: err });
    throw new QuarantineError('corrupt', `gzipped SVG does not inflate: ${(err as Error).message}`, { cause: err });
  }
}

const isGzip = (bytes: Buffer): boolean => bytes.length >= 2 && bytes[0] === 0x1f && bytes[1] === 0x8b;

export function sanitizeSvg(source: Buffer): SanitizedSvg {
  const input = isGzip(source) ? inflateSvgz(source) : source;
  if (input.length > MAX_SVG_BYTES) throw new QuarantineError('too-large', `SVG of ${input.length} bytes exceeds ${MAX_SVG_BYTES}`);
  const text = input.toString('utf8').replace(/^\uFEFF/, '');
  const removed: Removed = { externalReferences: 0, scripts: 0, eventHandlers: 0, foreignObjects: 0 };
  const out: string[] = [];
  const parser = new SaxesParser({ xmlns: true, position: true });
  let dropDepth = 0; // > 0 while inside a dropped element
  let styleDepth = 0; // > 0 while inside <style>
  let failure: Error | undefined;

  parser.on('error', (err) => {
    if (!failure && !isTolerated(err.message, dropDepth > 0)) failure = err;
  });
  parser.on('doctype', (doctype) => {
    const entities = internalEntities(doctype);
    checkExpansion(text, entities);
    for (const [name, value] of entities) Object.defineProperty(parser.ENTITIES, name, { value, enumerable: true });
  });
  parser.on('opentag', (tag: SaxesTagNS) => {
    if (dropDepth > 0) {
      dropDepth++;
      return;
    }
    const dropAs = DROPPED_ELEMENTS[tag.local.toLowerCase()];
    if (dropAs) {
      removed[dropAs]++;
      dropDepth = 1;
      return;
    }
    if (tag.local.toLowerCase() === 'style') styleDepth++;
    let open = `<${tag.name}`;
    for (const attr of Object.values(tag.attributes)) {
      const value = sanitizeAttribute(attr, removed);
      if (value !== null) open += ` ${attr.name}="${escapeAttribute(value)}"`;
    }
    out.push(tag.isSelfClosing ? `${open}/>` : `${open}>`);
  });
  parser.on('closetag', (tag: SaxesTagNS) => {
    if (dropDepth > 0) {
      dropDepth--;
      return;
    }
    if (tag.local.toLowerCase() === 'style') styleDepth--;
    if (!tag.isSelfClosing) out.push(`</${tag.name}>`);
  });
  const onText = (chunk: string) => {
    if (dropDepth > 0) return;
    out.push(escapeText(styleDepth > 0 ? sanitizeCss(chunk, removed) : chunk));
  };
  parser.on('text', onText);
  parser.on('cdata', onText);
  // Comments, processing instructions (xml-stylesheet) and the DOCTYPE are not written out.

  parser.write(text).close();
  if (failure) throw new QuarantineError('corrupt', `SVG is not well-formed XML: ${failure.message}`, { cause: failure });
  return { bytes: Buffer.from(out.join(''), 'utf8'), removed };
}
