// Public API of @honnin/testing: test databases, fake provider servers, a GraphQL client. Tests only.
export * from './test-database';
export * from './fakes/fake-http-server';
export * from './fakes/karaden.fake';
