// Public API of @honnin/otp.
export * from './one-time-code';
export * from './code-keyring';
export * from './challenge-state';
export * from './sms-segments';
export * from './sms-message';
export * from './phone/phone-number';
