import fc from 'fast-check';
import { CounterLeases, LeaseTake } from './counter-leases';

const WINDOW_END = 60_000;

/** A shared store counting one counter, and replicas taking from it with takes that land in any order. */
class SharedCount {
  count = 0;
  admitted = 0;
  refused = 0;
  readonly inFlight: { replica: CounterLeases; take: LeaseTake }[] = [];

  constructor(readonly limit: number) {}

  send(replica: CounterLeases): void {
    if (replica.spend('c')) this.admitted += 1;
    else this.inFlight.push({ replica, take: replica.take('c', this.limit) });
  }

  /** The store counts the take now and its answer reaches the replica. */
  land(index: number): void {
    const [{ replica, take }] = this.inFlight.splice(index, 1);
    this.count += take.units;
    if (replica.settle(take, this.count, this.limit, WINDOW_END, true)) this.admitted += 1;
    else this.refused += 1;
  }
}

describe('CounterLeases', () => {
  it('takes one unit until the count is known, then 1/16 of the headroom, at most 64', () => {
    const leases = new CounterLeases(() => 0);
    const first = leases.take('c', 10_000);
    expect(first.units).toBe(1);
    expect(leases.settle(first, 1, 10_000, WINDOW_END, true)).toBe(true);
    expect(leases.spend('c')).toBe(false);
    const second = leases.take('c', 10_000);
    expect(second.units).toBe(64);
    expect(leases.take('c', 10_000).units).toBe(1);
    expect(leases.settle(second, 65, 10_000, WINDOW_END, true)).toBe(true);
    for (let i = 0; i < 63; i++) expect(leases.spend('c')).toBe(true);
    expect(leases.spend('c')).toBe(false);
    expect(leases.take('c', 400).units).toBe(Math.floor((400 - 65) / 16));
  });

  it('tells a send with nothing to spend when a take of many lands (settled, failed or forgotten), and of none when there is no such take', async () => {
    const leases = new CounterLeases(() => 0);
    expect(leases.landing('c')).toBeNull();
    leases.settle(leases.take('c', 10_000), 1, 10_000, WINDOW_END, true);
    const landed = (id: string) => {
      const landing = leases.landing(id);
      if (!landing) throw new Error('no take on its way');
      let done = false;
      void landing.then(() => (done = true));
      return () => Promise.resolve().then(() => done);
    };
    const many = leases.take('c', 10_000);
    const settled = landed('c');
    expect(leases.take('c', 10_000).units).toBe(1);
    expect(await settled()).toBe(false);
    leases.settle(many, 65, 10_000, WINDOW_END, true);
    expect(await settled()).toBe(true);
    expect(leases.landing('c')).toBeNull();
    for (let i = 0; i < 63; i++) leases.spend('c');
    const failed = leases.take('c', 10_000);
    const abandoned = landed('c');
    leases.abandon(failed);
    expect(await abandoned()).toBe(true);
    leases.take('c', 10_000);
    const forgotten = landed('c');
    leases.forget('c');
    expect(await forgotten()).toBe(true);
  });

  it('near the limit every send is counted on its own, so two replicas admit exactly the limit', () => {
    const store = new SharedCount(20);
    const replicas = [new CounterLeases(() => 0), new CounterLeases(() => 0)];
    for (let i = 0; i < 30; i++) {
      store.send(replicas[i % 2]);
      while (store.inFlight.length > 0) store.land(0);
    }
    expect(store.admitted).toBe(20);
    expect(store.refused).toBe(10);
  });

  it('a take that overshoots the limit admits the units that fitted and holds the rest', () => {
    const leases = new CounterLeases(() => 0);
    leases.settle(leases.take('c', 1000), 900, 1000, WINDOW_END, true);
    const take = leases.take('c', 1000);
    expect(take.units).toBe(6);
    // Another replica took 98 meanwhile: only 2 of the 6 fit under 1000.
    expect(leases.settle(take, 1004, 1000, WINDOW_END, true)).toBe(true);
    expect(leases.spend('c')).toBe(true);
    expect(leases.spend('c')).toBe(false);
    const over = leases.take('c', 1000);
    expect(leases.settle(over, 1005, 1000, WINDOW_END, true)).toBe(false);
  });

  it('units die with their window, and a refused send gives its unit back', () => {
    let now = 0;
    const leases = new CounterLeases(() => now);
    leases.settle(leases.take('c', 10_000), 1, 10_000, WINDOW_END, true);
    leases.settle(leases.take('c', 10_000), 65, 10_000, WINDOW_END, false);
    expect(leases.spend('c')).toBe(true);
    leases.giveBack('c');
    for (let i = 0; i < 64; i++) expect(leases.spend('c')).toBe(true);
    leases.settle(leases.take('c', 10_000), 129, 10_000, WINDOW_END, true);
    now = WINDOW_END;
    expect(leases.spend('c')).toBe(false);
    expect(leases.take('c', 10_000).units).toBe(1);
  });

  it('a failed take lets the next one be a chunk again; forget drops the units', () => {
    const leases = new CounterLeases(() => 0);
    leases.settle(leases.take('c', 10_000), 1, 10_000, WINDOW_END, true);
    const failed = leases.take('c', 10_000);
    leases.abandon(failed);
    const retried = leases.take('c', 10_000);
    expect(retried.units).toBe(64);
    leases.settle(retried, 65, 10_000, WINDOW_END, true);
    leases.forget('c');
    expect(leases.spend('c')).toBe(false);
  });

  it('any replicas, sends and landing order: never more admitted than the limit, and never a unit admitted that the store did not count', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 3000 }),
        fc.integer({ min: 1, max: 4 }),
        fc.array(fc.tuple(fc.nat(), fc.boolean(), fc.nat()), { maxLength: 400 }),
        (limit, replicaCount, steps) => {
          const store = new SharedCount(limit);
          const replicas = Array.from({ length: replicaCount }, () => new CounterLeases(() => 0));
          for (const [who, lands, which] of steps) {
            if (lands && store.inFlight.length > 0) store.land(which % store.inFlight.length);
            else store.send(replicas[who % replicaCount]);
          }
          while (store.inFlight.length > 0) store.land(store.inFlight.length - 1);
          expect(store.admitted).toBeLessThanOrEqual(limit);
          expect(store.admitted).toBeLessThanOrEqual(store.count);
          if (store.refused > 0) expect(store.count).toBeGreaterThan(limit);
        },
      ),
    );
  });

  it('one replica refuses only once the limit is spent', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 5000 }), fc.integer({ min: 1, max: 32 }), (limit, concurrency) => {
        const store = new SharedCount(limit);
        const replica = new CounterLeases(() => 0);
        while (store.refused === 0) {
          for (let i = 0; i < concurrency; i++) store.send(replica);
          while (store.inFlight.length > 0) store.land(0);
        }
        expect(store.admitted).toBe(limit);
      }),
    );
  });
});
