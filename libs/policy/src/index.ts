// Public API of @honnin/policy.
