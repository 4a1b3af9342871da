import fc from 'fast-check';
import {
  applyResend,
  attemptsRemaining,
  effectiveStatus,
  newChallengeState,
  resendAvailableAt,
  resendDecision,
  verificationOutcome,
  type ChallengeState,
  type ChallengeStatus,
} from './challenge-state';

const T0 = new Date('2025-01-01T00:00:00Z');
const at = (seconds: number) => new Date(T0.getTime() + seconds * 1000);

/** Sent at T0, valid 300 s, 5 attempts, 3 sends. */
function challenge(overrides: Partial<ChallengeState> = {}): ChallengeState {
  return { ...newChallengeState(T0, { ttlSeconds: 300, maxAttempts: 5, maxSends: 3 }), ...overrides };
}

const statuses: ChallengeStatus[] = ['PENDING', 'VERIFIED', 'EXPIRED', 'EXHAUSTED', 'UNDELIVERABLE', 'CANCELLED'];

/** Any challenge state with a clock reading near it. */
const stateAndNow = fc
  .record({
    status: fc.constantFrom(...statuses),
    maxAttempts: fc.integer({ min: 1, max: 10 }),
    attempts: fc.integer({ min: 0, max: 15 }),
    maxSends: fc.integer({ min: 1, max: 5 }),
    sends: fc.integer({ min: 1, max: 6 }),
    sentAtSeconds: fc.integer({ min: 0, max: 1200 }),
    ttlSeconds: fc.integer({ min: 60, max: 600 }),
    nowSeconds: fc.integer({ min: 0, max: 2400 }),
  })
  .map(({ sentAtSeconds, ttlSeconds, nowSeconds, ...rest }) => ({
    state: { ...rest, lastSentAt: at(sentAtSeconds), expiresAt: at(sentAtSeconds + ttlSeconds) } as ChallengeState,
    now: at(nowSeconds),
  }));

/** A pending challenge before its expiry, with attempts around the maximum, where the count decides. */
const livePendingState = fc
  .record({ maxAttempts: fc.integer({ min: 1, max: 10 }), extra: fc.integer({ min: -10, max: 3 }), nowSeconds: fc.integer({ min: 0, max: 299 }) })
  .map(({ maxAttempts, extra, nowSeconds }) => ({
    state: challenge({ maxAttempts, attempts: Math.max(0, maxAttempts + extra) }),
    now: at(nowSeconds),
  }));

describe('newChallengeState', () => {
  it('starts pending with no attempts, one send, and expiry ttl after now', () => {
    expect(challenge()).toEqual({
      status: 'PENDING',
      expiresAt: at(300),
      attempts: 0,
      maxAttempts: 5,
      sends: 1,
      maxSends: 3,
      lastSentAt: T0,
    });
  });
});

describe('effectiveStatus', () => {
  it.each<[string, Partial<ChallengeState>, number, ChallengeStatus]>([
    ['pending before expiry', {}, 299, 'PENDING'],
    ['expired at expiresAt itself', {}, 300, 'EXPIRED'],
    ['expired after expiresAt', {}, 301, 'EXPIRED'],
    ['exhausted once attempts reach the maximum', { attempts: 5 }, 10, 'EXHAUSTED'],
    ['pending with one attempt left', { attempts: 4 }, 10, 'PENDING'],
    ['expired before exhausted', { attempts: 5 }, 400, 'EXPIRED'],
    ['a stored status as it is', { status: 'VERIFIED' }, 400, 'VERIFIED'],
    ['a stored cancel even before expiry', { status: 'CANCELLED' }, 1, 'CANCELLED'],
  ])('%s', (_case, overrides, seconds, expected) => {
    expect(effectiveStatus(challenge(overrides), at(seconds))).toBe(expected);
  });
});

describe('attemptsRemaining', () => {
  it.each([
    [0, 5],
    [4, 1],
    [5, 0],
    [9, 0],
  ])('after %i attempts of 5 leaves %i', (attempts, remaining) => {
    expect(attemptsRemaining(challenge({ attempts }))).toBe(remaining);
  });
});

