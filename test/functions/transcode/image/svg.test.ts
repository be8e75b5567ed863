import { spawn, execFileSync } from 'node:child_process';
import { createServer, type Server } from 'node:http';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AddressInfo } from 'node:net';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { QuarantineError } from '../../../../shared/pipeline/errors';
import { sanitizeSvg } from '../../../../functions/transcode/image/svg';
import { corpusFile, pixelAt, processBytes } from './helpers';

let server: Server;
let port = 0;
const requests: string[] = [];
let dir = '';

beforeAll(async () => {
  server = createServer((req, res) => {
    requests.push(req.url ?? '');
    res.writeHead(200, { 'content-type': 'image/svg+xml' });
    res.end('<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"><rect width="10" height="10" fill="red"/></svg>');
  });
  await new Promise<void>((ok) => server.listen(0, '127.0.0.1', ok));
  port = (server.address() as AddressInfo).port;
  dir = await mkdtemp(join(tmpdir(), 'strata-svg-'));
});

afterAll(async () => {
  await new Promise((ok) => server.close(ok));
  await rm(dir, { recursive: true, force: true });
});

function hostileSvg(canaryPng: string, fifo: string): string {
  const http = `http://127.0.0.1:${port}`;
  return `<?xml version="1.0"?>
<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink" xmlns:xi="http://www.w3.org/2001/XInclude" width="64" height="64">
  <style>@import url(${http}/import.css); rect.x { fill: url(${http}/paint.svg#p); }</style>
  <rect width="64" height="64" fill="#2050c0"/>
  <image width="64" height="64" href="${http}/image.png"/>
  <image width="64" height="64" xlink:href="file://${canaryPng}"/>
  <image width="64" height="64" href="${canaryPng}"/>
  <image width="64" height="64" href="file://${fifo}"/>
  <use href="${http}/use.svg#x"/>
  <rect class="x" width="10" height="10" style="fill:url('${http}/style.svg#g')"/>
  <filter id="f"><feImage href="${http}/feimage.png"/></filter>
  <xi:include href="file://${canaryPng}" parse="text"/>
  <script>fetch('${http}/script')</script>
</svg>`;
}

