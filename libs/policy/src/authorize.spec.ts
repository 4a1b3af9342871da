import fc from 'fast-check';
import { applyPolicyUpdate } from './apply-policy-update';
import type { AuthMethod, SessionAuthentication } from './assurance-level';
import { authorize, requirementFor, type AuthorizationReason } from './authorize';
import type { Aal, ActionRequirement, TenantPolicy } from './tenant-policy';
import { CHANGE_PASSWORD_ACTION, CHANGE_PHONE_ACTION, DEFAULT_TENANT_POLICY } from './tenant-policy.defaults';

const now = new Date('2030-01-01T00:00:00Z');
const ago = (seconds: number) => new Date(now.getTime() - seconds * 1000);

/** Default limits: session 30 d / 7 d idle, AAL2 12 h / 30 min idle. */
const policy = applyPolicyUpdate(DEFAULT_TENANT_POLICY, {
  actions: [
    { action: 'payments.transfer', aal: 'AAL2', maxAgeSeconds: 300 },
    { action: 'payments.history', aal: 'AAL2', maxAgeSeconds: null },
    { action: 'profile.edit', aal: 'AAL1', maxAgeSeconds: 600 },
    { action: 'reports.view', aal: 'AAL1', maxAgeSeconds: null },
  ],
});

const aal1 = (authenticatedSecondsAgo: number): SessionAuthentication => ({
  amr: ['pwd'],
  authenticatedAt: ago(authenticatedSecondsAgo),
  aal2VerifiedAt: null,
  lastActiveAt: ago(10),
  createdAt: ago(authenticatedSecondsAgo),
});
const aal2 = (verifiedSecondsAgo: number, lastActiveSecondsAgo = 10): SessionAuthentication => ({
  amr: ['pwd', 'sms', 'mfa'],
  authenticatedAt: ago(50_000),
  aal2VerifiedAt: ago(verifiedSecondsAgo),
  lastActiveAt: ago(lastActiveSecondsAgo),
  createdAt: ago(50_000),
});

const sessions = {
  'AAL1 fresh (60 s)': aal1(60),
  'AAL1 stale (1 h)': aal1(3600),
  'AAL2 fresh (60 s)': aal2(60),
  'AAL2 stale (1000 s)': aal2(1000),
  'AAL2 lapsed by idle (1801 s)': aal2(60, 1801),
  'AAL2 lapsed by age (43201 s)': aal2(43_201),
  'over by idle (7 d + 1 s)': { ...aal1(700_000), lastActiveAt: ago(604_801) },
  'over by age (30 d + 1 s)': { ...aal2(60), createdAt: ago(2_592_001) },
};
type SessionName = keyof typeof sessions;

const table: [SessionName, string, AuthorizationReason, Aal | null][] = [
  // AAL2 within 300 s
  ['AAL1 fresh (60 s)', 'payments.transfer', 'STEP_UP_REQUIRED', 'AAL1'],
  ['AAL1 stale (1 h)', 'payments.transfer', 'STEP_UP_REQUIRED', 'AAL1'],
  ['AAL2 fresh (60 s)', 'payments.transfer', 'OK', 'AAL2'],
  ['AAL2 stale (1000 s)', 'payments.transfer', 'STALE_AUTHENTICATION', 'AAL2'],
  ['AAL2 lapsed by idle (1801 s)', 'payments.transfer', 'STEP_UP_REQUIRED', 'AAL1'],
  ['AAL2 lapsed by age (43201 s)', 'payments.transfer', 'STEP_UP_REQUIRED', 'AAL1'],
  ['over by idle (7 d + 1 s)', 'payments.transfer', 'DENIED', null],
  ['over by age (30 d + 1 s)', 'payments.transfer', 'DENIED', null],
  // AAL2, any age
  ['AAL1 fresh (60 s)', 'payments.history', 'STEP_UP_REQUIRED', 'AAL1'],
  ['AAL2 stale (1000 s)', 'payments.history', 'OK', 'AAL2'],
  ['AAL2 lapsed by idle (1801 s)', 'payments.history', 'STEP_UP_REQUIRED', 'AAL1'],
  ['AAL2 lapsed by age (43201 s)', 'payments.history', 'STEP_UP_REQUIRED', 'AAL1'],
  // AAL1 within 600 s: the latest proof counts, a step-up included
  ['AAL1 fresh (60 s)', 'profile.edit', 'OK', 'AAL1'],
  ['AAL1 stale (1 h)', 'profile.edit', 'STALE_AUTHENTICATION', 'AAL1'],
  ['AAL2 fresh (60 s)', 'profile.edit', 'OK', 'AAL2'],
  ['AAL2 stale (1000 s)', 'profile.edit', 'STALE_AUTHENTICATION', 'AAL2'],
  ['AAL2 lapsed by idle (1801 s)', 'profile.edit', 'OK', 'AAL1'],
  ['over by idle (7 d + 1 s)', 'profile.edit', 'DENIED', null],
  // AAL1, any age
  ['AAL1 stale (1 h)', 'reports.view', 'OK', 'AAL1'],
  ['AAL2 lapsed by age (43201 s)', 'reports.view', 'OK', 'AAL1'],
  ['over by age (30 d + 1 s)', 'reports.view', 'DENIED', null],
  // unlisted: defaultAal (AAL1), no freshness
  ['AAL1 stale (1 h)', 'unlisted.action', 'OK', 'AAL1'],
  ['AAL2 stale (1000 s)', 'unlisted.action', 'OK', 'AAL2'],
  ['over by idle (7 d + 1 s)', 'unlisted.action', 'DENIED', null],
  // built-ins: AAL2 within 300 s
  ['AAL1 fresh (60 s)', CHANGE_PASSWORD_ACTION, 'STEP_UP_REQUIRED', 'AAL1'],
  ['AAL2 fresh (60 s)', CHANGE_PASSWORD_ACTION, 'OK', 'AAL2'],
  ['AAL2 stale (1000 s)', CHANGE_PHONE_ACTION, 'STALE_AUTHENTICATION', 'AAL2'],
  ['AAL1 fresh (60 s)', CHANGE_PHONE_ACTION, 'STEP_UP_REQUIRED', 'AAL1'],
];

