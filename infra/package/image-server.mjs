// Entry of a Strata container-image function on SCF (WebServer image): SCF posts each event to
// POST /event-invoke on port 9000, with the invocation context in X-Scf-* headers. It runs the function's esbuild bundle (index.cjs,
// CommonJS) with plain node: no TypeScript and no tsx at run time.
import http from 'node:http';
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
const functionName = process.env.STRATA_FUNCTION || '__FUNCTION__';
const { main_handler: handler } = require('./index.cjs');
const port = Number(process.env.PORT || 9000);

function contextFrom(headers) {
  const timeoutMs = Number(headers['x-scf-timeout'] || 900) * 1000;
  const started = Date.now();
  return {
    request_id: headers['x-scf-request-id'] || '',
    function_name: headers['x-scf-name'] || functionName,
    function_version: headers['x-scf-version'] || '$LATEST',
    namespace: headers['x-scf-namespace'] || 'default',
    memory_limit_in_mb: Number(headers['x-scf-memory'] || 0),
    time_limit_in_ms: timeoutMs,
    tencentcloud_region: headers['x-scf-region'] || '',
    tencentcloud_appid: headers['x-scf-appid'] || '',
    getRemainingTimeInMillis: () => Math.max(0, timeoutMs - (Date.now() - started)),
  };
}

// SCF gives an image function its execution role's temporary keys with each invocation, in
// headers, not in the environment as for zip functions. Copied into the variables zip functions
// get, they reach the storage gateway and the SCF Invoke client, which read them at each call.
const roleKeyHeaders = {
  TENCENTCLOUD_SECRETID: 'x-scf-secret-id',
  TENCENTCLOUD_SECRETKEY: 'x-scf-secret-key',
  TENCENTCLOUD_SESSIONTOKEN: 'x-scf-session-token',
};

function adoptRoleKeys(headers) {
  if (!headers['x-scf-secret-id']) return;
  for (const [variable, header] of Object.entries(roleKeyHeaders)) {
    if (headers[header]) process.env[variable] = headers[header];
    else delete process.env[variable];
  }
}

function reply(res, status, body) {
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(JSON.stringify(body === undefined ? null : body));
}

const server = http.createServer((req, res) => {
  if (req.method === 'GET' && req.url === '/healthz') return reply(res, 200, { ok: true, function: functionName });
  if (req.method !== 'POST' || req.url !== '/event-invoke') {
    return reply(res, 404, { errorCode: -1, errorMessage: 'SCF image functions receive events on POST /event-invoke' });
  }
  const chunks = [];
  req.on('data', (c) => chunks.push(c));
  req.on('end', async () => {
    let event;
    try {
      event = JSON.parse(Buffer.concat(chunks).toString('utf8') || 'null');
    } catch (err) {
      return reply(res, 400, { errorCode: -1, errorMessage: `event is not JSON: ${err.message}` });
    }
    try {
      adoptRoleKeys(req.headers);
      // The region SCF names in the headers, for the SCF Invoke client (a zip function has it in its env).
      if (req.headers['x-scf-region'] && !process.env.TENCENTCLOUD_REGION) process.env.TENCENTCLOUD_REGION = req.headers['x-scf-region'];
      reply(res, 200, await handler(event, contextFrom(req.headers)));
    } catch (err) {
      // A non-2xx answer is an execution error: SCF's async retry policy applies.
      reply(res, 500, { errorCode: -1, errorMessage: String(err?.message || err) });
    }
  });
});
server.listen(port, process.env.HOST || '0.0.0.0', () => {
  process.stdout.write(`${JSON.stringify({ level: 'info', function: functionName, msg: `listening on ${server.address().port}` })}\n`);
});
