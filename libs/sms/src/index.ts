// Public API of @honnin/sms: the SmsProvider port, the adapters, routing and receipt parsing.
export * from './port/sms-provider.port';
