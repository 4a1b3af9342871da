import type {
  OutgoingSms,
  SmsProvider,
  SmsProviderSettings,
  SmsProviderType,
  SmsSendOutcome,
} from '../port/sms-provider.port';
import type { CircuitBreaker } from './circuit-breaker';

/** One configured provider of a tenant, in the tenant's order of preference. */
export interface RoutableProvider {
  /** Stable id of this configuration (the circuit is keyed by it together with the tenant). */
  providerId: string;
  settings: SmsProviderSettings;
  provider: SmsProvider;
}

export interface SmsRouteAttempt {
  providerId: string;
  type: SmsProviderType;
  /** For a provider skipped because its circuit is open, a synthetic `retryable` outcome. */
  outcome: SmsSendOutcome;
  skippedOpenCircuit?: boolean;
}

export interface SmsRouteResult {
  final: SmsSendOutcome;
  /** The provider that produced `final`; absent when no provider serves the country. */
  providerId?: string;
  attempts: SmsRouteAttempt[];
}

export interface SmsRouteRequest {
  providers: readonly RoutableProvider[];
  /** ISO 3166 alpha-2 code of the destination number. */
  country: string;
  message: OutgoingSms;
}

/** Whether a provider may carry messages to `country`: an empty list means every country. */
export function servesCountry(settings: Pick<SmsProviderSettings, 'countries'>, country: string): boolean {
  const wanted = country.toUpperCase();
  return settings.countries.length === 0 || settings.countries.some((code) => code.toUpperCase() === wanted);
}

/**
 * Sends one message through the tenant's providers in order, failing over on every outcome but `sent`
 * and `invalid_recipient` (the number is bad, another provider would not help). Providers with an open
 * circuit are skipped; when every candidate's circuit is open, the one that opened earliest is still
 * tried, because an OTP that might fail beats one that is certainly never sent.
 */
export class SmsRouter {
  constructor(private readonly breaker: CircuitBreaker) {}

  async send(request: SmsRouteRequest): Promise<SmsRouteResult> {
    const { message } = request;
    const tenantId = message.tenant;
    const candidates = request.providers.filter((candidate) => servesCountry(candidate.settings, request.country));
    if (candidates.length === 0) {
      return {
        final: { kind: 'misconfigured', reason: `no SMS provider configured for country ${request.country}` },
        attempts: [],
      };
    }

    const attempts: SmsRouteAttempt[] = [];
    const tried: Array<{ providerId: string; outcome: SmsSendOutcome }> = [];
    const skipped: RoutableProvider[] = [];
    for (const candidate of candidates) {
      if (!this.breaker.tryAcquire(tenantId, candidate.providerId)) {
        skipped.push(candidate);
        attempts.push({
          providerId: candidate.providerId,
          type: candidate.provider.type,
          outcome: { kind: 'retryable', reason: 'circuit open; not tried' },
          skippedOpenCircuit: true,
        });
        continue;
      }
      const outcome = await this.attempt(tenantId, candidate, message);
      attempts.push({ providerId: candidate.providerId, type: candidate.provider.type, outcome });
      tried.push({ providerId: candidate.providerId, outcome });
      if (outcome.kind === 'sent' || outcome.kind === 'invalid_recipient') {
        return { final: outcome, providerId: candidate.providerId, attempts };
      }
    }

    if (tried.length === 0) {
      const fallback = this.earliestOpened(tenantId, skipped);
      const outcome = await this.attempt(tenantId, fallback, message);
      attempts.push({ providerId: fallback.providerId, type: fallback.provider.type, outcome });
      return { final: outcome, providerId: fallback.providerId, attempts };
    }
    const chosen = mostHopeful(tried);
    return { final: chosen.outcome, providerId: chosen.providerId, attempts };
  }

  private async attempt(tenantId: string, candidate: RoutableProvider, message: OutgoingSms): Promise<SmsSendOutcome> {
    let outcome: SmsSendOutcome;
    try {
      outcome = await candidate.provider.send(message);
    } catch (error) {
      // The port says adapters never throw; if one does anyway, treat it like a network failure.
      outcome = { kind: 'retryable', reason: `provider threw ${error instanceof Error ? error.name : 'a non-error'}` };
    }
    this.breaker.record(tenantId, candidate.providerId, outcome);
    return outcome;
  }

  private earliestOpened(tenantId: string, skipped: RoutableProvider[]): RoutableProvider {
    const openedAt = (candidate: RoutableProvider): number =>
      this.breaker.openedAt(tenantId, candidate.providerId) ?? Number.NEGATIVE_INFINITY;
    return skipped.reduce((earliest, candidate) => (openedAt(candidate) < openedAt(earliest) ? candidate : earliest));
  }
}

/**
 * When every tried provider failed, report the outcome that leaves most hope: a later retry can succeed
 * after `rate_limited`/`retryable`, but not after `auth_failed`/`misconfigured` alone. Ties go to the
 * last attempt.
 */
function mostHopeful<T extends { outcome: SmsSendOutcome }>(tried: T[]): T {
  const transient = tried.filter((entry) => entry.outcome.kind === 'retryable' || entry.outcome.kind === 'rate_limited');
  const pool = transient.length > 0 ? transient : tried;
  return pool[pool.length - 1];
}
