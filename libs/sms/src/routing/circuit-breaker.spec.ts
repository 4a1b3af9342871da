import type { SmsSendOutcome } from '../port/sms-provider.port';
import { CircuitBreaker, type CircuitTransition } from './circuit-breaker';

const SENT: SmsSendOutcome = { kind: 'sent', providerMessageId: 'm-1' };
const RETRYABLE: SmsSendOutcome = { kind: 'retryable', reason: 'HTTP 503' };

function breakerAt(start = 1_000) {
  const clock = { now: start };
  const transitions: CircuitTransition[] = [];
  const breaker = new CircuitBreaker({
    now: () => clock.now,
    failureThreshold: 3,
    openMs: 30_000,
    onTransition: (transition) => transitions.push(transition),
  });
  return { breaker, clock, transitions };
}

describe('CircuitBreaker', () => {
  it('stays closed below the threshold and opens on the third consecutive failure', () => {
    const { breaker, transitions } = breakerAt();
    breaker.record('t1', 'p1', RETRYABLE);
    breaker.record('t1', 'p1', { kind: 'rate_limited', reason: '429' });
    expect(breaker.state('t1', 'p1')).toBe('closed');
    expect(breaker.tryAcquire('t1', 'p1')).toBe(true);
    breaker.record('t1', 'p1', RETRYABLE);
    expect(breaker.state('t1', 'p1')).toBe('open');
    expect(breaker.tryAcquire('t1', 'p1')).toBe(false);
    expect(transitions).toEqual([{ tenantId: 't1', providerId: 'p1', from: 'closed', to: 'open', at: 1_000, cause: 'retryable' }]);
  });

  it('counts only consecutive failures: a success in between starts over', () => {
    const { breaker } = breakerAt();
    breaker.record('t1', 'p1', RETRYABLE);
    breaker.record('t1', 'p1', RETRYABLE);
    breaker.record('t1', 'p1', SENT);
    breaker.record('t1', 'p1', RETRYABLE);
    breaker.record('t1', 'p1', RETRYABLE);
    expect(breaker.state('t1', 'p1')).toBe('closed');
  });

  it('treats invalid_recipient as a healthy provider answer', () => {
    const { breaker } = breakerAt();
    breaker.record('t1', 'p1', RETRYABLE);
    breaker.record('t1', 'p1', RETRYABLE);
    breaker.record('t1', 'p1', { kind: 'invalid_recipient', reason: 'landline' });
    breaker.record('t1', 'p1', RETRYABLE);
    expect(breaker.state('t1', 'p1')).toBe('closed');
  });

  it.each(['auth_failed', 'misconfigured'] as const)('opens at once on %s', (kind) => {
    const { breaker } = breakerAt();
    breaker.record('t1', 'p1', { kind, reason: 'bad credentials' });
    expect(breaker.state('t1', 'p1')).toBe('open');
  });

  it('lets exactly one probe through once openMs has passed, and closes when it succeeds', () => {
    const { breaker, clock, transitions } = breakerAt();
    breaker.record('t1', 'p1', { kind: 'auth_failed', reason: '401' });
    clock.now += 29_999;
    expect(breaker.tryAcquire('t1', 'p1')).toBe(false);
    clock.now += 1;
    expect(breaker.state('t1', 'p1')).toBe('half_open');
    expect(breaker.tryAcquire('t1', 'p1')).toBe(true);
    expect(breaker.tryAcquire('t1', 'p1')).toBe(false);
    breaker.record('t1', 'p1', SENT);
    expect(breaker.state('t1', 'p1')).toBe('closed');
    expect(breaker.tryAcquire('t1', 'p1')).toBe(true);
    expect(transitions.map((t) => `${t.from}->${t.to}`)).toEqual(['closed->open', 'open->half_open', 'half_open->closed']);
    expect(transitions[1]).not.toHaveProperty('cause');
    expect(transitions[2]).toMatchObject({ at: 31_000, cause: 'sent' });
  });

  it('re-opens for another openMs when the probe fails', () => {
    const { breaker, clock, transitions } = breakerAt();
    for (let i = 0; i < 3; i += 1) breaker.record('t1', 'p1', RETRYABLE);
    clock.now += 30_000;
    expect(breaker.tryAcquire('t1', 'p1')).toBe(true);
    breaker.record('t1', 'p1', RETRYABLE);
    expect(breaker.state('t1', 'p1')).toBe('open');
    expect(breaker.openedAt('t1', 'p1')).toBe(31_000);
    clock.now += 29_999;
    expect(breaker.tryAcquire('t1', 'p1')).toBe(false);
    clock.now += 1;
    expect(breaker.tryAcquire('t1', 'p1')).toBe(true);
    expect(transitions.map((t) => t.to)).toEqual(['open', 'half_open', 'open', 'half_open']);
  });

  it('frees a probe that never reported back after another openMs', () => {
    const { breaker, clock } = breakerAt();
    breaker.record('t1', 'p1', { kind: 'misconfigured', reason: 'x' });
    clock.now += 30_000;
    expect(breaker.tryAcquire('t1', 'p1')).toBe(true);
    clock.now += 29_999;
    expect(breaker.tryAcquire('t1', 'p1')).toBe(false);
    clock.now += 1;
    expect(breaker.tryAcquire('t1', 'p1')).toBe(true);
  });

  it('keeps a circuit per tenant and provider', () => {
    const { breaker } = breakerAt();
    breaker.record('tenant-a', 'p1', { kind: 'auth_failed', reason: '401' });
    expect(breaker.state('tenant-a', 'p1')).toBe('open');
    expect(breaker.state('tenant-b', 'p1')).toBe('closed');
    expect(breaker.state('tenant-a', 'p2')).toBe('closed');
    expect(breaker.tryAcquire('tenant-b', 'p1')).toBe(true);
  });

  it('does not confuse keys whose concatenation is equal', () => {
    const { breaker } = breakerAt();
    breaker.record('ab', 'c', { kind: 'auth_failed', reason: '401' });
    expect(breaker.state('a', 'bc')).toBe('closed');
  });

  it('refuses nonsensical settings', () => {
    expect(() => new CircuitBreaker({ now: () => 0, failureThreshold: 0 })).toThrow(RangeError);
    expect(() => new CircuitBreaker({ now: () => 0, openMs: 0 })).toThrow(RangeError);
  });
});
