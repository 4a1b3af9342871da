import fc from 'fast-check';
import type {
  OutgoingSms,
  SmsProvider,
  SmsProviderType,
  SmsSendOutcome,
} from '../port/sms-provider.port';
import { CircuitBreaker } from './circuit-breaker';
import { type RoutableProvider, SmsRouter, servesCountry } from './sms-router';

/** A provider that answers from a script (repeating the last entry) and counts its calls. */
class ScriptedProvider implements SmsProvider {
  readonly calls: OutgoingSms[] = [];
  constructor(
    readonly type: SmsProviderType,
    private readonly script: SmsSendOutcome[],
  ) {}

  async send(message: OutgoingSms): Promise<SmsSendOutcome> {
    this.calls.push(message);
    return this.script[Math.min(this.calls.length - 1, this.script.length - 1)];
  }
}

const sent = (id: string): SmsSendOutcome => ({ kind: 'sent', providerMessageId: id });
const RETRYABLE: SmsSendOutcome = { kind: 'retryable', reason: 'HTTP 503' };
const RATE_LIMITED: SmsSendOutcome = { kind: 'rate_limited', reason: '429', retryAfterSeconds: 7 };
const AUTH_FAILED: SmsSendOutcome = { kind: 'auth_failed', reason: '401' };
const INVALID: SmsSendOutcome = { kind: 'invalid_recipient', reason: 'landline' };

function route(providerId: string, provider: SmsProvider, countries: string[] = []): RoutableProvider {
  return { providerId, provider, settings: { type: provider.type, countries, credentials: {} } };
}

function message(tenant = 'tenant-a', to = '+819012345678'): OutgoingSms {
  return { id: 'msg-1', tenant, to, body: 'code 123456', locale: 'ja', createdAt: new Date(0) };
}

function routerAt(start = 0) {
  const clock = { now: start };
  const breaker = new CircuitBreaker({ now: () => clock.now, failureThreshold: 3, openMs: 30_000 });
  return { router: new SmsRouter(breaker), breaker, clock };
}

describe('SmsRouter country routing', () => {
  it('sends +81 through KARADEN first and everything else through TWILIO', async () => {
    const { router } = routerAt();
    const karaden = new ScriptedProvider('KARADEN', [sent('k-1')]);
    const twilio = new ScriptedProvider('TWILIO', [sent('SM1')]);
    const providers = [route('karaden', karaden, ['JP']), route('twilio', twilio)];

    const japan = await router.send({ providers, country: 'JP', message: message() });
    expect(japan).toEqual({
      final: sent('k-1'),
      providerId: 'karaden',
      attempts: [{ providerId: 'karaden', type: 'KARADEN', outcome: sent('k-1') }],
    });

    const us = await router.send({ providers, country: 'US', message: message('tenant-a', '+12025550123') });
    expect(us.providerId).toBe('twilio');
    expect(karaden.calls).toHaveLength(1);
    expect(twilio.calls).toHaveLength(1);
  });

  it('matches country codes without regard to case', () => {
    expect(servesCountry({ countries: ['jp'] }, 'JP')).toBe(true);
    expect(servesCountry({ countries: ['JP'] }, 'US')).toBe(false);
    expect(servesCountry({ countries: [] }, 'US')).toBe(true);
  });

  it('answers misconfigured without calling anyone when no provider serves the country', async () => {
    const { router } = routerAt();
    const karaden = new ScriptedProvider('KARADEN', [sent('k-1')]);
    const result = await router.send({ providers: [route('karaden', karaden, ['JP'])], country: 'FR', message: message() });
    expect(result.final.kind).toBe('misconfigured');
    expect(result.providerId).toBeUndefined();
    expect(result.attempts).toEqual([]);
    expect(karaden.calls).toHaveLength(0);
  });
});

