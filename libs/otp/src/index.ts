// Public API of @honnin/otp.