describe('authorize', () => {
  it.each(table)('%s asking for %s -> %s', (sessionName, action, reason, current) => {
    const decision = authorize(policy, sessions[sessionName], action, now);
    const requirement = requirementFor(policy, action);
    expect(decision).toEqual({
      action,
      allowed: reason === 'OK',
      reason,
      requiredAal: requirement.aal,
      currentAal: current,
      maxAgeSeconds: requirement.maxAgeSeconds,
    });
  });

  it('reports the requirement so the client can step up (RFC 9470)', () => {
    expect(authorize(policy, aal1(60), 'payments.transfer', now)).toEqual({
      action: 'payments.transfer',
      allowed: false,
      reason: 'STEP_UP_REQUIRED',
      requiredAal: 'AAL2',
      currentAal: 'AAL1',
      maxAgeSeconds: 300,
    });
  });

  it('counts maxAgeSeconds inclusively', () => {
    expect(authorize(policy, aal2(300), 'payments.transfer', now).reason).toBe('OK');
    expect(authorize(policy, aal2(301), 'payments.transfer', now).reason).toBe('STALE_AUTHENTICATION');
  });

  it('asks an AAL1 session for a step-up on an unlisted action when defaultAal is AAL2', () => {
    const strict = applyPolicyUpdate(policy, { defaultAal: 'AAL2' });
    expect(authorize(strict, aal1(60), 'unlisted.action', now)).toMatchObject({ reason: 'STEP_UP_REQUIRED', requiredAal: 'AAL2', maxAgeSeconds: null });
    expect(authorize(strict, aal2(5000), 'unlisted.action', now)).toMatchObject({ reason: 'OK', allowed: true });
  });

  it('uses the stricter age for AAL2 than for AAL1: the step-up, not the later of both', () => {
    // A password proven after the step-up refreshes AAL1 freshness, never the AAL2 proof.
    const session: SessionAuthentication = { ...aal2(1000), authenticatedAt: ago(100) };
    const aal1Fresh = applyPolicyUpdate(policy, { actions: [{ action: 'x', aal: 'AAL1', maxAgeSeconds: 300 }] });
    const aal2Fresh = applyPolicyUpdate(policy, { actions: [{ action: 'x', aal: 'AAL2', maxAgeSeconds: 300 }] });
    expect(authorize(aal1Fresh, session, 'x', now).reason).toBe('OK');
    expect(authorize(aal2Fresh, session, 'x', now).reason).toBe('STALE_AUTHENTICATION');
  });
});

