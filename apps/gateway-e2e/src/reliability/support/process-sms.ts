// SMS-side instruments for the process-killing scenarios: many challenges at once, the outbox as the
// database holds it, what a provider was posted, and a receiver that deduplicates by our message id.
import { codeInBody, type FakeHttpServer, readWebhookSms, startFakeHttpServer, withDatabase } from '@honnin/testing';
import { type Honnin, jpMobile, SMS_CHALLENGE, startEnrolment } from '../../support/honnin';

/**
 * Send limits a scenario with dozens of sends from 127.0.0.1 stays under: the per-phone and per-user
 * maxima the policy allows, and a prefix burst minimum no scenario reaches (every number is +81).
 */
export const BULK_SEND_LIMITS = {
  sendsPerPhonePerHour: 100, sendsPerPhonePerDay: 1000, sendsPerUserPerHour: 100, sendsPerIpPerHour: 10_000,
  sendsPerTenantPerHour: 1_000_000, sendsPerTenantPerDay: 10_000_000, prefixBurstMinimum: 100_000,
};

export interface StartedEnrolment {
  phone: string;
  /** The new user's session token. */
  token: string;
  challengeId: string;
}

/** `count` new users of `tenant`, each enrolling a phone of its own, `concurrency` at a time. */
export async function startEnrolments(h: Honnin, tenant: string, count: number, concurrency = 4): Promise<StartedEnrolment[]> {
  const started: StartedEnrolment[] = [];
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < count) {
      next += 1;
      const phone = jpMobile();
      started.push({ phone, ...(await startEnrolment(h, tenant, phone)) });
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, count) }, worker));
  return started;
}

export interface OutboxRow {
  id: string;
  challengeId: string | null;
  to: string;
  status: string;
  attempts: number;
  bodyCleared: boolean;
  claimedUntil: Date | null;
  providerConfigId: string | null;
  lastOutcome: string | null;
}

/** The tenant's outbox rows, oldest first. */
export function outboxRows(databaseUrl: string, tenantId: string): Promise<OutboxRow[]> {
  return withDatabase(databaseUrl, async (client) =>
    (await client.query<OutboxRow>(
      `SELECT id, challenge_id AS "challengeId", to_e164 AS "to", status, attempts, body_ciphertext IS NULL AS "bodyCleared",
              claimed_until AS "claimedUntil", provider_config_id AS "providerConfigId", last_outcome AS "lastOutcome"
         FROM sms_outbox WHERE tenant_id = $1 ORDER BY created_at, id`,
      [tenantId],
    )).rows);
}

/** One message our WEBHOOK provider posted, as the provider saw it. */
export interface PostedSms {
  id: string;
  to: string;
  body: string;
}

/** Every message posted to `fake`, hung and refused ones included, oldest first. */
export function postedMessages(fake: FakeHttpServer): PostedSms[] {
  return fake.requests.map((request) => {
    const json = (request.json ?? {}) as { id?: string; to?: string; body?: string };
    return { id: json.id ?? '', to: json.to ?? '', body: json.body ?? '' };
  });
}

/** Groups `items` by `key`, keeping each group's order. */
export function groupBy<T>(items: readonly T[], key: (item: T) => string): Map<string, T[]> {
  const groups = new Map<string, T[]>();
  for (const item of items) groups.set(key(item), [...(groups.get(key(item)) ?? []), item]);
  return groups;
}

/** A post the deduping receiver answered, with the time it arrived (the test's clock). */
export interface ReceivedPost extends PostedSms {
  at: number;
}

export interface DedupingReceiver extends FakeHttpServer {
  readonly endpoint: string;
  readonly secret: string;
  /** The first copy of each message id, in arrival order: what handsets got. */
  readonly delivered: ReceivedPost[];
  /** Every signed post that was answered, duplicates included. */
  readonly posts: ReceivedPost[];
}

/**
 * A tenant's SMS receiver that does what our WEBHOOK contract asks of one: checks the signature and
 * treats the message `id` as an idempotency key, so a message posted again after a crash reaches the
 * handset once. `beforeAnswer` runs before each answer (a test freezes the sender there).
 */
export async function startDedupingReceiver(options: { secret: string; beforeAnswer?: (post: ReceivedPost) => void }): Promise<DedupingReceiver> {
  const delivered: ReceivedPost[] = [];
  const posts: ReceivedPost[] = [];
  const seen = new Set<string>();
  const server = await startFakeHttpServer((request) => {
    const message = readWebhookSms(request, options.secret);
    if (!message.signed) return { status: 401, body: { error: 'bad signature' } };
    const post = { id: message.id, to: message.to, body: message.body, at: Date.now() };
    posts.push(post);
    options.beforeAnswer?.(post);
    if (!seen.has(post.id)) {
      seen.add(post.id);
      delivered.push(post);
    }
    return { status: 200, body: { id: `rcv-${post.id}` } };
  });
  return Object.assign(server, { endpoint: `${server.url}/sms`, secret: options.secret, delivered, posts });
}

/** The one-time code in an SMS body (`length` digits), or a string that cannot verify. */
export function codeOf(body: string, length: number): string {
  return codeInBody(body, length) ?? 'no-code-in-body';
}

/** `code` as a whole number in `text`, not as part of a longer run of digits. */
export function containsNumber(text: string, code: string): boolean {
  return new RegExp(`(?<!\\d)${code}(?!\\d)`).test(text);
}

/** The challenge as its owner reads it over GraphQL (status, deliveryStatus, ...), or undefined. */
export async function readChallenge(h: Honnin, tenant: string, token: string, id: string): Promise<Record<string, unknown> | undefined> {
  const read = await h.gql.request(SMS_CHALLENGE, { tenant, token, variables: { id } });
  return read.data?.['smsChallenge'] ?? undefined;
}

/** Runs `work` over `items`, `concurrency` at a time; results in the order of `items`. */
export async function mapConcurrently<T, R>(items: readonly T[], concurrency: number, work: (item: T) => Promise<R>): Promise<R[]> {
  const results: R[] = new Array(items.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) {
      const index = next;
      next += 1;
      results[index] = await work(items[index] as T);
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, items.length) }, worker));
  return results;
}
