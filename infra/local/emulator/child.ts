/**
 * Runs inside each function's child process (through tsx): loads the handler once (cold
 * start), then serves one invocation at a time from the emulator over IPC, as an SCF
 * container does. Exits when the emulator goes away.
 */
import { pathToFileURL } from 'node:url';
import { INIT_TMPDIR_VAR, type ChildMessage, type InvokeMessage, type SerializedError } from './protocol';

type Handler = (event: unknown, context: Record<string, unknown>, callback?: (err: unknown, value?: unknown) => void) => unknown;

const [handlerFile, exportName] = process.argv.slice(2) as [string, string];

function send(message: ChildMessage): Promise<void> {
  return new Promise((resolve) => {
    if (!process.connected) return resolve();
    process.send!(message, undefined, {}, () => resolve());
  });
}

function serializeError(err: unknown): SerializedError {
  if (err instanceof Error) return { name: err.name, message: err.message, stack: err.stack };
  return { name: 'Error', message: typeof err === 'string' ? err : JSON.stringify(err) ?? String(err) };
}

/** Async handlers resolve or throw; callback-style handlers (3 parameters) call back. */
function call(handler: Handler, event: unknown, context: Record<string, unknown>): Promise<unknown> {
  if (handler.length < 3) return Promise.resolve().then(() => handler(event, context));
  return new Promise((resolve, reject) => {
    const returned = handler(event, context, (err, value) => (err ? reject(err) : resolve(value)));
    if (returned && typeof (returned as Promise<unknown>).then === 'function') (returned as Promise<unknown>).then(resolve, reject);
  });
}

function useTmpDir(dir: string): void {
  process.env.TMPDIR = dir;
  process.env.TMP = dir;
  process.env.TEMP = dir;
}

async function invoke(handler: Handler, msg: InvokeMessage): Promise<void> {
  useTmpDir(msg.tmpDir);
  if (msg.triggerSrc) process.env.TRIGGER_SRC = msg.triggerSrc;
  else delete process.env.TRIGGER_SRC;
  const context = {
    ...msg.context,
    request_id: msg.requestId,
    callbackWaitsForEmptyEventLoop: true,
    getRemainingTimeInMillis: () => Math.max(0, msg.deadline - Date.now()),
  };
  try {
    const value = await call(handler, msg.event, context);
    let json: string | null;
    try {
      json = value === undefined ? null : JSON.stringify(value);
    } catch (err) {
      await send({ type: 'result', requestId: msg.requestId, ok: false, error: { name: 'BadReturn', message: `the handler's return value is not JSON-serialisable: ${(err as Error).message}` } });
      return;
    }
    await send({ type: 'result', requestId: msg.requestId, ok: true, json });
  } catch (err) {
    await send({ type: 'result', requestId: msg.requestId, ok: false, error: serializeError(err) });
  }
}

async function main(): Promise<void> {
  process.on('disconnect', () => process.exit(0));
  // Module-scope code runs as part of the first invocation: give it that invocation's /tmp.
  const initTmp = process.env[INIT_TMPDIR_VAR];
  delete process.env[INIT_TMPDIR_VAR];
  if (initTmp) useTmpDir(initTmp);
  let handler: Handler;
  try {
    const mod = (await import(pathToFileURL(handlerFile).href)) as Record<string, unknown> & { default?: Record<string, unknown> };
    const found = mod[exportName] ?? mod.default?.[exportName];
    if (typeof found !== 'function') throw new TypeError(`${handlerFile} does not export a function named '${exportName}'`);
    handler = found as Handler;
  } catch (err) {
    await send({ type: 'init-error', error: serializeError(err) });
    process.exit(1);
  }
  process.on('message', (msg: InvokeMessage) => {
    if (msg?.type === 'invoke') void invoke(handler, msg);
  });
  await send({ type: 'ready' });
}

void main();
