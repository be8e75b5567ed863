import { setTimeout as sleep } from 'node:timers/promises';

/** Polls until `condition` holds; only gives up after `limitMs` (no timing assumptions in tests). */
export async function waitFor(condition: () => boolean | Promise<boolean>, limitMs = 20_000): Promise<void> {
  const until = Date.now() + limitMs;
  while (!(await condition())) {
    if (Date.now() > until) throw new Error(`condition not reached within ${limitMs} ms`);
    await sleep(25);
  }
}
