// Public API of @honnin/sms: the SmsProvider port, the adapters, routing and receipt parsing.
export * from './port/sms-provider.port';
export * from './routing/circuit-breaker';
export * from './routing/sms-router';
export * from './provider-registry';
export * from './providers/shared/japanese-domestic-number';
export * from './providers/karaden/karaden.sms-provider';
export * from './providers/karaden/karaden.delivery-receipt-parser';
export * from './providers/media-sms/media-sms.sms-provider';
export * from './providers/console/console.sms-provider';
export * from './providers/webhook/webhook.sms-provider';
export * from './providers/webhook/webhook.delivery-receipt-parser';
export * from './providers/twilio/twilio.sms-provider';
export * from './providers/twilio/twilio.delivery-receipt-parser';
export * from './providers/twilio-verify/twilio-verify.sms-provider';
export * from './providers/vonage/vonage.sms-provider';
export * from './providers/vonage/vonage.delivery-receipt-parser';
export * from './providers/aws-sns/aws-sns.sms-provider';