describe('SmsRouter failover', () => {
  it.each([
    ['retryable', RETRYABLE],
    ['rate_limited', RATE_LIMITED],
    ['auth_failed', AUTH_FAILED],
    ['misconfigured', { kind: 'misconfigured', reason: 'bad sender' } as SmsSendOutcome],
  ])('fails over to the next provider on %s', async (_kind, failure) => {
    const { router } = routerAt();
    const first = new ScriptedProvider('KARADEN', [failure]);
    const second = new ScriptedProvider('MEDIA_SMS', [sent('media-1')]);
    const result = await router.send({
      providers: [route('first', first, ['JP']), route('second', second, ['JP'])],
      country: 'JP',
      message: message(),
    });
    expect(result.final).toEqual(sent('media-1'));
    expect(result.providerId).toBe('second');
    expect(result.attempts.map((a) => [a.providerId, a.outcome.kind])).toEqual([
      ['first', failure.kind],
      ['second', 'sent'],
    ]);
    expect(second.calls[0]).toBe(first.calls[0]);
  });

  it('stops at once on invalid_recipient', async () => {
    const { router } = routerAt();
    const first = new ScriptedProvider('KARADEN', [INVALID]);
    const second = new ScriptedProvider('TWILIO', [sent('SM1')]);
    const result = await router.send({
      providers: [route('first', first), route('second', second)],
      country: 'JP',
      message: message(),
    });
    expect(result).toEqual({
      final: INVALID,
      providerId: 'first',
      attempts: [{ providerId: 'first', type: 'KARADEN', outcome: INVALID }],
    });
    expect(second.calls).toHaveLength(0);
  });

  it('reports a transient failure over a configuration failure when everything fails', async () => {
    const { router } = routerAt();
    const result = await router.send({
      providers: [
        route('limited', new ScriptedProvider('KARADEN', [RATE_LIMITED])),
        route('broken', new ScriptedProvider('TWILIO', [AUTH_FAILED])),
      ],
      country: 'JP',
      message: message(),
    });
    expect(result.final).toEqual(RATE_LIMITED);
    expect(result.providerId).toBe('limited');
    expect(result.attempts).toHaveLength(2);
  });

  it('reports the last failure when none is transient', async () => {
    const { router } = routerAt();
    const result = await router.send({
      providers: [
        route('a', new ScriptedProvider('KARADEN', [AUTH_FAILED])),
        route('b', new ScriptedProvider('TWILIO', [{ kind: 'misconfigured', reason: 'bad sender' }])),
      ],
      country: 'JP',
      message: message(),
    });
    expect(result.final.kind).toBe('misconfigured');
    expect(result.providerId).toBe('b');
  });

  it('classifies a provider that throws as retryable and fails over', async () => {
    const { router } = routerAt();
    const throwing: SmsProvider = {
      type: 'WEBHOOK',
      send: () => Promise.reject(new TypeError('boom')),
    };
    const backup = new ScriptedProvider('TWILIO', [sent('SM1')]);
    const result = await router.send({
      providers: [route('throwing', throwing), route('backup', backup)],
      country: 'US',
      message: message(),
    });
    expect(result.attempts[0].outcome).toEqual({ kind: 'retryable', reason: 'provider threw TypeError' });
    expect(result.final).toEqual(sent('SM1'));
  });
});

