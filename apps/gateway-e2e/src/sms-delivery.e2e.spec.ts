import { codeInBody, dumpAllRows, startWebhookReceiverFake, WebhookReceiverFake, withDatabase } from '@honnin/testing';
import { randomBytes } from 'node:crypto';
import {
  createSmsTenant, DispatcherProcess, Honnin, jpMobile, login, PASSWORD, RESEND_SMS_CHALLENGE, SIGN_UP, signUp, SMS_CHALLENGE,
  startDispatcherProcess, startHonnin, startSmsChallenge, verifySmsChallenge,
} from './support/honnin';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** `code` as a whole number in `text`, not as part of a longer run of digits. */
function containsNumber(text: string, code: string): boolean {
  return new RegExp(`(?<!\\d)${code}(?!\\d)`).test(text);
}

interface OutboxRow {
  id: string;
  status: string;
  attempts: number;
  body_ciphertext: Buffer | null;
  claimed_until: Date | null;
}

function outboxRowsOf(h: Honnin, where: string, value: string): Promise<OutboxRow[]> {
  return withDatabase(h.db.url, async (c) =>
    (await c.query(`SELECT id, status, attempts, body_ciphertext, claimed_until FROM sms_outbox WHERE ${where} = $1 ORDER BY created_at`, [value])).rows);
}

/** Polls `read` until `done` holds or `timeoutMs` passes; the last value read. */
async function eventually<T>(read: () => Promise<T>, done: (value: T) => boolean, timeoutMs = 10_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let value = await read();
  while (!done(value) && Date.now() < deadline) {
    await sleep(100);
    value = await read();
  }
  return value;
}

