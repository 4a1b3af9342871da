import { SmsOutboxMessageEntity } from '@honnin/persistence';
import { waitFor } from '@honnin/testing';
import { IdentityHarness } from '../test/identity-harness';
import { SMS_OUTBOX_CHANNEL } from './sms-challenges';
import { HandedOverSms, SmsHandOff } from './sms-dispatcher';

/** The messages a start writes, handed to this process's dispatcher instead of waiting for a claim. */
describe('SMS hand-off to the dispatcher of the same process', () => {
  const h = new IdentityHarness();
  beforeAll(() => h.start());
  afterAll(() => h.stop());
  afterEach(() => h.identity.handOffSmsTo(null));

  const outboxRow = async (challengeId: string) => {
    const rows: Pick<SmsOutboxMessageEntity, 'status' | 'attempts' | 'claimedUntil'>[] = await h.db.dataSource.query(
      `SELECT status, attempts, claimed_until AS "claimedUntil" FROM sms_outbox WHERE challenge_id = $1`, [challengeId],
    );
    return rows[0];
  };
  it('writes the message claimed by the dispatcher and sends it without a claim or a NOTIFY', async () => {
    await h.tenant('handoff');
    const { viewer } = await h.user('handoff', 'handed@example.com');
    h.identity.handOffSmsTo(h.dispatcher);
    const notified: string[] = [];
    await h.db.changes.subscribe(SMS_OUTBOX_CHANNEL, (payload) => notified.push(payload));
    const claims = jest.spyOn(h.db.store.outbox, 'claimDue');
    try {
      const phone = h.newPhone();
      const challenge = await h.identity.smsChallenges.start(viewer, { purpose: 'ENROLL_PHONE', phoneNumber: phone });
      await waitFor(() => h.sent.some((m) => m.to === phone));
      await waitFor(async () => (await outboxRow(challenge.id)).status === 'SENT');
      expect(claims).not.toHaveBeenCalled();
      expect(notified).toEqual([]);
      expect(await outboxRow(challenge.id)).toMatchObject({ status: 'SENT', attempts: 1 });
    } finally {
      claims.mockRestore();
    }
  });

  it('writes the message for any dispatcher to claim when the hand-off has no room', async () => {
    await h.tenant('handoff-full');
    const { viewer } = await h.user('handoff-full', 'unhanded@example.com');
    const full: SmsHandOff = { leaseFor: () => null, takeOver: () => { throw new Error('nothing was leased'); } };
    h.identity.handOffSmsTo(full);
    const phone = h.newPhone();
    const challenge = await h.identity.smsChallenges.start(viewer, { purpose: 'ENROLL_PHONE', phoneNumber: phone });
    expect(await outboxRow(challenge.id)).toMatchObject({ status: 'PENDING', attempts: 0, claimedUntil: null });
    await h.codeSentTo(phone);
    expect(await outboxRow(challenge.id)).toMatchObject({ status: 'SENT', attempts: 1 });
  });

  it('a dispatcher that stops still sends what it was handed, and takes nothing more', async () => {
    await h.tenant('handoff-stop');
    const { viewer } = await h.user('handoff-stop', 'stopping@example.com');
    const stopping = h.identity.createDispatcher({ log: () => undefined });
    const sent: string[] = [];
    stopping.onDispatched((result) => sent.push(result.outboxId));
    // Leased while it ran, committed after it was told to stop (a request in flight at shutdown).
    const handed: HandedOverSms[] = [];
    h.identity.handOffSmsTo({ leaseFor: (now) => stopping.leaseFor(now), takeOver: (messages) => handed.push(...messages) });
    const challenge = await h.identity.smsChallenges.start(viewer, { purpose: 'ENROLL_PHONE', phoneNumber: h.newPhone() });
    await stopping.stop();
    expect(stopping.leaseFor(h.clock.now())).toBeNull();
    stopping.takeOver(handed);
    await waitFor(() => stopping.backlog() === 0);
    expect(await outboxRow(challenge.id)).toMatchObject({ status: 'SENT', attempts: 1 });
    expect(sent).toHaveLength(1);
  });

  it('leaves a message handed over too late in its lease to be claimed once the lease is over, and sends it once', async () => {
    await h.tenant('handoff-late');
    const { viewer } = await h.user('handoff-late', 'late@example.com');
    const handed: HandedOverSms[] = [];
    // A lease already mostly spent, as after a long backlog.
    h.identity.handOffSmsTo({ leaseFor: (now) => new Date(now.getTime() + 2000), takeOver: (messages) => handed.push(...messages) });
    const phone = h.newPhone();
    const challenge = await h.identity.smsChallenges.start(viewer, { purpose: 'ENROLL_PHONE', phoneNumber: phone });
    h.dispatcher.takeOver(handed);
    await waitFor(() => h.dispatcher.backlog() === 0);
    await h.dispatcher.drain();
    expect(h.sent.filter((m) => m.to === phone)).toHaveLength(0);
    h.clock.advance(3);
    await h.dispatcher.drain();
    expect(h.sent.filter((m) => m.to === phone)).toHaveLength(1);
    expect(await outboxRow(challenge.id)).toMatchObject({ status: 'SENT', attempts: 2 });
  });
});
