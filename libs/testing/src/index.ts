// Public API of @honnin/testing: test databases, fake provider servers, a GraphQL client. Tests only.
export * from './test-database';
export * from './fakes/fake-http-server';
export * from './fakes/karaden.fake';
export * from './fakes/media-sms.fake';
export * from './fakes/webhook-receiver.fake';
export * from './fakes/twilio.fake';
export * from './fakes/vonage.fake';
export * from './fakes/aws-sns.fake';
export * from './gateway-process';
export * from './graphql-client';
export * from './database-inspection';
export * from './wait-for';