describe('SVG', () => {
  it('rasterises hostile SVGs without any network request or file read', async () => {
    const canaryPng = join(dir, 'canary.png');
    await writeFile(canaryPng, await sharp({ create: { width: 64, height: 64, channels: 3, background: '#ff0000' } }).png().toBuffer());
    // A FIFO as a second canary: opening it for reading would let the writer below finish.
    const fifo = join(dir, 'canary.fifo');
    execFileSync('mkfifo', [fifo]);
    const writer = spawn('sh', ['-c', `echo opened > '${fifo}'`], { stdio: 'ignore' });
    try {
      const corpusSsrf = corpusFile('bad/svg-ssrf-external-hrefs.svg').toString('utf8').replaceAll('127.0.0.1:9', `127.0.0.1:${port}`).replaceAll('/etc/hostname', canaryPng);
      for (const svg of [hostileSvg(canaryPng, fifo), corpusSsrf]) {
        const result = await processBytes(Buffer.from(svg));
        expect(result.card.format).toBe('svg');
        for (const r of result.renditions) {
          // Nothing of the canary (pure red) reached the pixels.
          const { data, info } = await sharp(r.body).removeAlpha().raw().toBuffer({ resolveWithObject: true });
          let red = 0;
          for (let i = 0; i < info.width * info.height * 3; i += 3) if (data[i]! > 200 && data[i + 1]! < 60 && data[i + 2]! < 60) red++;
          expect(red, r.file).toBe(0);
        }
      }
      // Give a late connection a moment to arrive before asserting there was none.
      await new Promise((ok) => setTimeout(ok, 200));
      expect(requests).toEqual([]);
      expect(writer.exitCode).toBeNull();
    } finally {
      writer.kill();
    }
  });

  it('keeps same-document inline images (the control for the canary check above)', async () => {
    const red = (await sharp({ create: { width: 8, height: 8, channels: 3, background: '#ff0000' } }).png().toBuffer()).toString('base64');
    const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="16" height="16"><image width="16" height="16" href="data:image/png;base64,${red}"/></svg>`;
    const result = await processBytes(Buffer.from(svg));
    const { data } = await sharp(result.renditions[0]!.body).removeAlpha().raw().toBuffer({ resolveWithObject: true });
    expect(data[0]).toBeGreaterThan(200);
    expect(data[1]).toBeLessThan(60);
  });

  it('removes scripts, event handlers and external references before rendering', () => {
    const { bytes, removed } = sanitizeSvg(corpusFile('bad/svg-script-onload-xss.svg'));
    const text = bytes.toString('utf8');
    expect(text).not.toMatch(/<script|onload|alert\(/i);
    expect(removed.scripts).toBe(1);
    expect(removed.eventHandlers).toBe(1);
    const ssrf = sanitizeSvg(corpusFile('bad/svg-ssrf-external-hrefs.svg'));
    expect(ssrf.bytes.toString('utf8')).not.toMatch(/127\.0\.0\.1|file:/);
    expect(ssrf.removed.externalReferences).toBe(2);
    // The XLink namespace bound to another prefix than `xlink`.
    const prefixed = sanitizeSvg(
      Buffer.from('<svg xmlns="http://www.w3.org/2000/svg" xmlns:x="http://www.w3.org/1999/xlink"><image x:href="http://127.0.0.1:9/a.png"/><image x:href=\'file:///etc/hostname\'/><use x:href="#ok"/></svg>'),
    );
    expect(prefixed.bytes.toString('utf8')).not.toMatch(/127\.0\.0\.1|file:/);
    expect(prefixed.bytes.toString('utf8')).toContain('x:href="#ok"');
    expect(prefixed.removed.externalReferences).toBe(2);
  });

  it('never passes the SVG itself on: renditions are raster images without its script', async () => {
    const result = await processBytes(corpusFile('bad/svg-script-onload-xss.svg'));
    for (const r of result.renditions) {
      expect(r.contentType).not.toMatch(/svg|xml|html/);
      expect(r.body.includes('alert')).toBe(false);
      expect(r.body.includes('<svg')).toBe(false);
    }
  });

  it('quarantines external entities (XXE) and entity expansion as unsafe-content', async () => {
    const bomb = '<?xml version="1.0"?><!DOCTYPE svg [<!ENTITY a "lol"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">]><svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"><text>&b;</text></svg>';
    const param = '<?xml version="1.0"?><!DOCTYPE svg [<!ENTITY % p SYSTEM "http://127.0.0.1:9/x.dtd"> %p;]><svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"/>';
    for (const svg of [corpusFile('bad/svg-xxe-external-entity.svg'), Buffer.from(bomb), Buffer.from(param)]) {
      const err = await processBytes(svg).then(() => null, (e: unknown) => e);
      expect(err).toBeInstanceOf(QuarantineError);
      expect((err as QuarantineError).reasonCode).toBe('unsafe-content');
    }
  });

  it('keeps harmless SVGs whose dropped parts contain `/>` (draw.io <br/> in foreignObject, CDATA scripts)', async () => {
    // draw.io exports HTML labels as <foreignObject> with <br/> inside, next to an SVG fallback.
    const drawio = `<svg xmlns="http://www.w3.org/2000/svg" width="120" height="60"><g><rect width="120" height="60" fill="#2050c0"/>
  <switch><foreignObject width="100" height="40"><div xmlns="http://www.w3.org/1999/xhtml">line one<br/>line two<br /></div></foreignObject>
  <text x="10" y="30">line one…</text></switch></g></svg>`;
    const cdata = `<svg xmlns="http://www.w3.org/2000/svg" width="40" height="40"><script type="text/javascript"><![CDATA[ document.body.innerHTML = '<p/>' + "<br/>"; ]]></script><rect width="40" height="40" fill="#20c050"/><!-- a comment with <script/> --></svg>`;
    for (const svg of [drawio, cdata]) {
      const { bytes, removed } = sanitizeSvg(Buffer.from(svg));
      const text = bytes.toString('utf8');
      expect(text).not.toMatch(/<script|foreignObject|<div|<br|CDATA|innerHTML/i);
      expect(removed.scripts + removed.foreignObjects).toBe(1);
      const result = await processBytes(Buffer.from(svg));
      expect(result.card.format).toBe('svg');
      const [r, g, b] = await pixelAt(result.renditions[0]!.body, 2, 2);
      expect(svg === drawio ? b > 150 && r < 80 : g > 150 && r < 80, `${r},${g},${b}`).toBe(true);
    }
  });

  it('cleans references under any prefix and in CSS, and drops xml-stylesheet instructions', () => {
    const svg = `<?xml version="1.0"?><?xml-stylesheet href="http://127.0.0.1:9/s.css" type="text/css"?>
<svg xmlns="http://www.w3.org/2000/svg" xmlns:q="http://www.w3.org/1999/xlink" xmlns:xi="http://www.w3.org/2001/XInclude">
<style><![CDATA[ @import "http://127.0.0.1:9/a.css"; rect { fill: url(http://127.0.0.1:9/p#x) } ]]></style>
<a q:href="javascript:alert(1)"><rect onclick="x()" ONMOUSEOVER="y()" style="fill:url(#ok)" width="5" height="5"/></a>
<xi:include href="file:///etc/hostname"/><html:script xmlns:html="http://www.w3.org/1999/xhtml">x</html:script>
<image src="file:///etc/hostname"/></svg>`;
    const { bytes, removed } = sanitizeSvg(Buffer.from(svg));
    const text = bytes.toString('utf8');
    expect(text).not.toMatch(/127\.0\.0\.1|file:|javascript|stylesheet|onclick|onmouseover|script|<xi:include/i);
    expect(text).toContain('url(#ok)');
    expect(removed).toEqual({ externalReferences: 5, scripts: 1, eventHandlers: 2, foreignObjects: 0 });
  });

  it('quarantines malformed XML as corrupt', async () => {
    const err = await processBytes(Buffer.from('<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"><g></svg>')).then(() => null, (e: unknown) => e);
    expect(err).toBeInstanceOf(QuarantineError);
    expect((err as QuarantineError).reasonCode).toBe('corrupt');
  });

  it('expands the literal namespace entities that Illustrator writes', async () => {
    const result = await processBytes(corpusFile('real/images/svg-sdl-css-class.svg'));
    expect([result.card.width, result.card.height]).toEqual([82, 82]);
  });
});
