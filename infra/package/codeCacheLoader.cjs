'use strict';
/**
 * A function's entry (`index.js`) when it ships a V8 code cache: compiles the bundle `app.js`
 * with the cache `app.js.cache` made at package time, so a cold start deserializes compiled code
 * instead of parsing and compiling 2 MB of JavaScript. A cache V8 refuses (another V8 version or
 * other V8 flags than the ones it was made with) or a missing one only costs time: `app.js`
 * compiles as without it. The bundle runs as Node runs a CommonJS module (same wrapper, stored in
 * `app.js`; its own `require`, NODE_PATH honoured), and its exports are this module's.
 */
const { isAscii } = require('node:buffer');
const { readFileSync } = require('node:fs');
const Module = require('node:module');
const { join } = require('node:path');
const vm = require('node:vm');

const file = join(__dirname, 'app.js');
// The bundle as packaging wrote it, already inside Node's CommonJS wrapper (bundle.ts). esbuild
// escapes non-ASCII characters (outside regular expressions): ASCII text decodes as Latin-1, a
// plain copy, where V8's UTF-8 decoding of 2 MB costs milliseconds.
const bytes = readFileSync(file);
const source = bytes.toString(isAscii(bytes) ? 'latin1' : 'utf8');
let cachedData;
try {
  cachedData = readFileSync(`${file}.cache`);
} catch {
  cachedData = undefined;
}
const script = new vm.Script(source, { filename: file, cachedData });
const status = cachedData === undefined ? 'missing' : script.cachedDataRejected ? 'rejected' : 'accepted';
if (status === 'rejected') {
  process.stderr.write(`${JSON.stringify({ level: 'warn', time: new Date().toISOString(), file, msg: 'V8 refused the code cache (made by another Node/V8 version or with other flags): compiling without it' })}\n`);
}
const app = new Module(file, module);
app.filename = file;
app.paths = Module._nodeModulePaths(__dirname);
script.runInThisContext()(app.exports, Module.createRequire(file), app, file, __dirname);
app.loaded = true;
module.exports = app.exports;
// Packaging's hook (codeCache.ts): the cache of everything compiled so far, after a warm-up request.
Object.defineProperty(module.exports, Symbol.for('strata.codeCache'), { value: () => script.createCachedData() });
// Whether V8 took the cache: 'accepted', 'rejected' or 'missing' (read by tests and the bench).
Object.defineProperty(module.exports, Symbol.for('strata.codeCacheStatus'), { value: status });