describe('SMS delivery through the outbox, with the dispatcher inside the gateway', () => {
  let h: Honnin;
  const webhookSecret = `whsec-${randomBytes(16).toString('hex')}`;
  let receiver: WebhookReceiverFake;

  beforeAll(async () => {
    [h, receiver] = await Promise.all([startHonnin(), startWebhookReceiverFake({ secret: webhookSecret })]);
  });
  afterAll(async () => {
    await receiver.close();
    await h.stop();
  });

  it('no code in clear anywhere: not in any table, not in the log, and sent bodies are cleared from the outbox', async () => {
    // 8 digits: a random 6-digit number turns up by chance in hex hashes and microsecond timestamps.
    const t = await createSmsTenant(h, receiver, { otp: { length: 8, resendCooldownSeconds: 0 }, messages: { webOtpDomain: 'example.com' } });
    const codes: string[] = [];
    const phone = jpMobile();
    const up = await h.gql.request(SIGN_UP.replace('user { id loginId }', 'user { id loginId } smsChallenge { id }'), {
      tenant: t.slug, variables: { input: { loginId: 'kenji@example.com', password: PASSWORD, phoneNumber: phone } },
    });
    codes.push(codeInBody((await receiver.next(phone)).body, 8) ?? 'missing');
    expect((await verifySmsChallenge(h, t.slug, up.data?.['signUp'].sessionToken, up.data?.['signUp'].smsChallenge.id, codes[0] ?? '')).errors).toBeUndefined();

    const token = await login(h, t.slug, 'kenji@example.com');
    const stepUp = (await startSmsChallenge(h, t.slug, token, { purpose: 'STEP_UP', locale: 'en' })).data?.['startSmsChallenge'];
    codes.push(codeInBody((await receiver.next(phone)).body, 8) ?? 'missing');
    expect((await verifySmsChallenge(h, t.slug, token, stepUp.id, '00000000')).code).toBe('INVALID_CODE');
    expect((await h.gql.request(RESEND_SMS_CHALLENGE, { tenant: t.slug, token, variables: { id: stepUp.id } })).errors).toBeUndefined();
    codes.push(codeInBody((await receiver.next(phone)).body, 8) ?? 'missing');
    expect((await verifySmsChallenge(h, t.slug, token, stepUp.id, codes[2] ?? '')).data?.['verifySmsChallenge'].session.aal).toBe('AAL2');

    const otherPhone = jpMobile();
    const other = await signUp(h, t.slug, 'emi@example.com');
    const pending = (await startSmsChallenge(h, t.slug, other, { purpose: 'ENROLL_PHONE', phoneNumber: otherPhone })).data?.['startSmsChallenge'];
    codes.push(codeInBody((await receiver.next(otherPhone)).body, 8) ?? 'missing');
    expect(codes).toHaveLength(4);
    for (const code of codes) expect(code).toMatch(/^\d{8}$/);

    const rows = await eventually(() => outboxRowsOf(h, 'tenant_id', t.id), (r) => r.every((row) => row.status === 'SENT'));
    expect(rows.map((row) => ({ status: row.status, body: row.body_ciphertext }))).toEqual(Array(4).fill({ status: 'SENT', body: null }));
    const still = await h.gql.request(SMS_CHALLENGE, { tenant: t.slug, token: other, variables: { id: pending.id } });
    expect(still.data?.['smsChallenge']).toMatchObject({ status: 'PENDING', deliveryStatus: 'SENT' });

    const dump = await dumpAllRows(h.db.url);
    const logs = h.gateway.output();
    expect(dump).toContain(t.id);
    expect(logs).toContain('"msg":"request completed"');
    const bodies = receiver.messages.map((m) => m.body).join('\n');
    for (const code of codes) {
      expect(containsNumber(bodies, code)).toBe(true);
      expect({ code, inTables: containsNumber(dump, code), inLogs: containsNumber(logs, code) }).toEqual({ code, inTables: false, inLogs: false });
    }
    expect(dump).not.toContain(webhookSecret);
    expect(logs).not.toContain(webhookSecret);
  });

  it('durable retry: two 503 answers, then 200 → delivered once under the same message id, deliveryStatus SENT', async () => {
    const flaky = await startWebhookReceiverFake({ secret: webhookSecret });
    try {
      const t = await createSmsTenant(h, flaky);
      const token = await signUp(h, t.slug, 'taro@example.com');
      flaky.behave({ mode: 'status', status: 503, body: { error: 'try later' }, times: 2 });
      const phone = jpMobile();
      const challenge = (await startSmsChallenge(h, t.slug, token, { purpose: 'ENROLL_PHONE', phoneNumber: phone })).data?.['startSmsChallenge'];
      expect(challenge).toMatchObject({ deliveryStatus: 'PENDING' });

      const sms = await flaky.next(phone, 15_000);
      expect(sms.signed).toBe(true);
      expect(flaky.requests.map((r) => (r.json as { id: string }).id)).toEqual([sms.id, sms.id, sms.id]);
      const read = await eventually(
        async () => (await h.gql.request(SMS_CHALLENGE, { tenant: t.slug, token, variables: { id: challenge.id } })).data?.['smsChallenge'],
        (c) => c?.deliveryStatus === 'SENT',
      );
      expect(read).toMatchObject({ status: 'PENDING', deliveryStatus: 'SENT' });
      const [row] = await outboxRowsOf(h, 'challenge_id', challenge.id);
      expect(row).toMatchObject({ id: sms.id, status: 'SENT', attempts: 3, body_ciphertext: null });
      const verified = await verifySmsChallenge(h, t.slug, token, challenge.id, codeInBody(sms.body) ?? '');
      expect(verified.data?.['verifySmsChallenge'].session.aal).toBe('AAL2');
      await sleep(1000);
      expect(flaky.requests).toHaveLength(3);
    } finally {
      await flaky.close();
    }
  });

  it('a permanent 400 is not retried: the challenge becomes UNDELIVERABLE with deliveryStatus FAILED', async () => {
    const refusing = await startWebhookReceiverFake({ secret: webhookSecret });
    try {
      const t = await createSmsTenant(h, refusing);
      const token = await signUp(h, t.slug, 'jiro@example.com');
      refusing.behave({ mode: 'status', status: 400, body: { error: 'unknown recipient' } });
      const challenge = (await startSmsChallenge(h, t.slug, token, { purpose: 'ENROLL_PHONE', phoneNumber: jpMobile() })).data?.['startSmsChallenge'];
      const read = await eventually(
        async () => (await h.gql.request(SMS_CHALLENGE, { tenant: t.slug, token, variables: { id: challenge.id } })).data?.['smsChallenge'],
        (c) => c?.status !== 'PENDING',
      );
      expect(read).toMatchObject({ status: 'UNDELIVERABLE', deliveryStatus: 'FAILED' });
      const [row] = await outboxRowsOf(h, 'challenge_id', challenge.id);
      expect(row).toMatchObject({ status: 'FAILED', attempts: 1, body_ciphertext: null });
      await sleep(1500);
      expect(refusing.requests).toHaveLength(1);
      expect(refusing.messages).toEqual([]);
    } finally {
      await refusing.close();
    }
  });
});

