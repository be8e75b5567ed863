// Entry of a Strata container-image function on SCF (WebServer image): SCF posts each event to
// POST /event-invoke on port 9000, with the invocation context in X-Scf-* headers.
// See ../shared/notes/scf-runtime-2026.md §2.2.
'use strict';
const http = require('node:http');
const { main_handler: handler } = require('./index.js');

const port = Number(process.env.PORT || 9000);

function contextFrom(headers) {
  const timeoutMs = Number(headers['x-scf-timeout'] || 900) * 1000;
  const started = Date.now();
  return {
    request_id: headers['x-scf-request-id'] || '',
    function_name: headers['x-scf-name'] || process.env.SCF_FUNCTIONNAME || '',
    function_version: headers['x-scf-version'] || '$LATEST',
    namespace: headers['x-scf-namespace'] || 'default',
    memory_limit_in_mb: Number(headers['x-scf-memory'] || 0),
    time_limit_in_ms: timeoutMs,
    tencentcloud_region: headers['x-scf-region'] || '',
    tencentcloud_appid: headers['x-scf-appid'] || '',
    getRemainingTimeInMillis: () => Math.max(0, timeoutMs - (Date.now() - started)),
  };
}

http
  .createServer((req, res) => {
    if (req.method !== 'POST' || req.url !== '/event-invoke') {
      res.writeHead(404, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ error: 'SCF image functions receive events on POST /event-invoke' }));
      return;
    }
    // The role's temporary keys arrive per request; the gateway reads them from the environment.
    if (req.headers['x-scf-secret-id']) {
      process.env.TENCENTCLOUD_SECRETID = req.headers['x-scf-secret-id'];
      process.env.TENCENTCLOUD_SECRETKEY = req.headers['x-scf-secret-key'];
      process.env.TENCENTCLOUD_SESSIONTOKEN = req.headers['x-scf-session-token'];
    }
    const chunks = [];
    req.on('data', (c) => chunks.push(c));
    req.on('end', async () => {
      let event;
      try {
        event = JSON.parse(Buffer.concat(chunks).toString('utf8') || 'null');
      } catch (err) {
        res.writeHead(400, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ errorCode: -1, errorMessage: `event is not JSON: ${err.message}` }));
        return;
      }
      try {
        const result = await handler(event, contextFrom(req.headers));
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(JSON.stringify(result === undefined ? null : result));
      } catch (err) {
        // A non-2xx answer is an execution error: SCF's async retry policy applies.
        res.writeHead(500, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ errorCode: -1, errorMessage: String((err && err.message) || err) }));
      }
    });
  })
  .listen(port, '0.0.0.0', () => process.stdout.write(`${JSON.stringify({ level: 'info', msg: `listening on ${port}` })}\n`));
