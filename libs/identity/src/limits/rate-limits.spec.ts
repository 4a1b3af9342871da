import { DEFAULT_TENANT_POLICY, LimitsPolicy } from '@honnin/policy';
import { IdentityError } from '../errors/identity-error';
import { RateLimiters } from './rate-limit-store';
import { LimitedCaller, loginBackoffSeconds, RateLimits, RateLimitTrip } from './rate-limits';

// RateLimiterMemory reads Date.now and uses setTimeout; jest's fake timers drive both, so windows
// and back-offs expire without waiting.
const T0 = new Date('2026-11-25T09:00:00Z').getTime();
const LIMITS: LimitsPolicy = { ...DEFAULT_TENANT_POLICY.limits, loginFailuresPerAccount: 3, loginFailuresPerIpPerHour: 1000 };
const caller = (ip: string | null = '192.0.2.1'): LimitedCaller => ({ tenantId: 'tenant-a', userId: null, sessionId: null, context: { tenantSlug: 'a', ip, userAgent: null } });

async function refusal(promise: Promise<unknown>): Promise<IdentityError | null> {
  try {
    await promise;
    return null;
  } catch (error) {
    if (error instanceof IdentityError) return error;
    throw error;
  }
}

describe('loginBackoffSeconds', () => {
  it('doubles from 1 s and stops at 15 minutes', () => {
    expect([0, 1, 2, 3, 9, 10, 11, 40].map(loginBackoffSeconds)).toEqual([1, 2, 4, 8, 512, 900, 900, 900]);
  });
});

