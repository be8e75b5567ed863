/**
 * `npm start`: the whole local stack in one command — the S3 server with the buckets, the SCF
 * emulator (COS triggers, timers, async Invoke, Function URLs) — on 127.0.0.1. Prints how to
 * use it, then `S3 endpoint: http://127.0.0.1:PORT` once ready. SIGINT/SIGTERM stop it cleanly.
 */
import { relative } from 'node:path';
import { describeError, StrataError } from '@strata/core/errors';
import { startStack, type RunningStack } from './stack';

process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

function describe(stack: RunningStack, startupMs: number): string {
  const { config, spec, s3, emulator } = stack;
  const { accessKeyId, secretAccessKey } = config.storage.credentials;
  const role = (b: string): string =>
    b === config.buckets.upload ? 'upload' : b === config.buckets.derived ? 'derived' : config.buckets.protect.includes(b) ? 'protect' : 'trigger';
  const lines = [
    `Strata local stack — service ${spec.service}, stage ${spec.stage}, ${relative(process.cwd(), spec.file) || spec.file}`,
    `  data:        ${stack.dataDir}`,
    `  S3:          ${s3.endpoint}  (region ${config.storage.region})`,
    `  HTTP:        ${emulator.httpEndpoint}  (GET /healthz; Function URLs at /<function>/; SCF's Invoke API at POST /)`,
    `  buckets:     ${stack.buckets.map((b) => `${b} (${role(b)})`).join(', ')}`,
    `  credentials: access key ${accessKeyId}, secret key ${secretAccessKey}`,
    `  retries:     ${config.emulator.retryCount} at ${config.emulator.retryIntervalMs} ms, then the dead-letter list (strata events list --dead)`,
    '  functions:',
    ...spec.functions.map((f) => {
      const triggers = [
        ...f.cos.map((t) => `cos ${t.bucket} ${t.events}${t.prefix ? ` prefix ${t.prefix}` : ''}${t.suffix ? ` suffix ${t.suffix}` : ''}`),
        ...f.timers.map((t) => `timer ${t.name} '${t.cron}'`),
        ...(f.url ? [`url ${emulator.httpEndpoint}/${f.name}/`] : []),
      ];
      return `    ${f.name}: ${f.memoryMb} MB, ${f.timeoutMs / 1000} s, concurrency ${f.reservedConcurrency}; ${triggers.join('; ') || 'no triggers'}`;
    }),
    ...spec.skipped.map((s) => `    ${s.name}: SKIPPED, ${s.reason}`),
    ...spec.warnings.map((w) => `  warning: ${w}`),
    '',
    'Upload a file:',
    `  export AWS_ACCESS_KEY_ID=${accessKeyId} AWS_SECRET_ACCESS_KEY=${secretAccessKey} AWS_DEFAULT_REGION=${config.storage.region}`,
    `  aws --endpoint-url ${s3.endpoint} s3 cp FILE s3://${config.buckets.upload}/FILE`,
    ...(process.env.STRATA_DATA_DIR ? [`The strata CLI finds this stack with: export STRATA_DATA_DIR=${stack.dataDir}`] : []),
    `  npm run -s strata -- asset show s3://${config.buckets.upload}/FILE --wait 30`,
    '',
    `Started in ${(startupMs / 1000).toFixed(2)} s. Ctrl-C stops the stack.`,
  ];
  return `${lines.join('\n')}\n`;
}

async function main(): Promise<void> {
  let stack: RunningStack;
  try {
    stack = await startStack({ env: process.env });
  } catch (err) {
    const code = err instanceof StrataError ? `${err.code}: ` : '';
    process.stderr.write(`strata start: ${code}${describeError(err)}\n`);
    process.exit(1);
  }
  // From process start: node boot and tsx included, as the user waits for them.
  process.stdout.write(describe(stack, process.uptime() * 1000));
  process.stdout.write(`SCF API: ${stack.emulator.httpEndpoint}\n`);
  process.stdout.write(`S3 endpoint: ${stack.s3.endpoint}\n`);

  let stopping = false;
  const stop = (signal: NodeJS.Signals): void => {
    if (stopping) {
      process.stderr.write(`strata start: ${signal} again, exiting now\n`);
      process.exit(1);
    }
    stopping = true;
    process.stdout.write(`\n${signal}: stopping…\n`);
    stack.close().then(
      () => {
        process.stdout.write('stopped\n');
        process.exit(0);
      },
      (err: unknown) => {
        process.stderr.write(`strata start: error while stopping: ${describeError(err)}\n`);
        process.exit(1);
      },
    );
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
}

void main();