describe('SmsRouter circuits', () => {
  it('skips a provider after its circuit opens, then probes it once openMs has passed', async () => {
    const { router, breaker, clock } = routerAt();
    const flaky = new ScriptedProvider('KARADEN', [RETRYABLE, RETRYABLE, RETRYABLE, sent('k-probe')]);
    const backup = new ScriptedProvider('TWILIO', [sent('SM1')]);
    const providers = [route('flaky', flaky), route('backup', backup)];

    for (let i = 0; i < 3; i += 1) await router.send({ providers, country: 'JP', message: message() });
    expect(breaker.state('tenant-a', 'flaky')).toBe('open');
    expect(flaky.calls).toHaveLength(3);

    const whileOpen = await router.send({ providers, country: 'JP', message: message() });
    expect(flaky.calls).toHaveLength(3);
    expect(whileOpen.attempts).toEqual([
      {
        providerId: 'flaky',
        type: 'KARADEN',
        outcome: { kind: 'retryable', reason: 'circuit open; not tried' },
        skippedOpenCircuit: true,
      },
      { providerId: 'backup', type: 'TWILIO', outcome: sent('SM1') },
    ]);

    clock.now += 30_000;
    const probe = await router.send({ providers, country: 'JP', message: message() });
    expect(probe.final).toEqual(sent('k-probe'));
    expect(breaker.state('tenant-a', 'flaky')).toBe('closed');
    expect(backup.calls).toHaveLength(4);
  });

  it("never lets tenant A's open circuit affect tenant B", async () => {
    const { router, breaker } = routerAt();
    const shared = new ScriptedProvider('TWILIO', [AUTH_FAILED]);
    const backup = new ScriptedProvider('VONAGE', [sent('v-1')]);
    const providers = [route('twilio', shared), route('vonage', backup)];

    await router.send({ providers, country: 'US', message: message('tenant-a') });
    expect(breaker.state('tenant-a', 'twilio')).toBe('open');
    expect(breaker.state('tenant-b', 'twilio')).toBe('closed');

    const other = await router.send({ providers, country: 'US', message: message('tenant-b') });
    expect(other.attempts[0]).toEqual({ providerId: 'twilio', type: 'TWILIO', outcome: AUTH_FAILED });
    expect(shared.calls.map((m) => m.tenant)).toEqual(['tenant-a', 'tenant-b']);
  });

  it('still tries the provider whose circuit opened earliest when every circuit is open', async () => {
    const { router, breaker, clock } = routerAt();
    const older = new ScriptedProvider('KARADEN', [AUTH_FAILED, sent('k-1')]);
    const newer = new ScriptedProvider('MEDIA_SMS', [AUTH_FAILED]);
    breaker.record('tenant-a', 'newer', AUTH_FAILED);
    clock.now -= 5;
    breaker.record('tenant-a', 'older', AUTH_FAILED);
    clock.now += 10;

    const result = await router.send({
      providers: [route('newer', newer), route('older', older)],
      country: 'JP',
      message: message(),
    });
    expect(newer.calls).toHaveLength(0);
    expect(older.calls).toHaveLength(1);
    expect(result.attempts.map((a) => [a.providerId, a.skippedOpenCircuit ?? false, a.outcome.kind])).toEqual([
      ['newer', true, 'retryable'],
      ['older', true, 'retryable'],
      ['older', false, 'auth_failed'],
    ]);
    expect(result.final).toEqual(AUTH_FAILED);
    expect(result.providerId).toBe('older');
    expect(breaker.openedAt('tenant-a', 'older')).toBe(clock.now);
  });
});

describe('SmsRouter properties', () => {
  const COUNTRIES = ['JP', 'US', 'GB', 'FR', 'KR'];
  const OUTCOMES: SmsSendOutcome[] = [sent('x'), RETRYABLE, RATE_LIMITED, AUTH_FAILED, INVALID];

  it('never calls a provider whose countries exclude the destination', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(
          fc.record({
            countries: fc.subarray(COUNTRIES),
            script: fc.array(fc.constantFrom(...OUTCOMES), { minLength: 1, maxLength: 4 }),
          }),
          { minLength: 1, maxLength: 5 },
        ),
        fc.array(fc.record({ country: fc.constantFrom(...COUNTRIES), advanceMs: fc.nat(40_000) }), {
          minLength: 1,
          maxLength: 8,
        }),
        async (configs, sends) => {
          const { router, clock } = routerAt();
          const providers = configs.map((config, index) => ({
            countries: config.countries,
            stub: new ScriptedProvider('WEBHOOK', config.script),
            index,
          }));
          const routes = providers.map((p) => route(`p${p.index}`, p.stub, p.countries));
          for (const { country, advanceMs } of sends) {
            clock.now += advanceMs;
            const before = providers.map((p) => p.stub.calls.length);
            const result = await router.send({ providers: routes, country, message: message() });
            providers.forEach((p, i) => {
              if (p.stub.calls.length > before[i]) expect(p.countries.length === 0 || p.countries.includes(country)).toBe(true);
            });
            for (const attempt of result.attempts) {
              const config = providers[Number(attempt.providerId.slice(1))];
              expect(config.countries.length === 0 || config.countries.includes(country)).toBe(true);
            }
          }
        },
      ),
      { numRuns: 200 },
    );
  });
});