describe('requirementFor', () => {
  it('is the listed entry, else defaultAal with no freshness', () => {
    expect(requirementFor(policy, 'profile.edit')).toEqual({ action: 'profile.edit', aal: 'AAL1', maxAgeSeconds: 600 });
    expect(requirementFor(policy, 'nowhere')).toEqual({ action: 'nowhere', aal: 'AAL1', maxAgeSeconds: null });
    expect(requirementFor({ ...policy, defaultAal: 'AAL2' }, 'nowhere')).toEqual({ action: 'nowhere', aal: 'AAL2', maxAgeSeconds: null });
  });

  it('keeps the built-in requirements for a document that lost them', () => {
    const bare = { actions: [], defaultAal: 'AAL1', loginRequiresAal: 'AAL1' } as const;
    expect(requirementFor(bare, CHANGE_PASSWORD_ACTION)).toEqual({ action: CHANGE_PASSWORD_ACTION, aal: 'AAL2', maxAgeSeconds: 300 });
    expect(requirementFor(bare, CHANGE_PHONE_ACTION)).toEqual({ action: CHANGE_PHONE_ACTION, aal: 'AAL2', maxAgeSeconds: 300 });
  });

  it('raises every requirement to loginRequiresAal: sign-in is not finished below it', () => {
    const strict = { ...policy, loginRequiresAal: 'AAL2' as const };
    expect(requirementFor(strict, 'nowhere')).toEqual({ action: 'nowhere', aal: 'AAL2', maxAgeSeconds: null });
    expect(requirementFor(strict, 'profile.edit')).toEqual({ action: 'profile.edit', aal: 'AAL2', maxAgeSeconds: 600 });
  });

  it('never lets a phone change need less than AAL2, even in an unvalidated document', () => {
    const loose = { actions: [{ action: CHANGE_PHONE_ACTION, aal: 'AAL1', maxAgeSeconds: 60 }], defaultAal: 'AAL1', loginRequiresAal: 'AAL1' } as const;
    expect(requirementFor(loose, CHANGE_PHONE_ACTION)).toEqual({ action: CHANGE_PHONE_ACTION, aal: 'AAL2', maxAgeSeconds: 60 });
  });
});

describe('authorize properties', () => {
  const secondsAgo = fc.integer({ min: 0, max: 3_000_000 });
  const arbitrarySession = fc.record({
    amr: fc.subarray<AuthMethod>(['pwd', 'sms', 'mfa']),
    authenticatedAt: secondsAgo.map(ago),
    aal2VerifiedAt: fc.option(secondsAgo.map(ago)),
    lastActiveAt: fc.integer({ min: 0, max: 700_000 }).map(ago),
    createdAt: secondsAgo.map(ago),
  });
  const maxAge = fc.integer({ min: 1, max: 2_592_000 });
  const requirement = fc.record({ aal: fc.constantFrom<Aal>('AAL1', 'AAL2'), maxAgeSeconds: fc.option(maxAge) });
  /** A requirement at least as strict: the same or a higher level, the same or a shorter age. */
  const raised = (r: { aal: Aal; maxAgeSeconds: number | null }) =>
    fc.record({
      aal: r.aal === 'AAL2' ? fc.constant<Aal>('AAL2') : fc.constantFrom<Aal>('AAL1', 'AAL2'),
      maxAgeSeconds: r.maxAgeSeconds === null ? fc.option(maxAge) : fc.integer({ min: 1, max: r.maxAgeSeconds }),
    });
  const withAction = (r: Omit<ActionRequirement, 'action'>): TenantPolicy =>
    applyPolicyUpdate(DEFAULT_TENANT_POLICY, { actions: [{ action: 'guarded.action', ...r }] });

  it('never turns a deny into an allow when the requirement is raised', () => {
    fc.assert(
      fc.property(
        arbitrarySession,
        requirement.chain((r) => fc.tuple(fc.constant(r), raised(r))),
        (session, [before, after]) => {
          const looser = authorize(withAction(before), session, 'guarded.action', now);
          const stricter = authorize(withAction(after), session, 'guarded.action', now);
          if (!looser.allowed) expect(stricter.allowed).toBe(false);
        },
      ),
      { numRuns: 1000 },
    );
  });

  it('allows only with the required level met and a fresh enough proof', () => {
    fc.assert(
      fc.property(arbitrarySession, requirement, (session, r) => {
        const decision = authorize(withAction(r), session, 'guarded.action', now);
        expect(decision.allowed).toBe(decision.reason === 'OK');
        if (decision.allowed && r.aal === 'AAL2') {
          expect(decision.currentAal).toBe('AAL2');
          if (r.maxAgeSeconds !== null) {
            expect(now.getTime() - (session.aal2VerifiedAt as Date).getTime()).toBeLessThanOrEqual(r.maxAgeSeconds * 1000);
          }
        }
      }),
      { numRuns: 500 },
    );
  });
});
