import { Batcher } from './batcher';

/** A `run` that waits until the test lets it finish, recording each batch it was given; it answers each item doubled. */
function controlledRun() {
  const batches: number[][] = [];
  const finish: (() => void)[] = [];
  const refused = new Set<number>();
  const run = (items: number[]) => {
    batches.push(items);
    return new Promise<number[]>((resolve, reject) =>
      finish.push(() => (items.some((item) => refused.has(item)) ? reject(new Error(`refused ${items.join(',')}`)) : resolve(items.map((item) => item * 2)))),
    );
  };
  return { batches, run, refuse: (item: number) => refused.add(item), finishAll: () => finish.splice(0).forEach((f) => f()) };
}

const turn = () => new Promise((resolve) => setImmediate(resolve));

describe('Batcher', () => {
  it('runs the items added in one turn together, and those added while it runs in the next batch', async () => {
    const r = controlledRun();
    const batcher = new Batcher(r.run);
    const first = [1, 2].map((n) => batcher.add(n));
    expect(r.batches).toEqual([]);
    await turn();
    expect(r.batches).toEqual([[1, 2]]);
    const rest = [3, 4, 5].map((n) => batcher.add(n));
    await turn();
    expect(r.batches).toEqual([[1, 2]]);
    r.finishAll();
    expect(await Promise.all(first)).toEqual([2, 4]);
    await turn();
    expect(r.batches).toEqual([[1, 2], [3, 4, 5]]);
    r.finishAll();
    expect(await Promise.all(rest)).toEqual([6, 8, 10]);
  });

  it('keeps at most maxInFlight batches of at most maxBatch items on their way', async () => {
    const r = controlledRun();
    const batcher = new Batcher(r.run, { maxBatch: 2, maxInFlight: 2 });
    const all = [1, 2, 3, 4, 5, 6, 7].map((n) => batcher.add(n));
    await turn();
    expect(r.batches).toEqual([[1, 2], [3, 4]]);
    r.finishAll();
    await turn();
    expect(r.batches).toEqual([[1, 2], [3, 4], [5, 6], [7]]);
    r.finishAll();
    expect(await Promise.all(all)).toEqual([2, 4, 6, 8, 10, 12, 14]);
  });

  it('a failed batch fails each of its items, and the next batch still runs', async () => {
    const r = controlledRun();
    const batcher = new Batcher(r.run);
    r.refuse(1);
    const failed = [1, 2].map((n) => batcher.add(n));
    await turn();
    const later = batcher.add(3);
    r.finishAll();
    await expect(failed[0]).rejects.toThrow('refused 1,2');
    await expect(failed[1]).rejects.toThrow('refused 1,2');
    await turn();
    r.finishAll();
    expect(await later).toBe(6);
  });

  it('with isolateFailures, runs each item of a failed batch alone: only the item that fails alone fails', async () => {
    const r = controlledRun();
    const batcher = new Batcher(r.run, { isolateFailures: true });
    r.refuse(2);
    const all = [1, 2, 3].map((n) => batcher.add(n));
    await turn();
    r.finishAll();
    await turn();
    expect(r.batches).toEqual([[1, 2, 3], [1], [2], [3]]);
    r.finishAll();
    const settled = await Promise.allSettled(all);
    expect(settled.map((s) => s.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
    expect(settled[0]).toEqual({ status: 'fulfilled', value: 2 });
    expect(settled[1]).toMatchObject({ status: 'rejected', reason: new Error('refused 2') });
  });
});

describe('Batcher with keysOf', () => {
  it('leaves an item that shares a key with one in the batch for a later batch, in its place', async () => {
    const r = controlledRun();
    const batcher = new Batcher(r.run, { keysOf: (n: number) => [`row${n % 10}`] });
    const all = [1, 11, 2, 21, 12].map((n) => batcher.add(n));
    await turn();
    expect(r.batches).toEqual([[1, 2]]);
    r.finishAll();
    await turn();
    expect(r.batches).toEqual([[1, 2], [11, 12]]);
    r.finishAll();
    await turn();
    expect(r.batches).toEqual([[1, 2], [11, 12], [21]]);
    r.finishAll();
    expect(await Promise.all(all)).toEqual([2, 22, 4, 42, 24]);
  });
});