describe('verificationOutcome', () => {
  it.each<[string, Partial<ChallengeState>, boolean, number, ReturnType<typeof verificationOutcome>]>([
    ['the right code on the first attempt', { attempts: 1 }, true, 10, { kind: 'verified' }],
    ['a wrong code on the first attempt', { attempts: 1 }, false, 10, { kind: 'invalid_code', attemptsRemaining: 4 }],
    ['the right code on the last allowed attempt', { attempts: 5 }, true, 10, { kind: 'verified' }],
    ['a wrong code on the last allowed attempt', { attempts: 5 }, false, 10, { kind: 'invalid_code', attemptsRemaining: 0 }],
    ['the right code one attempt too many', { attempts: 6 }, true, 10, { kind: 'too_many_attempts' }],
    ['a wrong code one attempt too many', { attempts: 6 }, false, 10, { kind: 'too_many_attempts' }],
    ['the right code after expiry', { attempts: 1 }, true, 300, { kind: 'expired' }],
    ['the right code after expiry and too many attempts', { attempts: 6 }, true, 301, { kind: 'expired' }],
    ['a stored EXPIRED', { status: 'EXPIRED', attempts: 1 }, true, 10, { kind: 'expired' }],
    ['a stored EXHAUSTED', { status: 'EXHAUSTED', attempts: 6 }, true, 10, { kind: 'too_many_attempts' }],
    ['an already verified challenge', { status: 'VERIFIED', attempts: 2 }, true, 10, { kind: 'not_pending', status: 'VERIFIED' }],
    ['an undeliverable challenge', { status: 'UNDELIVERABLE', attempts: 1 }, true, 10, { kind: 'not_pending', status: 'UNDELIVERABLE' }],
    ['a cancelled challenge', { status: 'CANCELLED', attempts: 1 }, true, 10, { kind: 'not_pending', status: 'CANCELLED' }],
  ])('%s', (_case, overrides, matches, seconds, expected) => {
    expect(verificationOutcome(challenge(overrides), matches, at(seconds))).toEqual(expected);
  });

  it('5 wrong codes, then the right one, is too_many_attempts (each attempt counted before comparing)', () => {
    let state = challenge();
    const outcomes = [false, false, false, false, false, true].map((matches, i) => {
      state = { ...state, attempts: state.attempts + 1 };
      return verificationOutcome(state, matches, at(10 + i)).kind;
    });
    expect(outcomes).toEqual(['invalid_code', 'invalid_code', 'invalid_code', 'invalid_code', 'invalid_code', 'too_many_attempts']);
  });

  it('never verifies once attempts exceed the maximum, nor after expiry, nor unless pending', () => {
    fc.assert(
      fc.property(stateAndNow, ({ state, now }) => {
        const verified = verificationOutcome(state, true, now).kind === 'verified';
        const allowed = state.status === 'PENDING' && now < state.expiresAt && state.attempts <= state.maxAttempts;
        expect(verified).toBe(allowed);
      }),
    );
  });

  it('judges the code of a live challenge only while attempts <= maxAttempts', () => {
    fc.assert(
      fc.property(livePendingState, fc.boolean(), ({ state, now }, matches) => {
        const outcome = verificationOutcome(state, matches, now);
        if (state.attempts > state.maxAttempts) expect(outcome).toEqual({ kind: 'too_many_attempts' });
        else expect(outcome.kind).toBe(matches ? 'verified' : 'invalid_code');
      }),
    );
  });

  it('never verifies a wrong code, and reports the attempts left', () => {
    fc.assert(
      fc.property(stateAndNow, ({ state, now }) => {
        const outcome = verificationOutcome(state, false, now);
        expect(outcome.kind).not.toBe('verified');
        if (outcome.kind === 'invalid_code') {
          expect(outcome.attemptsRemaining).toBe(state.maxAttempts - state.attempts);
          expect(outcome.attemptsRemaining).toBeGreaterThanOrEqual(0);
        }
      }),
    );
  });

  it('answers expired for every pending challenge past its expiry', () => {
    fc.assert(
      fc.property(stateAndNow, fc.boolean(), ({ state, now }, matches) => {
        fc.pre(state.status === 'PENDING' && now >= state.expiresAt);
        expect(verificationOutcome(state, matches, now)).toEqual({ kind: 'expired' });
      }),
    );
  });
});

