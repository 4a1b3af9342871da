import fc from 'fast-check';
import { amrFor, currentAal, meetsAal, type AuthMethod, type SessionAuthentication } from './assurance-level';
import type { Aal } from './tenant-policy';
import { DEFAULT_TENANT_POLICY } from './tenant-policy.defaults';

const now = new Date('2030-01-01T00:00:00Z');
const ago = (seconds: number) => new Date(now.getTime() - seconds * 1000);
const policy = DEFAULT_TENANT_POLICY; // aal1 30 d / 7 d idle, aal2 12 h / 30 min idle

function session(overrides: Partial<SessionAuthentication> = {}): SessionAuthentication {
  return {
    amr: ['pwd', 'sms', 'mfa'],
    authenticatedAt: ago(3600),
    aal2VerifiedAt: ago(600),
    lastActiveAt: ago(60),
    createdAt: ago(3600),
    ...overrides,
  };
}

describe('amrFor', () => {
  it.each<[AuthMethod[], AuthMethod[]]>([
    [[], []],
    [['pwd'], ['pwd']],
    [['sms'], ['sms']],
    [['pwd', 'sms'], ['pwd', 'sms', 'mfa']],
    [['sms', 'pwd', 'sms', 'pwd'], ['pwd', 'sms', 'mfa']],
    [['mfa'], []],
    [['pwd', 'mfa'], ['pwd']],
    [['pwd', 'sms', 'mfa'], ['pwd', 'sms', 'mfa']],
  ])('%p -> %p', (methods, amr) => {
    expect(amrFor(methods)).toEqual(amr);
  });
});

describe('meetsAal', () => {
  it.each<[Aal | null, Aal, boolean]>([
    ['AAL1', 'AAL1', true],
    ['AAL1', 'AAL2', false],
    ['AAL2', 'AAL1', true],
    ['AAL2', 'AAL2', true],
    [null, 'AAL1', false],
    [null, 'AAL2', false],
  ])('%p meets %p: %p', (current, required, meets) => {
    expect(meetsAal(current, required)).toBe(meets);
  });
});

describe('currentAal', () => {
  it('is AAL2 with a password, an SMS code and a recent step-up', () => {
    expect(currentAal(session(), policy, now)).toBe('AAL2');
  });

  it.each<[string, Partial<SessionAuthentication>]>([
    ['a password alone', { amr: ['pwd'], aal2VerifiedAt: null }],
    ['an SMS code alone, even with a step-up time', { amr: ['sms'] }],
    ['a password alone, even with a step-up time recorded', { amr: ['pwd'] }],
    ['"mfa" without the factors behind it', { amr: ['mfa'] }],
    ['both factors but no step-up time', { aal2VerifiedAt: null }],
  ])('is AAL1 with %s', (_name, overrides) => {
    expect(currentAal(session(overrides), policy, now)).toBe('AAL1');
  });

  it('lapses AAL2 to AAL1 after the idle limit, counted inclusively', () => {
    expect(currentAal(session({ lastActiveAt: ago(1800) }), policy, now)).toBe('AAL2');
    expect(currentAal(session({ lastActiveAt: ago(1801) }), policy, now)).toBe('AAL1');
  });

  it('lapses AAL2 to AAL1 after the absolute limit, counted from the step-up', () => {
    const old = { createdAt: ago(50_000), authenticatedAt: ago(50_000) };
    expect(currentAal(session({ ...old, aal2VerifiedAt: ago(43_200) }), policy, now)).toBe('AAL2');
    expect(currentAal(session({ ...old, aal2VerifiedAt: ago(43_201) }), policy, now)).toBe('AAL1');
  });

  it('ends the session after the AAL1 idle limit', () => {
    expect(currentAal(session({ amr: ['pwd'], lastActiveAt: ago(604_800), createdAt: ago(700_000) }), policy, now)).toBe('AAL1');
    expect(currentAal(session({ amr: ['pwd'], lastActiveAt: ago(604_801), createdAt: ago(700_000) }), policy, now)).toBeNull();
  });

  it('ends the session after the AAL1 absolute limit, even for an active AAL2 session', () => {
    expect(currentAal(session({ createdAt: ago(2_592_000) }), policy, now)).toBe('AAL2');
    expect(currentAal(session({ createdAt: ago(2_592_001) }), policy, now)).toBeNull();
  });

  it('uses the tenant limits it is given', () => {
    const strict = { session: { aal1MaxSeconds: 3600, aal1IdleSeconds: 600, aal2MaxSeconds: 300, aal2IdleSeconds: 120 } };
    expect(currentAal(session({ aal2VerifiedAt: ago(301), createdAt: ago(1000) }), strict, now)).toBe('AAL1');
    expect(currentAal(session({ aal2VerifiedAt: ago(100), createdAt: ago(1000), lastActiveAt: ago(121) }), strict, now)).toBe('AAL1');
    expect(currentAal(session({ aal2VerifiedAt: ago(100), createdAt: ago(1000), lastActiveAt: ago(100) }), strict, now)).toBe('AAL2');
  });

  it('fails closed on an invalid date', () => {
    const invalid = new Date(Number.NaN);
    expect(currentAal(session({ createdAt: invalid }), policy, now)).toBeNull();
    expect(currentAal(session({ lastActiveAt: invalid }), policy, now)).toBeNull();
    expect(currentAal(session({ aal2VerifiedAt: invalid }), policy, now)).toBe('AAL1');
  });

  const rank = (aal: Aal | null) => (aal === null ? 0 : aal === 'AAL1' ? 1 : 2);
  const secondsAgo = fc.integer({ min: -60, max: 3_000_000 });
  const arbitrarySession = fc.record({
    amr: fc.subarray<AuthMethod>(['pwd', 'sms', 'mfa']),
    authenticatedAt: secondsAgo.map(ago),
    aal2VerifiedAt: fc.option(secondsAgo.map(ago)),
    lastActiveAt: secondsAgo.map(ago),
    createdAt: secondsAgo.map(ago),
  });
  const arbitraryLimits = fc.record({
    aal1MaxSeconds: fc.integer({ min: 60, max: 2_592_000 }),
    aal1IdleSeconds: fc.integer({ min: 60, max: 2_592_000 }),
    aal2MaxSeconds: fc.integer({ min: 60, max: 86_400 }),
    aal2IdleSeconds: fc.integer({ min: 60, max: 3600 }),
  });

  it('never rises as time advances', () => {
    fc.assert(
      fc.property(arbitrarySession, arbitraryLimits, secondsAgo, fc.integer({ min: 0, max: 3_000_000 }), (s, limits, offset, advance) => {
        const earlier = ago(offset);
        const later = new Date(earlier.getTime() + advance * 1000);
        expect(rank(currentAal(s, { session: limits }, later))).toBeLessThanOrEqual(rank(currentAal(s, { session: limits }, earlier)));
      }),
      { numRuns: 500 },
    );
  });

  it('is AAL2 only when amr holds both pwd and sms', () => {
    fc.assert(
      fc.property(arbitrarySession, arbitraryLimits, (s, limits) => {
        if (currentAal(s, { session: limits }, now) === 'AAL2') {
          expect(s.amr).toEqual(expect.arrayContaining(['pwd', 'sms']));
          expect(s.aal2VerifiedAt).not.toBeNull();
        }
      }),
    );
  });
});
