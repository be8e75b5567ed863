/**
 * The SCF emulator: functions from serverless.yml run in child processes; COS triggers fed by
 * the local S3 server's object events, timers, SCF's Invoke API (`POST /`) and Function URLs
 * all go through the same pools (concurrency, memory, timeout) — async ones through the
 * durable queue with SCF's retry policy.
 */
import { mkdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { Logger } from '../../../shared/log';
import type { LocalObjectEvent, LocalS3Server } from '../s3/server';
import { toCosEvent } from './cosEvent';
import { cosTriggerMatches, eventNameOf } from './cosTrigger';
import { FunctionBundles } from './bundle';
import { AsyncDispatcher } from './dispatcher';
import { EventStore, eventsDir } from './eventStore';
import { FunctionPool } from './functionPool';
import type { OutputSink } from './functionProcess';
import { createRouter, listenHttp, type HttpListener } from './httpServer';
import { createScfApi, type ScfApiStats } from './scfApi';
import { contextFields, functionEnv } from './runtimeEnv';
import type { StackSpec } from './spec';
import { startTimers, type TimerHandle } from './timers';

/** COS trigger payloads name the region by its short code (`cosBucket.region: "gz"`). */
const COS_REGION_CODES: Readonly<Record<string, string>> = {
  'ap-guangzhou': 'gz',
  'ap-shanghai': 'sh',
  'ap-beijing': 'bj',
  'ap-chengdu': 'cd',
  'ap-chongqing': 'cq',
  'ap-nanjing': 'nj',
  'ap-hongkong': 'hk',
  'ap-singapore': 'sg',
};

function cosRegionCode(region: string): string {
  return COS_REGION_CODES[region] ?? region;
}

/** SCF's default initialisation timeout for event functions. */
export const INIT_TIMEOUT_MS = 65_000;

export interface EmulatorOptions {
  readonly stack: StackSpec;
  readonly dataDir: string;
  readonly s3: Pick<LocalS3Server, 'events' | 'endpoint'>;
  /** STRATA_HTTP_PORT (0 = any free port). */
  readonly httpPort: number;
  readonly hostEnv: NodeJS.ProcessEnv;
  /** The stack's settings for functions (endpoint, credentials, buckets…); the invoke endpoint is added here. */
  readonly stackEnv: Readonly<Record<string, string>>;
  readonly retryCount: number;
  readonly retryIntervalMs: number;
  readonly warmIdleMs: number;
  readonly initTimeoutMs?: number;
  /** A client must send its whole request within this (default 30 s; STRATA_HTTP_REQUEST_TIMEOUT_MS). */
  readonly requestTimeoutMs?: number;
  readonly output?: OutputSink;
  readonly log: Logger;
}

export interface Emulator {
  readonly httpEndpoint: string;
  readonly httpPort: number;
  readonly pools: ReadonlyMap<string, FunctionPool>;
  readonly dispatcher: AsyncDispatcher;
  readonly store: EventStore;
  /** Object events seen from the S3 server, and async deliveries they caused. */
  readonly stats: { objectEvents: number; cosDeliveries: number };
  /** What the TencentCloud API endpoint (`POST /`, SCF Invoke) has answered. */
  readonly scfApi: ScfApiStats;
  close(): Promise<void>;
}

const defaultOutput: OutputSink = (_fn, stream, chunk) => {
  (stream === 'stdout' ? process.stdout : process.stderr).write(chunk);
};

export async function startEmulator(options: EmulatorOptions): Promise<Emulator> {
  const { stack, log } = options;
  const tmpRoot = join(options.dataDir, 'tmp');
  // Left-overs of a killed stack; each invocation's directory lives here while it runs.
  await rm(tmpRoot, { recursive: true, force: true });
  await mkdir(tmpRoot, { recursive: true });

  let router: ReturnType<typeof createRouter> | null = null;
  const http: HttpListener = await listenHttp(options.httpPort, () => router, options.requestTimeoutMs);
  // shared/invoke.ts calls SCF's Invoke API; here it reaches this stack's API endpoint.
  const stackEnv = {
    ...options.stackEnv,
    STRATA_SCF_ENDPOINT: http.endpoint,
    STRATA_SERVICE: stack.service,
    STRATA_STAGE: stack.stage,
    STRATA_SCF_NAMESPACE: 'default',
  };

  const pools = new Map<string, FunctionPool>();
  const bundles = new FunctionBundles();
  for (const fn of stack.functions) {
    const env = functionEnv(fn, { stack, hostEnv: options.hostEnv, stackEnv });
    pools.set(
      fn.name,
      new FunctionPool(fn, {
        env,
        context: contextFields(fn, stack, env),
        tmpRoot,
        idleMs: options.warmIdleMs,
        bundles,
        initTimeoutMs: options.initTimeoutMs ?? INIT_TIMEOUT_MS,
        output: options.output ?? defaultOutput,
      }),
    );
  }
  const store = new EventStore(eventsDir(options.dataDir));
  const dispatcher = new AsyncDispatcher({ store, pools, retryCount: options.retryCount, retryIntervalMs: options.retryIntervalMs, log });
  for (const [name, pool] of pools) pool.onStarted = () => dispatcher.wake(name);
  await dispatcher.start();

  const stats = { objectEvents: 0, cosDeliveries: 0 };
  const onObject = (event: LocalObjectEvent): void => {
    stats.objectEvents += 1;
    const region = cosRegionCode(stack.region);
    const eventName = eventNameOf(toCosEvent([event], { appid: stack.appid, region }).Records[0]);
    if (!eventName) return;
    // Buckets without a matching trigger (the derived bucket…) invoke nothing: the recursion guard.
    for (const fn of stack.functions) {
      if (!fn.cos.some((t) => cosTriggerMatches(t, event.bucket, eventName, event.key))) continue;
      stats.cosDeliveries += 1;
      const payload = toCosEvent([event], { appid: stack.appid, region, functionName: fn.name });
      dispatcher.enqueue(fn.name, payload, 'cos').catch((err: unknown) => log.error({ err, function: fn.name, bucket: event.bucket, key: event.key }, 'could not queue COS event'));
    }
  };
  options.s3.events.on('object', onObject);

  const timers: TimerHandle = startTimers(stack.functions, (fn, event) => {
    dispatcher.enqueue(fn, event, 'timer').catch((err: unknown) => log.error({ err, function: fn, trigger: event.TriggerName }, 'could not queue timer event'));
  });

  const scfApi = createScfApi({
    service: stack.service,
    stage: stack.stage,
    region: stack.region,
    pools,
    dispatcher,
    // The role keys the emulator gives its functions (TENCENTCLOUD_SECRETID/SECRETKEY).
    credentials: { secretId: options.stackEnv.STRATA_ACCESS_KEY ?? '', secretKey: options.stackEnv.STRATA_SECRET_KEY ?? '' },
    log,
  });
  router = createRouter({
    pools,
    dispatcher,
    scfApi: scfApi.handle,
    log,
    health: () => ({
      s3Endpoint: options.s3.endpoint,
      functions: [...pools.values()].map((p) => ({ name: p.spec.name, inFlight: p.inFlight, warm: p.warm, url: p.spec.url ? `${http.endpoint}/${p.spec.name}/` : null })),
      events: dispatcher.liveCounts(),
    }),
  });

  let closed: Promise<void> | null = null;
  return {
    httpEndpoint: http.endpoint,
    httpPort: http.port,
    pools,
    dispatcher,
    store,
    stats,
    scfApi: scfApi.stats,
    close: () =>
      (closed ??= (async () => {
        options.s3.events.off('object', onObject);
        timers.stop();
        dispatcher.stop();
        await Promise.all([...pools.values()].map((p) => p.close()));
        await dispatcher.drain();
        await bundles.close();
        await http.close();
        await rm(tmpRoot, { recursive: true, force: true });
      })()),
  };
}
