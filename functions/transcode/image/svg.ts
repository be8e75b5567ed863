import { QuarantineError } from '../../../shared/pipeline/errors';

/**
 * SVG policy: an SVG is only ever rasterised, never served, and nothing it references is
 * fetched or read. librsvg (inside sharp) already refuses external resources for in-memory
 * input; this is the second lock:
 *  - external or parameter entities (XXE) and nested entities (billion laughs) are
 *    quarantined as `unsafe-content` before any XML parser sees them; literal internal
 *    entities are expanded here and the DOCTYPE removed;
 *  - every reference that is not same-document (`#id`) or an inline `data:` image is removed:
 *    href/xlink:href/src attributes, CSS `url(…)` and `@import`, XInclude elements;
 *  - scripts, event handlers and foreignObject (HTML) are dropped (a raster cannot run them,
 *    but nothing of them should reach the renderer either).
 */

const MAX_SVG_BYTES = 8 * 1024 * 1024;

function isLocalReference(value: string): boolean {
  const v = value.trim().replace(/^["']|["']$/g, '').trim();
  return v.startsWith('#') || /^data:image\/(png|jpeg|gif|webp);base64,/i.test(v);
}

export interface SanitizedSvg {
  readonly bytes: Buffer;
  /** What was removed, for the record. */
  readonly removed: { readonly externalReferences: number; readonly scripts: number; readonly eventHandlers: number; readonly foreignObjects: number };
}

/**
 * Illustrator and Inkscape exports declare namespace URIs as internal entities
 * (`<!ENTITY ns_ai "http://ns.adobe.com/…">`): those literal entities are expanded here and the
 * DOCTYPE dropped, so no XML parser sees a DTD. External (SYSTEM/PUBLIC) or parameter
 * entities, and entities that reference other entities (expansion bombs), are refused.
 */
function expandInternalEntities(text: string): string {
  const doctype = /<!DOCTYPE\s[^[>]*(?:\[([\s\S]*?)\])?\s*>/i.exec(text);
  if (!doctype) return text;
  const entities = new Map<string, string>();
  const declaration = /<!ENTITY\s+(%\s*)?([A-Za-z_:][\w.:-]*)\s+("([^"]*)"|'([^']*)'|[\s\S]*?)\s*>/g;
  for (const d of (doctype[1] ?? '').matchAll(declaration)) {
    const value = d[4] ?? d[5];
    if (d[1] || value === undefined) {
      throw new QuarantineError('unsafe-content', `SVG declares an external or parameter entity (${d[2]}): XXE is refused`);
    }
    if (/[&%]/.test(value)) throw new QuarantineError('unsafe-content', `SVG entity ${d[2]} refers to other entities (entity expansion)`);
    entities.set(d[2]!, value);
  }
  const body = text.slice(0, doctype.index) + text.slice(doctype.index + doctype[0].length);
  if (/<!ENTITY|<!DOCTYPE/i.test(body)) throw new QuarantineError('unsafe-content', 'SVG has more than one DOCTYPE or a malformed one');
  let grown = 0;
  const expanded = body.replace(/&([A-Za-z_:][\w.:-]*);/g, (all, name: string) => {
    const value = entities.get(name);
    if (value === undefined) return all;
    grown += value.length;
    if (grown > MAX_SVG_BYTES) throw new QuarantineError('too-large', 'SVG entity expansion exceeds the SVG size limit');
    return value;
  });
  return expanded;
}

export function sanitizeSvg(input: Buffer): SanitizedSvg {
  if (input.length > MAX_SVG_BYTES) throw new QuarantineError('too-large', `SVG of ${input.length} bytes exceeds ${MAX_SVG_BYTES}`);
  let text = expandInternalEntities(input.toString('utf8'));
  const removed = { externalReferences: 0, scripts: 0, eventHandlers: 0, foreignObjects: 0 };
  text = text.replace(/<script\b[\s\S]*?(<\/script\s*>|\/>)/gi, () => (removed.scripts++, ''));
  text = text.replace(/<foreignObject\b[\s\S]*?(<\/foreignObject\s*>|\/>)/gi, () => (removed.foreignObjects++, ''));
  text = text.replace(/<(xi:)?include\b[\s\S]*?(<\/(xi:)?include\s*>|\/>)/gi, () => (removed.externalReferences++, ''));
  text = text.replace(/\s(on[a-z]+)\s*=\s*("[^"]*"|'[^']*')/gi, () => (removed.eventHandlers++, ''));
  // Any namespace prefix: the XLink namespace may be bound to any name (`xmlns:x="…/xlink"` → `x:href`).
  text = text.replace(/(\s(?:[A-Za-z_][\w.-]*:)?(?:href|src)\s*=\s*)("[^"]*"|'[^']*')/gi, (all, attr: string, value: string) => {
    if (isLocalReference(value)) return all;
    removed.externalReferences++;
    return `${attr}"#"`;
  });
  text = text.replace(/@import[^;]*;?/gi, () => (removed.externalReferences++, ''));
  text = text.replace(/url\(\s*([^)]*)\)/gi, (all, value: string) => {
    if (isLocalReference(value)) return all;
    removed.externalReferences++;
    return 'none';
  });
  return { bytes: Buffer.from(text, 'utf8'), removed };
}
