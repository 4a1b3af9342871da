import { waitFor } from '@honnin/testing';
import { SecretBox } from '../common/secret-box';
import { IdentityHarness } from '../test/identity-harness';

/** The providers a send uses: read and decrypted once while cached, and never stale after a change. */
describe('SMS providers for sending', () => {
  const h = new IdentityHarness();
  beforeAll(() => h.start());
  afterAll(() => h.stop());

  const webhook = (secret: string) => ({ type: 'WEBHOOK', baseUrl: 'https://sms.example.com/hook', credentials: { secret } });

  it('opens the credentials once for many sends, and the new ones as soon as the list changes', async () => {
    const { tenant, admin } = await h.tenant('providers-cache');
    await h.identity.smsProviders.configure(admin, [webhook('first-secret-0123456789')]);
    const forSending = () => h.identity.smsProviders.forSending(tenant.id);
    // The change's own NOTIFY comes back after configure answers and empties the cache once more.
    await waitFor(async () => (await forSending()) === (await forSending()));
    const open = jest.spyOn(SecretBox.prototype, 'open');
    try {
      const first = await forSending();
      for (let i = 0; i < 5; i++) expect(await forSending()).toBe(first);
      expect(first.map((p) => p.settings.credentials)).toEqual([{ secret: 'first-secret-0123456789' }]);
      expect(open).not.toHaveBeenCalled();

      await h.identity.smsProviders.configure(admin, [webhook('second-secret-0123456789')]);
      const changed = await forSending();
      expect(changed.map((p) => p.settings.credentials)).toEqual([{ secret: 'second-secret-0123456789' }]);
    } finally {
      open.mockRestore();
    }
  });

  it('finds the delegating provider of a country without opening its credentials on every start', async () => {
    const { tenant, admin } = await h.tenant('providers-delegated');
    const credentials = { accountSid: `AC${'a'.repeat(32)}`, authToken: 'verify-token-0123456789', serviceSid: `VA${'b'.repeat(32)}` };
    await h.identity.smsProviders.configure(admin, [{ type: 'TWILIO_VERIFY', baseUrl: 'https://verify.example.com', credentials }]);
    const delegatedFor = () => h.identity.smsProviders.delegatedFor(tenant.id, 'JP');
    await waitFor(async () => (await delegatedFor()) === (await delegatedFor()));
    const open = jest.spyOn(SecretBox.prototype, 'open');
    try {
      const first = await delegatedFor();
      for (let i = 0; i < 5; i++) expect(await delegatedFor()).toBe(first);
      expect(first?.settings).toMatchObject({ type: 'TWILIO_VERIFY', credentials });
      expect(open).not.toHaveBeenCalled();
      expect(await h.identity.smsProviders.delegatedFor(tenant.id, null)).toBeNull();
    } finally {
      open.mockRestore();
    }
  });
});
