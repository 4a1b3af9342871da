import fc from 'fast-check';
import { BASELINE_BUCKETS, baselineOf, bucketStartOf, prefixBurstThreshold, prefixOf, tripsPrefixHold } from './prefix-velocity';

const limits = fc.record({ prefixBurstMinimum: fc.integer({ min: 1, max: 100_000 }), prefixBurstFactor: fc.integer({ min: 2, max: 1000 }) });
const baseline = fc.double({ min: 0, max: 1_000_000, noNaN: true });

describe('prefix velocity arithmetic', () => {
  it('holds above max(minimum, baseline × factor): the defaults on a quiet prefix and a busy one', () => {
    const defaults = { prefixBurstMinimum: 20, prefixBurstFactor: 10 };
    expect(prefixBurstThreshold(0, defaults)).toBe(20);
    expect(prefixBurstThreshold(1.5, defaults)).toBe(20);
    expect(prefixBurstThreshold(12.35, defaults)).toBe(123);
    expect(tripsPrefixHold(20, 20)).toBe(false);
    expect(tripsPrefixHold(21, 20)).toBe(true);
  });

  it('averages over 144 buckets of 10 minutes, the missing ones as 0', () => {
    expect(BASELINE_BUCKETS).toBe(144);
    expect(baselineOf(0)).toBe(0);
    expect(baselineOf(144)).toBe(1);
    expect(baselineOf(72)).toBe(0.5);
  });

  it('never puts the threshold below the minimum', () => {
    fc.assert(fc.property(baseline, limits, (b, l) => expect(prefixBurstThreshold(b, l)).toBeGreaterThanOrEqual(l.prefixBurstMinimum)));
  });

  it('never lowers the threshold when the baseline rises', () => {
    fc.assert(
      fc.property(baseline, baseline, limits, (a, b, l) => {
        const [low, high] = a <= b ? [a, b] : [b, a];
        expect(prefixBurstThreshold(high, l)).toBeGreaterThanOrEqual(prefixBurstThreshold(low, l));
      }),
    );
  });

  it('never lowers the threshold when the minimum or the factor rises', () => {
    fc.assert(
      fc.property(baseline, limits, fc.integer({ min: 0, max: 1000 }), fc.integer({ min: 0, max: 1000 }), (b, l, moreMinimum, moreFactor) => {
        const raised = { prefixBurstMinimum: l.prefixBurstMinimum + moreMinimum, prefixBurstFactor: l.prefixBurstFactor + moreFactor };
        expect(prefixBurstThreshold(b, raised)).toBeGreaterThanOrEqual(prefixBurstThreshold(b, l));
      }),
    );
  });

  it('lets a prefix send at up to its usual rate times the factor, and holds it beyond', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 10_000 }), limits, (usualPerBucket, l) => {
        const threshold = prefixBurstThreshold(baselineOf(usualPerBucket * BASELINE_BUCKETS), l);
        expect(tripsPrefixHold(usualPerBucket * l.prefixBurstFactor, threshold)).toBe(false);
        expect(tripsPrefixHold(Math.max(l.prefixBurstMinimum, usualPerBucket * l.prefixBurstFactor) + 1, threshold)).toBe(true);
      }),
    );
  });

  it('trips exactly when the count exceeds the real-valued max(minimum, baseline × factor)', () => {
    fc.assert(
      fc.property(baseline, limits, fc.integer({ min: 0, max: 2_000_000_000 }), (b, l, count) => {
        expect(tripsPrefixHold(count, prefixBurstThreshold(b, l))).toBe(count > Math.max(l.prefixBurstMinimum, b * l.prefixBurstFactor));
      }),
    );
  });

  it('aligns buckets on the epoch, so every replica puts a send in the same bucket', () => {
    expect(bucketStartOf(new Date('2026-11-25T09:07:59.999Z')).toISOString()).toBe('2026-11-25T09:00:00.000Z');
    expect(bucketStartOf(new Date('2026-11-25T09:10:00.000Z')).toISOString()).toBe('2026-11-25T09:10:00.000Z');
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 4_000_000_000_000 }), (ms) => {
        const start = bucketStartOf(new Date(ms)).getTime();
        expect(start).toBeLessThanOrEqual(ms);
        expect(ms - start).toBeLessThan(600_000);
        expect(start % 600_000).toBe(0);
      }),
    );
  });

  it.each([
    ['+447400123456', '+44'],
    ['+819012345678', '+81'],
    ['+12015550123', '+1'],
    ['+881612345678', '+881'],
    ['+870773111632', '+870'],
  ])('takes the country calling code of %s as the prefix', (e164, prefix) => {
    expect(prefixOf(e164)).toBe(prefix);
  });
});
