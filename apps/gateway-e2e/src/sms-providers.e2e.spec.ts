import {
  codeInBody, dumpAllRows, FakeHttpServer, GraphqlClient, GraphqlResult, startGatewayProcess, startKaradenFake,
  startTwilioFake, startVonageFake, startWebhookReceiverFake,
} from '@honnin/testing';
import { randomBytes } from 'node:crypto';
import {
  auditEventsOfType, CONFIGURE_SMS_PROVIDERS, createTenant, createTenantWithProviders, eventually, frMobile, Honnin, jpMobile,
  SMS_CHALLENGE, SMS_PROVIDERS, startEnrolment, startHonnin, ukMobile, usMobile, verifySmsChallenge,
} from './support/honnin';

const TWILIO_SENDER = '+15005550006';
/** The dispatcher's circuit breaker keeps a circuit open this long (libs/sms DEFAULT_OPEN_MS). */
const CIRCUIT_OPEN_MS = 30_000;
const CONFIGURE_EVERY_FIELD = `mutation($input: ConfigureSmsProvidersInput!) {
  configureSmsProviders(input: $input) { id type position baseUrl sender countries credentialFields createdAt } }`;

describe('SMS providers over HTTP: routing, failover, circuit breaking, credentials', () => {
  let h: Honnin;
  const fakes: FakeHttpServer[] = [];
  /** Closes `fake` after the test, whatever happens in it. */
  function track<T extends FakeHttpServer>(fake: T): T {
    fakes.push(fake);
    return fake;
  }

  beforeAll(async () => {
    h = await startHonnin();
  });
  afterEach(async () => {
    await Promise.all(fakes.splice(0).map((fake) => fake.close()));
  });
  afterAll(() => h.stop());

  async function challengeState(tenant: string, token: string, id: string): Promise<{ status: string; deliveryStatus: string }> {
    const r = await h.gql.request(SMS_CHALLENGE, { tenant, token, variables: { id } });
    const { status, deliveryStatus } = r.data?.['smsChallenge'] ?? {};
    return { status, deliveryStatus };
  }

  async function expectVerifies(tenant: string, token: string, challengeId: string, code: string | undefined): Promise<void> {
    expect(code).toMatch(/^\d{6}$/);
    const verified = await verifySmsChallenge(h, tenant, token, challengeId, code ?? '');
    expect(verified.errors).toBeUndefined();
    expect(verified.data?.['verifySmsChallenge'].user.maskedPhoneNumber).toEqual(expect.any(String));
  }

  it('routes by country in order: +81 to Karaden as a domestic number, +1 and +44 to Twilio; another tenant keeps its own WEBHOOK', async () => {
    const karaden = track(await startKaradenFake());
    const twilio = track(await startTwilioFake());
    const receiverB = track(await startWebhookReceiverFake({ secret: `tenant-b-${randomBytes(8).toString('hex')}` }));
    const a = await createTenantWithProviders(h, [
      { type: 'KARADEN', baseUrl: karaden.url, countries: ['JP'], credentials: { ...karaden.account } },
      { type: 'TWILIO', baseUrl: twilio.url, sender: TWILIO_SENDER, credentials: { accountSid: twilio.account.accountSid, authToken: twilio.account.authToken } },
    ]);
    const b = await createTenantWithProviders(h, [{ type: 'WEBHOOK', baseUrl: receiverB.endpoint, credentials: { secret: receiverB.secret } }]);
    const listedA = (await h.gql.request(SMS_PROVIDERS, { apiKey: a.apiKey })).data?.['smsProviders'];
    expect(listedA.map((p: Record<string, unknown>) => [p['position'], p['type'], p['countries'], p['credentialFields']])).toEqual([
      [0, 'KARADEN', ['JP'], ['serviceId', 'tenantId', 'token']],
      [1, 'TWILIO', [], ['accountSid', 'authToken']],
    ]);

    const jp = jpMobile();
    const jpUser = await startEnrolment(h, a.slug, jp);
    const sentToKaraden = await karaden.waitForRequest(1, 5000);
    expect(sentToKaraden.path).toBe(`/api/${karaden.account.tenantId}/messages`);
    expect(sentToKaraden.headers['authorization']).toBe(`Bearer ${karaden.account.token}`);
    expect(sentToKaraden.headers['karaden-version']).toBe('2023-01-01');
    expect(sentToKaraden.form).toMatchObject({ to: `0${jp.slice(3)}`, service_id: karaden.account.serviceId });
    expect(sentToKaraden.form['to']).toMatch(/^0[789]0\d{8}$/);
    expect(karaden.messages.size).toBe(1);
    await expectVerifies(a.slug, jpUser.token, jpUser.challengeId, codeInBody(sentToKaraden.form['body'] ?? ''));

    const us = usMobile();
    const uk = ukMobile();
    const usUser = await startEnrolment(h, a.slug, us);
    const ukUser = await startEnrolment(h, a.slug, uk);
    await eventually('two messages at the Twilio fake', () => (twilio.messages.length >= 2 ? true : undefined));
    expect(twilio.messages.map((m) => [m.to, m.from]).sort()).toEqual([[uk, TWILIO_SENDER], [us, TWILIO_SENDER]].sort());
    expect(twilio.requests[0].path).toBe(`/2010-04-01/Accounts/${twilio.account.accountSid}/Messages.json`);
    await expectVerifies(a.slug, usUser.token, usUser.challengeId, codeInBody(twilio.inbox(us)[0] ?? ''));
    await expectVerifies(a.slug, ukUser.token, ukUser.challengeId, codeInBody(twilio.inbox(uk)[0] ?? ''));
    const sentA = await eventually('three sms.sent events for A', async () => {
      const events = await auditEventsOfType(h, a.apiKey, 'sms.sent');
      return events.length >= 3 ? events : undefined;
    });
    expect(sentA.map((e) => e.details['provider']).sort()).toEqual(['KARADEN', 'TWILIO', 'TWILIO']);
    expect(sentA.map((e) => e.details['route']).sort()).toEqual([['KARADEN:sent'], ['TWILIO:sent'], ['TWILIO:sent']]);

    const bJp = jpMobile();
    const bUser = await startEnrolment(h, b.slug, bJp);
    const atB = await receiverB.next(bJp, 5000);
    expect(atB).toMatchObject({ signed: true, tenant: b.id, to: bJp, path: '/sms' });
    await expectVerifies(b.slug, bUser.token, bUser.challengeId, codeInBody(atB.body));
    const listedB = (await h.gql.request(SMS_PROVIDERS, { apiKey: b.apiKey })).data?.['smsProviders'];
    expect(listedB.map((p: Record<string, unknown>) => p['type'])).toEqual(['WEBHOOK']);
    expect(receiverB.requests.map((r) => (r.json as { to: string }).to)).toEqual([bJp]);
    expect(karaden.requests).toHaveLength(1);
    expect(twilio.requests).toHaveLength(2);
  });

  it(`fails over from a Twilio answering 500 to the webhook, opens Twilio's circuit after 3 failures, skips it, and uses it again once it recovers and ${CIRCUIT_OPEN_MS / 1000} s pass`, async () => {
    const twilio = track(await startTwilioFake());
    const receiver = track(await startWebhookReceiverFake({ secret: `outage-${randomBytes(8).toString('hex')}` }));
    const t = await createTenantWithProviders(h, [
      { type: 'TWILIO', baseUrl: twilio.url, sender: TWILIO_SENDER, credentials: { accountSid: twilio.account.accountSid, authToken: twilio.account.authToken } },
      { type: 'WEBHOOK', baseUrl: receiver.endpoint, credentials: { secret: receiver.secret } },
    ]);
    const [twilioId] = t.providerIds;
    twilio.behave({ mode: 'status', status: 500, body: { code: 20500, message: 'Internal Server Error', status: 500 } });

    let openedBy = 0;
    for (let failure = 1; failure <= 3; failure++) {
      const phone = usMobile();
      const user = await startEnrolment(h, t.slug, phone);
      const message = await receiver.next(phone, 3000);
      expect(twilio.requests).toHaveLength(failure);
      expect(twilio.requests[failure - 1].form['To']).toBe(phone);
      await expectVerifies(t.slug, user.token, user.challengeId, codeInBody(message.body));
      openedBy = Date.now();
    }
    expect(twilio.messages).toHaveLength(0);
    const opened = await eventually('the circuit_changed event to open', async () =>
      (await auditEventsOfType(h, t.apiKey, 'sms_provider.circuit_changed')).find((e) => e.details['to'] === 'open'),
    );
    expect(opened.details).toMatchObject({ providerId: twilioId, from: 'closed', to: 'open', cause: 'retryable' });
    const failedOver = await auditEventsOfType(h, t.apiKey, 'sms.sent');
    expect(failedOver).toHaveLength(3);
    for (const event of failedOver) expect(event.details).toMatchObject({ provider: 'WEBHOOK', route: ['TWILIO:retryable', 'WEBHOOK:sent'] });

    twilio.resetBehaviour();
    const skipped = usMobile();
    const skippedUser = await startEnrolment(h, t.slug, skipped);
    await expectVerifies(t.slug, skippedUser.token, skippedUser.challengeId, codeInBody((await receiver.next(skipped, 3000)).body));
    expect(twilio.requests).toHaveLength(3);
    expect(Date.now() - openedBy).toBeLessThan(CIRCUIT_OPEN_MS);

    await new Promise((r) => setTimeout(r, CIRCUIT_OPEN_MS - (Date.now() - openedBy) + 500));
    const recovered = usMobile();
    const recoveredUser = await startEnrolment(h, t.slug, recovered);
    await eventually('the message at the recovered Twilio', () => (twilio.inbox(recovered).length > 0 ? true : undefined));
    await expectVerifies(t.slug, recoveredUser.token, recoveredUser.challengeId, codeInBody(twilio.inbox(recovered)[0] ?? ''));
    expect(twilio.requests).toHaveLength(4);
    const transitions = await eventually('the circuit closing again', async () => {
      const events = await auditEventsOfType(h, t.apiKey, 'sms_provider.circuit_changed');
      return events.some((e) => e.details['to'] === 'closed') ? events : undefined;
    });
    // The two transitions of the probe may be stored within the same millisecond: compare as a set.
    expect(transitions.map((e) => `${e.details['providerId']}:${e.details['from']}->${e.details['to']}`).sort()).toEqual(
      [`${twilioId}:closed->open`, `${twilioId}:half_open->closed`, `${twilioId}:open->half_open`].sort(),
    );
    expect(receiver.messages.map((m) => m.to)).not.toContain(recovered);
  }, CIRCUIT_OPEN_MS + 30_000);

  it('a Twilio that never answers costs its 5 s timeout, then the code arrives through the webhook within 12 s', async () => {
    const twilio = track(await startTwilioFake());
    const receiver = track(await startWebhookReceiverFake({ secret: `hang-${randomBytes(8).toString('hex')}` }));
    const t = await createTenantWithProviders(h, [
      { type: 'TWILIO', baseUrl: twilio.url, sender: TWILIO_SENDER, credentials: { accountSid: twilio.account.accountSid, authToken: twilio.account.authToken } },
      { type: 'WEBHOOK', baseUrl: receiver.endpoint, credentials: { secret: receiver.secret } },
    ]);
    twilio.behave({ mode: 'ok', hang: true });
    const phone = ukMobile();
    const startedAt = Date.now();
    const user = await startEnrolment(h, t.slug, phone);
    const message = await receiver.next(phone, 12_000);
    const elapsed = Date.now() - startedAt;
    expect(elapsed).toBeLessThan(12_000);
    expect(elapsed).toBeGreaterThanOrEqual(4500);
    expect(twilio.requests).toHaveLength(1);
    await expectVerifies(t.slug, user.token, user.challengeId, codeInBody(message.body));
    const sent = await eventually('the sms.sent event', async () => (await auditEventsOfType(h, t.apiKey, 'sms.sent'))[0]);
    expect(sent.details).toMatchObject({ provider: 'WEBHOOK', route: ['TWILIO:retryable', 'WEBHOOK:sent'] });
  }, 30_000);

  it('an invalid_recipient answer (Twilio 21211, HTTP 400) does not fail over and makes the challenge UNDELIVERABLE / FAILED', async () => {
    const twilio = track(await startTwilioFake());
    const receiver = track(await startWebhookReceiverFake({ secret: `invalid-${randomBytes(8).toString('hex')}` }));
    const t = await createTenantWithProviders(h, [
      { type: 'TWILIO', baseUrl: twilio.url, sender: TWILIO_SENDER, credentials: { accountSid: twilio.account.accountSid, authToken: twilio.account.authToken } },
      { type: 'WEBHOOK', baseUrl: receiver.endpoint, credentials: { secret: receiver.secret } },
    ]);
    twilio.failWith(21211, { status: 400, times: 5 });
    const phone = usMobile();
    const user = await startEnrolment(h, t.slug, phone);
    const settled = await eventually('the challenge settling', async () => {
      const state = await challengeState(t.slug, user.token, user.challengeId);
      return state.deliveryStatus === 'PENDING' ? undefined : state;
    });
    expect(settled).toEqual({ status: 'UNDELIVERABLE', deliveryStatus: 'FAILED' });
    const failed = await eventually('the sms.failed event', async () => (await auditEventsOfType(h, t.apiKey, 'sms.failed'))[0]);
    expect(failed.details).toMatchObject({ provider: 'TWILIO', challengeId: user.challengeId });
    expect(String(failed.details['reason'])).toMatch(/^invalid_recipient/);
    // Give a wrongly scheduled retry or failover time to show itself.
    await new Promise((r) => setTimeout(r, 1500));
    expect(twilio.requests).toHaveLength(1);
    expect(twilio.requests[0].form['To']).toBe(phone);
    expect(receiver.requests).toHaveLength(0);
    expect(await auditEventsOfType(h, t.apiKey, 'sms.sent')).toEqual([]);
    expect(await challengeState(t.slug, user.token, user.challengeId)).toEqual({ status: 'UNDELIVERABLE', deliveryStatus: 'FAILED' });
  });

  it('keeps credentials out of every GraphQL answer, the log and the database, while sending through each provider', async () => {
    const marker = () => `SeCrEt${randomBytes(10).toString('hex')}`;
    const twilio = track(await startTwilioFake({ account: { accountSid: `AC${randomBytes(16).toString('hex')}`, authToken: marker(), serviceSid: `VA${'2'.repeat(32)}` } }));
    const karaden = track(await startKaradenFake({ tenantId: `kd-${randomBytes(6).toString('hex')}`, token: marker(), serviceId: '42' }));
    const vonage = track(await startVonageFake({ apiKey: `vk${randomBytes(5).toString('hex')}`, apiSecret: marker(), signatureSecret: marker() }));
    const receiver = track(await startWebhookReceiverFake({ secret: marker() }));
    const credentials = {
      KARADEN: { ...karaden.account },
      VONAGE: { apiKey: vonage.account.apiKey, apiSecret: vonage.account.apiSecret, signatureSecret: vonage.account.signatureSecret ?? '' },
      TWILIO: { accountSid: twilio.account.accountSid, authToken: twilio.account.authToken },
      WEBHOOK: { secret: receiver.secret },
    };
    const secrets = [twilio.account.authToken, karaden.account.token, vonage.account.apiSecret, vonage.account.signatureSecret ?? '', receiver.secret];
    const everyValue = [...secrets, twilio.account.accountSid, karaden.account.tenantId, vonage.account.apiKey];
    const basicAuth = Buffer.from(`${twilio.account.accountSid}:${twilio.account.authToken}`).toString('base64');
    const answers: GraphqlResult[] = [];

    const t = await createTenant(h);
    const configured = await h.gql.request(CONFIGURE_EVERY_FIELD, {
      apiKey: t.apiKey,
      variables: {
        input: {
          providers: [
            { type: 'KARADEN', baseUrl: karaden.url, countries: ['JP'], credentials: credentials.KARADEN },
            { type: 'VONAGE', baseUrl: vonage.url, sender: 'Honnin', countries: ['GB'], credentials: credentials.VONAGE },
            { type: 'TWILIO', baseUrl: twilio.url, sender: TWILIO_SENDER, countries: ['US'], credentials: credentials.TWILIO },
            { type: 'WEBHOOK', baseUrl: receiver.endpoint, credentials: credentials.WEBHOOK },
          ],
        },
      },
    });
    answers.push(configured);
    expect(configured.errors).toBeUndefined();
    expect(configured.data?.['configureSmsProviders'].map((p: Record<string, unknown>) => [p['type'], p['credentialFields']])).toEqual([
      ['KARADEN', ['serviceId', 'tenantId', 'token']],
      ['VONAGE', ['apiKey', 'apiSecret', 'signatureSecret']],
      ['TWILIO', ['accountSid', 'authToken']],
      ['WEBHOOK', ['secret']],
    ]);
    const listed = await h.gql.request(SMS_PROVIDERS, { apiKey: t.apiKey });
    answers.push(listed);
    expect(listed.data?.['smsProviders'].map((p: Record<string, unknown>) => p['type'])).toEqual(['KARADEN', 'VONAGE', 'TWILIO', 'WEBHOOK']);

    const phones = { jp: jpMobile(), uk: ukMobile(), us: usMobile(), fr: frMobile() };
    for (const phone of Object.values(phones)) await startEnrolment(h, t.slug, phone);
    await eventually('one message at each provider', () =>
      karaden.messages.size === 1 && vonage.messages.length === 1 && twilio.messages.length === 1 && receiver.messages.length === 1 ? true : undefined,
    );
    expect(vonage.messages[0].to).toBe(phones.uk.slice(1));
    expect(twilio.messages[0].to).toBe(phones.us);
    expect(receiver.messages[0]).toMatchObject({ to: phones.fr, signed: true });
    const sent = await eventually('four sms.sent events', async () => {
      const events = await auditEventsOfType(h, t.apiKey, 'sms.sent');
      return events.length === 4 ? events : undefined;
    });
    expect(sent.map((e) => e.details['provider']).sort()).toEqual(['KARADEN', 'TWILIO', 'VONAGE', 'WEBHOOK']);
    answers.push(await h.gql.request(`{ auditEvents(first: 100) { edges { node { type details } } } }`, { apiKey: t.apiKey }));

    const rows = await dumpAllRows(h.db.url);
    expect(rows.split('\n').filter((row) => row.startsWith('sms_provider_configs: ') && row.includes(t.id))).toHaveLength(4);
    const log = h.gateway.output();
    for (const value of everyValue) {
      for (const answer of answers) expect(answer.raw).not.toContain(value);
      expect(rows).not.toContain(value);
    }
    for (const secret of [...secrets, basicAuth]) expect(log).not.toContain(secret);
    expect(rows).not.toContain(basicAuth);
  });

  const configure = (client: GraphqlClient, apiKey: string, providers: Record<string, unknown>[]) =>
    client.request(CONFIGURE_SMS_PROVIDERS, { apiKey, variables: { input: { providers } } });
  const fieldsOf = (r: GraphqlResult) => ((r.errors?.[0]?.extensions?.['fields'] ?? []) as { field: string }[]).map((f) => f.field).sort();
  const accountSid = `AC${'a'.repeat(32)}`;
  /** Refused while GraphQL coerces the variables, before our validation: no field paths there. */
  const coercionRefusals = (secret: string): Record<string, unknown>[][] => [
    [{ type: 'TWILIO', sender: TWILIO_SENDER, region: 'us1', credentials: { accountSid, authToken: secret } }],
    [{ type: 'TWILIO', sender: TWILIO_SENDER, credentials: { accountSid, authToken: secret, port: 443 } }],
  ];

  it('refuses bad provider settings with BAD_USER_INPUT naming each field path, and stores and logs nothing of them', async () => {
    const receiver = track(await startWebhookReceiverFake({ secret: `kept-${randomBytes(8).toString('hex')}` }));
    const t = await createTenantWithProviders(h, [{ type: 'WEBHOOK', baseUrl: receiver.endpoint, credentials: { secret: receiver.secret } }]);
    const before = (await h.gql.request(SMS_PROVIDERS, { apiKey: t.apiKey })).data?.['smsProviders'];
    expect(before).toHaveLength(1);
    const refusedSecret = `RefusedSeCrEt${randomBytes(10).toString('hex')}`;

    const cases: [string, Record<string, unknown>[], string[]][] = [
      ['missing authToken', [{ type: 'TWILIO', sender: TWILIO_SENDER, credentials: { accountSid } }], ['providers[0].credentials.authToken']],
      ['unknown credential field', [{ type: 'TWILIO', sender: TWILIO_SENDER, credentials: { accountSid, authToken: refusedSecret, region: 'us1' } }], ['providers[0].credentials.region']],
      [
        'a bad second provider, the first one valid',
        [
          { type: 'WEBHOOK', baseUrl: receiver.endpoint, credentials: { secret: refusedSecret } },
          { type: 'KARADEN', countries: ['JPN'], credentials: { tenantId: 'kd', serviceId: 'zero' } },
        ],
        ['providers[1].countries[0]', 'providers[1].credentials.serviceId', 'providers[1].credentials.token'],
      ],
      ['CONSOLE is fine outside production, the TWILIO after it is not', [{ type: 'CONSOLE' }, { type: 'TWILIO', credentials: { accountSid } }], ['providers[1].credentials.authToken', 'providers[1].sender']],
    ];
    for (const [name, providers, fields] of cases) {
      const r = await configure(h.gql, t.apiKey, providers);
      expect({ name, code: r.code, fields: fieldsOf(r), data: r.data }).toEqual({ name, code: 'BAD_USER_INPUT', fields: [...fields].sort(), data: null });
    }
    for (const providers of coercionRefusals(refusedSecret)) {
      const r = await configure(h.gql, t.apiKey, providers);
      expect({ code: r.code, data: r.data }).toEqual({ code: 'BAD_USER_INPUT', data: null });
    }

    const production = await startGatewayProcess({
      databaseUrl: h.db.url,
      env: { NODE_ENV: 'production', SMS_DISPATCHER: 'off', DATABASE_POOL_SIZE: String(h.db.poolSize) },
    });
    try {
      const refusedConsole = await configure(new GraphqlClient(production.url), t.apiKey, [{ type: 'CONSOLE' }]);
      expect(refusedConsole.code).toBe('BAD_USER_INPUT');
      expect(fieldsOf(refusedConsole)).toEqual(['providers[0].type']);
    } finally {
      await production.stop();
    }

    expect((await h.gql.request(SMS_PROVIDERS, { apiKey: t.apiKey })).data?.['smsProviders']).toEqual(before);
    expect(await auditEventsOfType(h, t.apiKey, 'sms_providers.configured')).toHaveLength(1);
    expect(h.gateway.output()).not.toContain(refusedSecret);
    expect(await dumpAllRows(h.db.url)).not.toContain(refusedSecret);
  });

  it('does not echo the credential values of a refused configuration in its answer', async () => {
    const t = await createTenant(h);
    const refusedSecret = `RefusedSeCrEt${randomBytes(10).toString('hex')}`;
    const refusals = [
      [{ type: 'TWILIO', sender: TWILIO_SENDER, credentials: { accountSid, authToken: refusedSecret, region: 'us1' } }],
      [{ type: 'WEBHOOK', baseUrl: 'not a url', credentials: { secret: refusedSecret } }],
      ...coercionRefusals(refusedSecret),
    ];
    const answers = await Promise.all(refusals.map((providers) => configure(h.gql, t.apiKey, providers)));
    expect(answers.map((r) => r.code)).toEqual(refusals.map(() => 'BAD_USER_INPUT'));
    const echoing = answers.filter((r) => r.raw.includes(refusedSecret)).map((r) => r.raw);
    expect(echoing).toEqual([]);
  });
});
