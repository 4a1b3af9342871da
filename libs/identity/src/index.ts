// Public API of @honnin/identity.
