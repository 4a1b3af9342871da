import type {
  OutgoingSms,
  SmsProvider,
  SmsProviderDefinition,
  SmsProviderDeps,
  SmsSendOutcome,
} from '../../port/sms-provider.port';
import { validateProviderSettings } from '../shared/provider-http.util';

export const CONSOLE_SMS_LOG_EVENT = 'sms.console.message';

/**
 * Development only: "sends" by logging the recipient and the body (the one place a body is logged,
 * which is why the gateway refuses this provider in production).
 */
export class ConsoleSmsProvider implements SmsProvider {
  readonly type = 'CONSOLE' as const;

  constructor(private readonly deps: SmsProviderDeps) {}

  async send(message: OutgoingSms): Promise<SmsSendOutcome> {
    this.deps.log(CONSOLE_SMS_LOG_EVENT, {
      id: message.id,
      tenant: message.tenant,
      to: message.to,
      locale: message.locale,
      body: message.body,
    });
    return { kind: 'sent', providerMessageId: `console-${message.id}` };
  }
}

export const consoleSmsProviderDefinition: SmsProviderDefinition = {
  type: 'CONSOLE',
  credentialFields: [],
  validate: (settings) => validateProviderSettings(settings, { credentialFields: [], sender: 'unused' }),
  create: (_settings, deps) => new ConsoleSmsProvider(deps),
};
