import { readdirSync, readFileSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

const REPO = resolve(import.meta.dirname, '../../..');

function sources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const path = join(dir, e.name);
    if (e.isDirectory()) return e.name === 'node_modules' ? [] : sources(path);
    return /\.(ts|mts|js|mjs|cjs)$/.test(e.name) ? [path] : [];
  });
}

// The production path of an upload on SCF: on-upload, the hand-off (SCF Invoke), transcode, what
// they bundle from shared/, the core layer and the image server. (Other functions answer
// NotImplemented / 501 for operations a store cannot do; that is their documented contract.)
const PRODUCTION = ['functions/on-upload', 'functions/transcode', 'shared/invoke.ts', 'shared/pipeline', 'shared/events', 'shared/config', 'shared/contracts', 'layers/core/src', 'infra/package/image-server.mjs'];

describe('production paths', () => {
  it('contain no NotImplemented', () => {
    const files = PRODUCTION.flatMap((p) => (/\.(ts|mjs)$/.test(p) ? [join(REPO, p)] : sources(join(REPO, p))));
    expect(files.length).toBeGreaterThan(50);
    // The code table (layers/core/src/errorCodes.ts) lists the code; nothing on these paths may raise it.
    const hits = files
      .filter((f) => !f.endsWith('errorCodes.ts') && readFileSync(f, 'utf8').includes('NotImplemented'))
      .map((f) => relative(REPO, f));
    expect(hits).toEqual([]);
  });
});
