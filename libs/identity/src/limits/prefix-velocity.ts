import { callingCodeOf } from '@honnin/otp';
import { LimitsPolicy } from '@honnin/policy';

/** Sends are counted per tenant and prefix in buckets of this length. */
export const PREFIX_BUCKET_SECONDS = 600;
/** The baseline is the average bucket over this window before the current bucket. */
export const BASELINE_WINDOW_SECONDS = 24 * 3600;
export const BASELINE_BUCKETS = BASELINE_WINDOW_SECONDS / PREFIX_BUCKET_SECONDS;

/**
 * The pumping unit: the country calling code (`+44`, `+1`, `+881`). Fraud rings pump whole ranges of
 * one country, so this catches them while one tenant's usual traffic stays in its own code. Finer
 * units (`+1876` Jamaica inside NANP, a country's premium ranges) are a possible extension: count
 * under a longer key here, nothing else changes. The number was just read (parsed once, remembered).
 */
export function prefixOf(e164: string): string {
  return callingCodeOf(e164);
}

/** The start of the 10-minute bucket `at` falls in (buckets are aligned on the epoch, so every replica agrees). */
export function bucketStartOf(at: Date): Date {
  const size = PREFIX_BUCKET_SECONDS * 1000;
  return new Date(Math.floor(at.getTime() / size) * size);
}

/** Average sends per bucket over the window; buckets without a send count as 0. */
export function baselineOf(sendsInWindow: number): number {
  return sendsInWindow / BASELINE_BUCKETS;
}

/**
 * The most sends a bucket may hold before the prefix is held: max(prefixBurstMinimum, baseline ×
 * prefixBurstFactor), rounded down (counts are whole, so "more than 12.5" is "more than 12").
 */
export function prefixBurstThreshold(baseline: number, limits: Pick<LimitsPolicy, 'prefixBurstMinimum' | 'prefixBurstFactor'>): number {
  return Math.max(limits.prefixBurstMinimum, Math.floor(baseline * limits.prefixBurstFactor));
}

/** Whether the bucket's count, this send included, puts the prefix on hold. */
export function tripsPrefixHold(sendsInBucket: number, threshold: number): boolean {
  return sendsInBucket > threshold;
}
