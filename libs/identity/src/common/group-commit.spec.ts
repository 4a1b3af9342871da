import { GroupCommit } from './group-commit';

/** A write that waits until the test lets it finish, recording each batch it was given. */
function controlledWrite() {
  const batches: number[][] = [];
  const finish: (() => void)[] = [];
  let failNext = false;
  const write = (items: number[]) => {
    batches.push(items);
    const fail = failNext;
    failNext = false;
    return new Promise<number>((resolve, reject) => finish.push(() => (fail ? reject(new Error('refused')) : resolve(items.length))));
  };
  return { batches, write, next: () => finish.shift()?.(), failNext: () => (failNext = true) };
}

const settled = () => new Promise((resolve) => setImmediate(resolve));

describe('GroupCommit', () => {
  it('writes the first item at once and those that came meanwhile together in the next write', async () => {
    const w = controlledWrite();
    const commit = new GroupCommit(w.write);
    const first = commit.add(1);
    const rest = [2, 3, 4].map((n) => commit.add(n));
    expect(w.batches).toEqual([[1]]);
    w.next();
    expect(await first).toBe(1);
    await settled();
    expect(w.batches).toEqual([[1], [2, 3, 4]]);
    w.next();
    expect(await Promise.all(rest)).toEqual([3, 3, 3]);
    const later = commit.add(5);
    expect(w.batches).toEqual([[1], [2, 3, 4], [5]]);
    w.next();
    expect(await later).toBe(1);
  });

  it('a refused write fails its own batch only; the next batch is still written', async () => {
    const w = controlledWrite();
    const commit = new GroupCommit(w.write);
    w.failNext();
    const refused = commit.add(1);
    const after = commit.add(2);
    w.next();
    await expect(refused).rejects.toThrow('refused');
    await settled();
    w.next();
    expect(await after).toBe(1);
    expect(w.batches).toEqual([[1], [2]]);
  });
});
