// Public API of @honnin/testing: test databases, fake provider servers, a GraphQL client. Tests only.