describe('SMS delivery with the dispatcher in its own process (API replicas run SMS_DISPATCHER=off)', () => {
  // The dispatcher opens the bodies the gateway sealed, so both get the same secret.
  const secret = randomBytes(32).toString('hex');
  let h: Honnin;
  let receiver: WebhookReceiverFake;
  const dispatchers: DispatcherProcess[] = [];

  beforeAll(async () => {
    [h, receiver] = await Promise.all([
      startHonnin({ SMS_DISPATCHER: 'off', HONNIN_SECRET: secret }),
      startWebhookReceiverFake({ secret: 'whsec-dispatcher-e2e-0123456789' }),
    ]);
  });
  afterAll(async () => {
    await Promise.all(dispatchers.map((d) => d.stop()));
    await receiver.close();
    await h.stop();
  });

  function embedded(): boolean {
    if (h.db.mode !== 'embedded') return false;
    console.error('sms-delivery: dispatcher-process tests need a Postgres server; a second process cannot share the embedded database.');
    return true;
  }

  async function dispatcher(): Promise<DispatcherProcess> {
    const started = await startDispatcherProcess({ databaseUrl: h.db.url, secret });
    dispatchers.push(started);
    return started;
  }

  it('the committed message waits in the outbox while no dispatcher runs; one started later sends exactly it', async () => {
    if (embedded()) return;
    const t = await createSmsTenant(h, receiver);
    const token = await signUp(h, t.slug, 'hiro@example.com');
    const phone = jpMobile();
    const challenge = (await startSmsChallenge(h, t.slug, token, { purpose: 'ENROLL_PHONE', phoneNumber: phone })).data?.['startSmsChallenge'];
    expect(challenge).toMatchObject({ status: 'PENDING', deliveryStatus: 'PENDING' });

    await sleep(1500);
    expect(receiver.requests).toHaveLength(0);
    const [waiting] = await outboxRowsOf(h, 'challenge_id', challenge.id);
    expect(waiting).toMatchObject({ status: 'PENDING', attempts: 0, claimed_until: null });
    expect(waiting?.body_ciphertext).not.toBeNull();

    const sender = await dispatcher();
    const sms = await receiver.next(phone, 10_000);
    expect(sms).toMatchObject({ id: waiting?.id, to: phone, tenant: t.id, signed: true });
    const verified = await verifySmsChallenge(h, t.slug, token, challenge.id, codeInBody(sms.body) ?? '');
    expect(verified.data?.['verifySmsChallenge'].session.aal).toBe('AAL2');
    // The dispatcher records the send once the receiver has answered, so the row may lag the SMS a little.
    const [sent] = await eventually(() => outboxRowsOf(h, 'challenge_id', challenge.id), ([row]) => row?.status !== 'PENDING');
    expect(sent).toMatchObject({ status: 'SENT', attempts: 1, body_ciphertext: null });
    await sleep(500);
    expect(receiver.requests).toHaveLength(1);
    expect(await sender.stop()).toBe(0);
  }, 40_000);

  it('a dispatcher killed mid-send: after the lease another one sends the same message, once, and its code verifies', async () => {
    if (embedded()) return;
    const t = await createSmsTenant(h, receiver);
    const token = await signUp(h, t.slug, 'yuki@example.com');
    const first = await dispatcher();
    const before = receiver.requests.length;
    receiver.behave({ mode: 'ok', hang: true, times: 1 });
    const phone = jpMobile();
    const challenge = (await startSmsChallenge(h, t.slug, token, { purpose: 'ENROLL_PHONE', phoneNumber: phone })).data?.['startSmsChallenge'];

    const hung = await receiver.waitForRequest(before + 1, 10_000);
    await first.kill();
    const killedAt = Date.now();
    const [claimed] = await outboxRowsOf(h, 'challenge_id', challenge.id);
    expect(claimed).toMatchObject({ status: 'PENDING', attempts: 1 });
    expect(claimed?.claimed_until).not.toBeNull();
    expect((hung.json as { id: string }).id).toBe(claimed?.id);

    const second = await dispatcher();
    const sms = await receiver.next(phone, 25_000);
    expect(Date.now() - killedAt).toBeLessThanOrEqual(20_000);
    expect(sms).toMatchObject({ id: claimed?.id, to: phone, signed: true });
    const verified = await verifySmsChallenge(h, t.slug, token, challenge.id, codeInBody(sms.body) ?? '');
    expect(verified.data?.['verifySmsChallenge'].session.aal).toBe('AAL2');
    const [sent] = await eventually(() => outboxRowsOf(h, 'challenge_id', challenge.id), ([row]) => row?.status !== 'PENDING');
    expect(sent).toMatchObject({ id: claimed?.id, status: 'SENT', attempts: 2, body_ciphertext: null });
    await sleep(500);
    expect(receiver.messages.filter((m) => m.to === phone)).toHaveLength(1);
    expect(receiver.requests.slice(before).map((r) => (r.json as { id: string }).id)).toEqual([claimed?.id, claimed?.id]);
    const code = codeInBody(sms.body) ?? 'missing';
    for (const output of [first.output(), second.output(), h.gateway.output()]) expect(containsNumber(output, code)).toBe(false);
  }, 60_000);
});
