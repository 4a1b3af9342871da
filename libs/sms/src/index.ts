// Public API of @honnin/sms: the SmsProvider port, the adapters, routing and receipt parsing.
export * from './port/sms-provider.port';
export * from './routing/circuit-breaker';
export * from './routing/sms-router';
export * from './providers/karaden/japanese-domestic-number';
export * from './providers/karaden/karaden.sms-provider';
export * from './providers/karaden/karaden.receipt-parser';