describe('resendDecision', () => {
  it.each<[string, Partial<ChallengeState>, number, ReturnType<typeof resendDecision>]>([
    ['right after the first send', {}, 0, { kind: 'cooldown', retryAfterSeconds: 30 }],
    ['part way through the cooldown, rounded up', {}, 10.5, { kind: 'cooldown', retryAfterSeconds: 20 }],
    ['with less than a second to wait', {}, 29.9, { kind: 'cooldown', retryAfterSeconds: 1 }],
    ['when the cooldown ends', {}, 30, { kind: 'allowed' }],
    ['after the cooldown', {}, 100, { kind: 'allowed' }],
    ['at the send limit', { sends: 3 }, 100, { kind: 'send_limit' }],
    ['at the send limit during the cooldown', { sends: 3 }, 5, { kind: 'send_limit' }],
    ['after expiry', {}, 300, { kind: 'not_pending', status: 'EXPIRED' }],
    ['when exhausted', { attempts: 5 }, 100, { kind: 'not_pending', status: 'EXHAUSTED' }],
    ['when verified', { status: 'VERIFIED' }, 100, { kind: 'not_pending', status: 'VERIFIED' }],
  ])('%s', (_case, overrides, seconds, expected) => {
    expect(resendDecision(challenge(overrides), at(seconds), 30)).toEqual(expected);
  });

  it('allows exactly maxSends sends in all', () => {
    let state = challenge();
    let sent = 1;
    for (let second = 0; second < 299; second++) {
      if (resendDecision(state, at(second), 30).kind === 'allowed') {
        state = applyResend(state, at(second), 300);
        sent++;
      }
    }
    expect(sent).toBe(3);
    expect(state.sends).toBe(3);
  });

  it('agrees with resendAvailableAt: allowed means the time has come', () => {
    fc.assert(
      fc.property(stateAndNow, fc.integer({ min: 0, max: 120 }), ({ state, now }, cooldown) => {
        fc.pre(now >= state.lastSentAt);
        const decision = resendDecision(state, now, cooldown);
        const availableAt = resendAvailableAt(state, cooldown);
        if (decision.kind === 'allowed') {
          expect(availableAt).not.toBeNull();
          expect((availableAt as Date).getTime()).toBeLessThanOrEqual(now.getTime());
        }
        if (decision.kind === 'cooldown') {
          expect(decision.retryAfterSeconds).toBeGreaterThanOrEqual(1);
          expect(decision.retryAfterSeconds).toBeLessThanOrEqual(cooldown);
        }
      }),
    );
  });
});

describe('applyResend', () => {
  it('counts the send and restarts the expiry from now', () => {
    const after = applyResend(challenge({ attempts: 2 }), at(40), 300);
    expect(after).toEqual({ ...challenge({ attempts: 2 }), sends: 2, lastSentAt: at(40), expiresAt: at(340) });
  });

  it('never changes attempts, their maximum or the status', () => {
    fc.assert(
      fc.property(stateAndNow, fc.integer({ min: 60, max: 600 }), ({ state, now }, ttl) => {
        const after = applyResend(state, now, ttl);
        expect(after.attempts).toBe(state.attempts);
        expect(after.maxAttempts).toBe(state.maxAttempts);
        expect(after.status).toBe(state.status);
        expect(attemptsRemaining(after)).toBe(attemptsRemaining(state));
        expect(after.sends).toBe(state.sends + 1);
      }),
    );
  });
});

describe('resendAvailableAt', () => {
  it.each<[string, Partial<ChallengeState>, number, Date | null]>([
    ['a fresh challenge', {}, 30, at(30)],
    ['at the send limit', { sends: 3 }, 30, null],
    ['when exhausted', { attempts: 5 }, 30, null],
    ['when no longer pending', { status: 'VERIFIED' }, 30, null],
    ['when the cooldown outlasts the code', {}, 300, null],
  ])('%s', (_case, overrides, cooldown, expected) => {
    expect(resendAvailableAt(challenge(overrides), cooldown)).toEqual(expected);
  });
});
