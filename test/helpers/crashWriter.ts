/**
 * Child process for the crash test: writes plain and protected objects in a loop until it is
 * killed. Content is a pure function of (key, generation), so the parent can tell a complete
 * version from anything else. Prints `ready` once loaded, waits for a line on stdin (so the
 * parent can start the next writer while it checks the last one's leftovers), then prints
 * `start KEY GEN` before each write. Env: ENDPOINT, ACCESS_KEY, SECRET_KEY.
 * The go line is `START_GEN SEED`.
 */
import { createInterface } from 'node:readline';
import { createS3Gateway } from '@strata/core';
import { crashContent, CRASH_KEYS, CRASH_TARGETS } from './crashContent';

const gateway = createS3Gateway({
  endpoint: process.env.ENDPOINT!,
  region: 'us-east-1',
  credentials: { accessKeyId: process.env.ACCESS_KEY!, secretAccessKey: process.env.SECRET_KEY! },
  transfer: { partSize: 5 * 1024 * 1024, queueSize: 2 },
});
process.stdout.write('ready\n');
const go = await new Promise<string>((ok) => createInterface({ input: process.stdin }).once('line', ok));
let [gen, seed] = go.split(' ').map(Number) as [number, number];
const next = (): number => {
  seed = (seed * 1103515245 + 12345) % 2147483648;
  return seed;
};

for (;;) {
  const spec = CRASH_KEYS[next() % CRASH_KEYS.length]!;
  gen += 1;
  process.stdout.write(`start ${spec.key} ${gen}\n`);
  const body = crashContent(spec, gen);
  if (spec.protect) await gateway.putProtected({ bucket: 'uploads', key: spec.key }, body, { ...spec.protect, targets: CRASH_TARGETS, blockSize: 64 * 1024 });
  else await gateway.put({ bucket: 'uploads', key: spec.key }, body);
}
