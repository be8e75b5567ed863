// Preloaded by `npm run sls`: serverless-tencent-scf reports telemetry on every command with a
// request that has no error handler, so offline the DNS failure crashes `sls package`. This
// turns the report into a no-op.
const Module = require('node:module');

const originalLoad = Module._load;
Module._load = function loadWithoutDataReport(request, parent, isMain, ...rest) {
  const exported = originalLoad.call(this, request, parent, isMain, ...rest);
  try {
    const file = Module._resolveFilename(request, parent, isMain);
    if (/serverless-tencent-tools[\\/]sdk[\\/]others[\\/]dataReport\.js$/.test(file)) {
      exported.DataReport.prototype.report = async () => true;
    }
  } catch {
    // not resolvable: not the module we patch
  }
  return exported;
};
