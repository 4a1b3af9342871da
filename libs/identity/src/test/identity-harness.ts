import { Database } from '@honnin/persistence';
import { CONSOLE_SMS_LOG_EVENT } from '@honnin/sms';
import { createTestDatabase, TestDatabase } from '@honnin/testing';
import { Clock, RequestContext } from '../common/clock';
import { Identity } from '../identity';
import { RateLimitStore } from '../limits/rate-limit-store';
import { Viewer } from '../sessions/sessions';
import { SmsDispatcher } from '../sms/sms-dispatcher';

export class ManualClock extends Clock {
  constructor(private current = new Date('2026-11-25T09:00:00Z')) {
    super();
  }
  now(): Date {
    return new Date(this.current);
  }
  advance(seconds: number): void {
    this.current = new Date(this.current.getTime() + seconds * 1000);
  }
}

export const PASSWORD = 'correct horse battery staple 42';

/** Identity on a fresh test database with a hand-driven clock; SMS go to the CONSOLE provider and are captured. */
export class IdentityHarness {
  readonly sent: { id: string; to: string; body: string }[] = [];
  dispatcher!: SmsDispatcher;
  identity!: Identity;
  db!: Database;
  private testDb!: TestDatabase;

  private phones = 0;

  constructor(
    readonly clock = new ManualClock(),
    private readonly rateLimitStore: RateLimitStore = { kind: 'postgres' },
  ) {}

  /** A Japanese mobile number no other test uses (080/090 alternate). */
  newPhone(): string {
    this.phones++;
    return `+81${this.phones % 2 ? '90' : '80'}${String(10_000_000 + this.phones * 7919).slice(-8)}`;
  }

  async start(): Promise<void> {
    this.testDb = await createTestDatabase();
    this.db = await Database.open({ url: this.testDb.url, poolSize: this.testDb.poolSize });
    await this.db.migrate();
    this.identity = await Identity.start({ db: this.db, operatorToken: null, secret: 's'.repeat(64), production: false, clock: this.clock, rateLimitStore: this.rateLimitStore });
    this.dispatcher = this.identity.createDispatcher({
      log: (_level, event, fields) => {
        if (event === CONSOLE_SMS_LOG_EVENT) this.sent.push(fields as { id: string; to: string; body: string });
      },
    });
  }

  async stop(): Promise<void> {
    await this.identity.stop();
    await this.db.close();
    await this.testDb.drop();
  }

  async tenant(slug: string) {
    const { tenant, adminApiKey } = await this.identity.admin.createTenant({ slug, name: slug }, null);
    const admin = await this.identity.admin.authenticate(adminApiKey.key, 'policy:write', context(slug));
    return { tenant, admin, context: context(slug) };
  }

  async user(slug: string, loginId: string): Promise<{ token: string; viewer: Viewer }> {
    const signedIn = await this.identity.accounts.signUp(context(slug), { loginId, password: PASSWORD });
    return { token: signedIn.token, viewer: await this.identity.sessions.authenticate(signedIn.token, context(slug)) };
  }

  viewer(slug: string, token: string): Promise<Viewer> {
    return this.identity.sessions.authenticate(token, context(slug));
  }

  /** Sends what is waiting and returns the code in the last SMS to `to`. */
  async codeSentTo(to: string): Promise<string> {
    await this.dispatcher.drain();
    const message = [...this.sent].reverse().find((m) => m.to === to);
    const code = message && /(?<!\d)(\d{6,10})(?!\d)/.exec(message.body)?.[1];
    if (!code) throw new Error(`no code was sent to ${to}`);
    return code;
  }

  /** Enrols `phone` for the viewer and returns the viewer of the new AAL2 session. */
  async enrol(slug: string, viewer: Viewer, phone: string): Promise<{ token: string; viewer: Viewer }> {
    const challenge = await this.identity.smsChallenges.start(viewer, { purpose: 'ENROLL_PHONE', phoneNumber: phone });
    const verified = await this.identity.smsChallenges.verify(viewer, { challengeId: challenge.id, code: await this.codeSentTo(phone) });
    return { token: verified.token, viewer: await this.viewer(slug, verified.token) };
  }
}

export function context(slug: string): RequestContext {
  return { tenantSlug: slug, ip: '127.0.0.1', userAgent: 'jest' };
}

export function wrongCode(code: string): string {
  return code.replace(/\d$/, (d) => String((Number(d) + 1) % 10));
}
