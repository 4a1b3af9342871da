// Public API of @honnin/persistence.
