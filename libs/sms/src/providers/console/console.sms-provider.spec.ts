import { providerPost } from '../shared/provider-post';
import type { OutgoingSms } from '../../port/sms-provider.port';
import { CONSOLE_SMS_LOG_EVENT, consoleSmsProviderDefinition } from './console.sms-provider';

const MESSAGE: OutgoingSms = {
  id: 'msg-42',
  tenant: 'acme',
  to: '+819012345678',
  body: 'Your code is 123456',
  locale: 'ja-JP',
  createdAt: new Date('2026-03-01T09:00:00Z'),
};

describe('CONSOLE provider', () => {
  it('logs the recipient and the body and reports it sent', async () => {
    const log = jest.fn();
    const provider = consoleSmsProviderDefinition.create({ type: 'CONSOLE', countries: [], credentials: {} }, { post: providerPost, log });

    expect(await provider.send(MESSAGE)).toEqual({ kind: 'sent', providerMessageId: 'console-msg-42' });
    expect(log).toHaveBeenCalledWith(CONSOLE_SMS_LOG_EVENT, {
      id: 'msg-42',
      tenant: 'acme',
      to: '+819012345678',
      locale: 'ja-JP',
      body: 'Your code is 123456',
    });
  });

  it('needs no credentials and refuses any', () => {
    expect(consoleSmsProviderDefinition.credentialFields).toEqual([]);
    expect(consoleSmsProviderDefinition.validate({ type: 'CONSOLE', countries: [], credentials: {} })).toEqual([]);
    expect(consoleSmsProviderDefinition.validate({ type: 'CONSOLE', countries: [], credentials: { token: 'x' } })).toEqual([
      { field: 'credentials.token', message: 'is not a CONSOLE credential' },
    ]);
  });
});
