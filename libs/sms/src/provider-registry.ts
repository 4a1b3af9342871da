import { DeliveryReceiptParser, SmsProviderDefinition, SmsProviderType } from './port/sms-provider.port';
import { awsSnsSmsProviderDefinition } from './providers/aws-sns/aws-sns.sms-provider';
import { consoleSmsProviderDefinition } from './providers/console/console.sms-provider';
import { karadenDeliveryReceiptParser } from './providers/karaden/karaden.delivery-receipt-parser';
import { karadenSmsProviderDefinition } from './providers/karaden/karaden.sms-provider';
import { mediaSmsProviderDefinition } from './providers/media-sms/media-sms.sms-provider';
import { twilioVerifySmsProviderDefinition } from './providers/twilio-verify/twilio-verify.sms-provider';
import { twilioDeliveryReceiptParser } from './providers/twilio/twilio.delivery-receipt-parser';
import { twilioSmsProviderDefinition } from './providers/twilio/twilio.sms-provider';
import { vonageDeliveryReceiptParser } from './providers/vonage/vonage.delivery-receipt-parser';
import { vonageSmsProviderDefinition } from './providers/vonage/vonage.sms-provider';
import { webhookDeliveryReceiptParser } from './providers/webhook/webhook.delivery-receipt-parser';
import { webhookSmsProviderDefinition } from './providers/webhook/webhook.sms-provider';

/** Every provider type, with its credential fields, validation and factory. */
export const SMS_PROVIDER_DEFINITIONS = {
  CONSOLE: consoleSmsProviderDefinition,
  WEBHOOK: webhookSmsProviderDefinition,
  TWILIO: twilioSmsProviderDefinition,
  TWILIO_VERIFY: twilioVerifySmsProviderDefinition,
  VONAGE: vonageSmsProviderDefinition,
  AWS_SNS: awsSnsSmsProviderDefinition,
  KARADEN: karadenSmsProviderDefinition,
  MEDIA_SMS: mediaSmsProviderDefinition,
} as const satisfies Record<SmsProviderType, SmsProviderDefinition>;

/** Providers that post delivery receipts (AWS SNS and Media SMS have none). */
export const DELIVERY_RECEIPT_PARSERS: Partial<Record<SmsProviderType, DeliveryReceiptParser>> = {
  WEBHOOK: webhookDeliveryReceiptParser,
  TWILIO: twilioDeliveryReceiptParser,
  VONAGE: vonageDeliveryReceiptParser,
  KARADEN: karadenDeliveryReceiptParser,
};
