#!/usr/bin/env node
// Compiles Strata's WebAssembly kernels from AssemblyScript source (layers/core/assembly) into
// layers/core/wasm/ (generated, git-ignored). Run by `npm run build:wasm` and by the root
// `prepare` script (so `npm ci`/`npm install` build it); skips work when sources are unchanged.
//
//   node layers/core/scripts/build-wasm.mjs [--force] [--if-possible]
//
// --if-possible: when AssemblyScript is not installed (a production-only install), warn and
// exit 0 instead of failing; Strata then raises `WasmKernelMissing` when a kernel is needed.
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const core = join(dirname(fileURLToPath(import.meta.url)), '..');
const outDir = join(core, 'wasm');
const args = new Set(process.argv.slice(2));

/** name → source + asc flags. */
const TARGETS = [
  { out: 'gf256-simd.wasm', src: 'assembly/gf256.ts', flags: ['--enable', 'simd', '--importMemory'] },
  { out: 'gf256-relaxed.wasm', src: 'assembly/gf256.ts', flags: ['--enable', 'simd', '--enable', 'relaxed-simd', '--importMemory'] },
  { out: 'crc64.wasm', src: 'assembly/crc64.ts', flags: ['--initialMemory', '2'] },
];
const COMMON = ['-O3', '--noAssert', '--runtime', 'stub'];

let asc;
let ascVersion;
try {
  asc = (await import('assemblyscript/asc')).default;
  ascVersion = asc.version;
} catch (err) {
  const msg = `build-wasm: AssemblyScript is not installed (${err?.code ?? err}); WebAssembly kernels not built`;
  if (args.has('--if-possible')) {
    process.stderr.write(`${msg}\n`);
    process.exit(0);
  }
  process.stderr.write(`${msg}: run npm install\n`);
  process.exit(1);
}

const stampFile = join(outDir, 'stamp.json');
const stamp = existsSync(stampFile) ? JSON.parse(readFileSync(stampFile, 'utf8')) : {};
mkdirSync(outDir, { recursive: true });
let built = 0;
for (const t of TARGETS) {
  const flags = [...COMMON, ...t.flags];
  const key = createHash('sha256')
    .update(readFileSync(join(core, t.src)))
    .update(readFileSync(fileURLToPath(import.meta.url)))
    .update(JSON.stringify([ascVersion, flags]))
    .digest('hex');
  const outFile = join(outDir, t.out);
  if (!args.has('--force') && stamp[t.out] === key && existsSync(outFile)) continue;
  let log = '';
  const sink = { write: (chunk) => ((log += String(chunk)), true) };
  const { error } = await asc.main([join(core, t.src), ...flags, '-o', outFile], { stdout: sink, stderr: sink });
  if (error) {
    process.stderr.write(`build-wasm: ${t.src} → ${t.out} failed: ${error.message}\n${log}\n`);
    process.exit(1);
  }
  stamp[t.out] = key;
  built += 1;
}
writeFileSync(stampFile, `${JSON.stringify(stamp, null, 2)}\n`);
if (built > 0) process.stdout.write(`build-wasm: built ${built} kernel(s) into ${relative(process.cwd(), outDir) || outDir}\n`);