describe('RateLimits (in memory, fake time)', () => {
  let trips: RateLimitTrip[];
  let limits: RateLimits;
  beforeEach(() => {
    jest.useFakeTimers({ now: T0 });
    trips = [];
    limits = new RateLimits(RateLimiters.inMemory(), 'k'.repeat(64), (trip) => trips.push(trip));
  });
  afterEach(() => jest.useRealTimers());

  /** One login attempt with the given outcome; the refusal if it was throttled. */
  async function attempt(loginId: string, ok: boolean, who = caller()): Promise<IdentityError | null> {
    return refusal(
      (async () => {
        const started = await limits.beginLogin(who, loginId, LIMITS);
        await (ok ? limits.loginSucceeded(started) : limits.loginFailed(started));
      })(),
    );
  }

  it('after the budget of failures, back-off of 1, 2, 4 s for the next attempt; never a permanent lock-out', async () => {
    for (let i = 0; i < 3; i++) expect(await attempt('ann', false)).toBeNull();
    expect(await attempt('ann', true)).toMatchObject({ code: 'RATE_LIMITED', details: { retryAfterSeconds: 1 } });
    jest.advanceTimersByTime(1000);
    expect(await attempt('ann', false)).toBeNull();
    expect(await attempt('ann', false)).toMatchObject({ code: 'RATE_LIMITED', details: { retryAfterSeconds: 2 } });
    jest.advanceTimersByTime(2000);
    expect(await attempt('ann', false)).toBeNull();
    expect(await attempt('ann', false)).toMatchObject({ code: 'RATE_LIMITED', details: { retryAfterSeconds: 4 } });
    // Refused attempts did not lengthen it: after 4 s the right password gets in and resets the count.
    jest.advanceTimersByTime(4000);
    expect(await attempt('ann', true)).toBeNull();
    for (let i = 0; i < 3; i++) expect(await attempt('ann', false)).toBeNull();
    expect(await attempt('ann', false)).toMatchObject({ code: 'RATE_LIMITED', details: { retryAfterSeconds: 1 } });
    expect(trips.map((t) => t.key)).toEqual(['account', 'account', 'account', 'account']);
  });

  it('caps the back-off at 15 minutes', async () => {
    for (let i = 0; i < 3; i++) await attempt('bob', false);
    let waited = 0;
    for (let k = 0; k < 14; k++) {
      const refused = await attempt('bob', false);
      const seconds = Number(refused?.details['retryAfterSeconds']);
      expect(seconds).toBe(loginBackoffSeconds(k));
      jest.advanceTimersByTime(seconds * 1000);
      waited += seconds;
      expect(await attempt('bob', false)).toBeNull();
    }
    expect(Number((await attempt('bob', false))?.details['retryAfterSeconds'])).toBe(900);
    expect(waited).toBeGreaterThan(900);
  });

  it('lets at most budget + 1 of a parallel burst reach the password check', async () => {
    const started = await Promise.allSettled(Array.from({ length: 50 }, () => limits.beginLogin(caller(), 'carol', LIMITS)));
    expect(started.filter((r) => r.status === 'fulfilled')).toHaveLength(LIMITS.loginFailuresPerAccount + 1);
  });

  it('keeps accounts, tenants and IPs apart', async () => {
    for (let i = 0; i < 3; i++) await attempt('dave', false);
    expect(await attempt('dave', false)).toMatchObject({ code: 'RATE_LIMITED' });
    expect(await attempt('erin', false)).toBeNull();
    expect(await refusal(limits.beginLogin({ ...caller(), tenantId: 'tenant-b' }, 'dave', LIMITS))).toBeNull();
    const perIp = { ...LIMITS, loginFailuresPerIpPerHour: 2 };
    const fromIp = (loginId: string, ip: string) => refusal(limits.beginLogin(caller(ip), loginId, perIp).then((a) => limits.loginFailed(a)));
    expect(await fromIp('f1', '198.51.100.7')).toBeNull();
    expect(await fromIp('f2', '198.51.100.7')).toBeNull();
    expect(await fromIp('f3', '198.51.100.7')).toMatchObject({ code: 'RATE_LIMITED', details: { retryAfterSeconds: 3600 } });
    expect(await fromIp('f3', '198.51.100.8')).toBeNull();
    expect(trips.at(-1)).toMatchObject({ key: 'login_ip', limit: 'loginFailuresPerIpPerHour' });
    jest.advanceTimersByTime(3600_000);
    expect(await fromIp('f4', '198.51.100.7')).toBeNull();
  });

  it('a success gives the IP its point back', async () => {
    const perIp = { ...LIMITS, loginFailuresPerIpPerHour: 1 };
    for (let i = 0; i < 5; i++) {
      const started = await limits.beginLogin(caller('203.0.113.9'), `ok-${i}`, perIp);
      await limits.loginSucceeded(started);
    }
    expect(await refusal(limits.beginLogin(caller('203.0.113.9'), 'x', perIp))).toBeNull();
  });

  it('SMS sends: the first counter over its limit refuses, naming its key, with the masked number only', async () => {
    const tight = { ...LIMITS, sendsPerPhonePerHour: 2, sendsPerPhonePerDay: 3 };
    const user = { ...caller(), userId: 'u1' };
    const phone = '+819012345678';
    await limits.consumeSmsSend(user, phone, tight);
    await limits.consumeSmsSend(user, phone, tight);
    expect(await refusal(limits.consumeSmsSend(user, phone, tight))).toMatchObject({ code: 'RATE_LIMITED', details: { retryAfterSeconds: 3600 } });
    expect(trips[0]).toMatchObject({ key: 'phone', limit: 'sendsPerPhonePerHour', maskedPhoneNumber: '+81 90-****-5678' });
    expect(JSON.stringify(trips)).not.toContain('12345678');
    jest.advanceTimersByTime(3600_000);
    await limits.consumeSmsSend(user, phone, tight);
    expect(await refusal(limits.consumeSmsSend(user, phone, tight))).toMatchObject({ code: 'RATE_LIMITED', details: { retryAfterSeconds: 82_800 } });
    expect(trips[1]).toMatchObject({ key: 'phone', limit: 'sendsPerPhonePerDay' });
  });

  it('tenant budget per day: spent across hours, refused until the day is over, other tenants unaffected', async () => {
    const budget = { ...LIMITS, sendsPerIpPerHour: 1000, sendsPerTenantPerHour: 1000, sendsPerTenantPerDay: 3 };
    const send = (tenantId: string, i: number) =>
      refusal(limits.consumeSmsSend({ ...caller(), tenantId, userId: `u${i}` }, `+8190123456${String(i).padStart(2, '0')}`, budget));
    expect(await send('tenant-a', 1)).toBeNull();
    expect(await send('tenant-a', 2)).toBeNull();
    jest.advanceTimersByTime(2 * 3600_000);
    expect(await send('tenant-a', 3)).toBeNull();
    expect(await send('tenant-a', 4)).toMatchObject({ code: 'RATE_LIMITED', details: { retryAfterSeconds: 79_200 } });
    expect(trips).toEqual([expect.objectContaining({ key: 'tenant', limit: 'sendsPerTenantPerDay', tenantId: 'tenant-a' })]);
    expect(await send('tenant-b', 5)).toBeNull();
    jest.advanceTimersByTime(79_200_000);
    expect(await send('tenant-a', 6)).toBeNull();
  });

  it('verify budget: TOO_MANY_ATTEMPTS once spent, for that user only, and back after the hour', async () => {
    const budget = { ...LIMITS, verifyFailuresPerUserPerHour: 2 };
    const u1 = { ...caller(), userId: 'u1' };
    const u2 = { ...caller(), userId: 'u2' };
    await limits.countVerifyFailure(u1, budget);
    await limits.checkVerifyBudget(u1, budget);
    await limits.countVerifyFailure(u1, budget);
    expect(await refusal(limits.checkVerifyBudget(u1, budget))).toMatchObject({ code: 'TOO_MANY_ATTEMPTS' });
    expect(await refusal(limits.checkVerifyBudget(u2, budget))).toBeNull();
    expect(trips).toEqual([expect.objectContaining({ key: 'user', limit: 'verifyFailuresPerUserPerHour', userId: 'u1' })]);
    jest.advanceTimersByTime(3600_000);
    expect(await refusal(limits.checkVerifyBudget(u1, budget))).toBeNull();
  });

  it('counts and refuses nothing when turned off (RATE_LIMITS=off)', async () => {
    const off = new RateLimits(RateLimiters.inMemory(), 'k'.repeat(64), (trip) => trips.push(trip), false);
    const tight: LimitsPolicy = { ...LIMITS, sendsPerPhonePerHour: 1, sendsPerUserPerHour: 1, verifyFailuresPerUserPerHour: 1, loginFailuresPerAccount: 1 };
    const user = { ...caller(), userId: 'user-1' };
    for (let i = 0; i < 5; i++) {
      await off.consumeSmsSend(user, '+819012345678', tight);
      await off.countVerifyFailure(user, tight);
      await off.checkVerifyBudget(user, tight);
      await off.loginFailed(await off.beginLogin(user, 'ann', tight));
    }
    expect(trips).toEqual([]);
  });
});
