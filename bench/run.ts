/**
 * `npm run bench [-- FILTER]`: runs every `bench/*.bench.ts` (or those whose name contains
 * FILTER) and prints JSON lines. A bench module exports `run(): AsyncIterable<BenchRecord>`;
 * speed is reported as a ratio against a baseline measured in the same run, memory as peak RSS.
 */
import { readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

export interface BenchRecord {
  readonly bench: string;
  readonly [field: string]: unknown;
}

const here = dirname(fileURLToPath(import.meta.url));
const filter = process.argv[2] ?? '';
const files = readdirSync(here).filter((f) => f.endsWith('.bench.ts') && f.includes(filter)).sort();
let failed = 0;
for (const file of files) {
  const mod = (await import(join(here, file))) as { run(): AsyncIterable<BenchRecord> };
  try {
    for await (const record of mod.run()) process.stdout.write(`${JSON.stringify(record)}\n`);
  } catch (err) {
    failed += 1;
    process.stdout.write(`${JSON.stringify({ bench: file, error: String((err as Error)?.stack ?? err) })}\n`);
  }
}
process.exitCode = failed ? 1 : 0;
