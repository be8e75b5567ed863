import { describe, expect, it } from 'vitest';
import { GroupSync } from '../../../../infra/local/s3/commit';

/** A fake fsync whose runs the test ends by hand, recording when each started. */
function fakeSync() {
  const runs: { path: string; startedAt: number; end: () => void }[] = [];
  let clock = 0;
  const syncOne = (path: string) =>
    new Promise<void>((resolve) => {
      runs.push({ path, startedAt: clock++, end: resolve });
    });
  return { runs, syncOne, tick: () => clock++ };
}

const settle = () => new Promise((r) => setImmediate(r));

describe('GroupSync (group commit of directory fsyncs)', () => {
  it('answers each caller with an fsync that started after it asked, shared by the callers that asked meanwhile', async () => {
    const f = fakeSync();
    const group = new GroupSync(f.syncOne);
    const answered: string[] = [];
    const first = group.sync('/d').then(() => answered.push('first'));
    expect(f.runs).toHaveLength(1);
    // Three callers while the first fsync runs: it may predate their renames, so they wait for the next.
    const asked = f.tick();
    const later = [1, 2, 3].map((i) => group.sync('/d').then(() => answered.push(`later-${i}`)));
    await settle();
    expect(f.runs).toHaveLength(1);
    f.runs[0]!.end();
    await first;
    await settle();
    expect(answered).toEqual(['first']);
    expect(f.runs).toHaveLength(2); // one more fsync serves all three
    expect(f.runs[1]!.startedAt).toBeGreaterThan(asked);
    f.runs[1]!.end();
    await Promise.all(later);
    expect(answered).toEqual(['first', 'later-1', 'later-2', 'later-3']);
    expect(f.runs).toHaveLength(2);
  });

  it('keeps directories apart and passes a failed fsync to its callers', async () => {
    const group = new GroupSync(async (path) => {
      if (path === '/bad') throw new Error('EIO');
    });
    await expect(group.sync('/bad')).rejects.toThrow('EIO');
    await expect(group.sync('/good')).resolves.toBeUndefined();
    await expect(group.sync('/bad')).rejects.toThrow('EIO');
  });
});
