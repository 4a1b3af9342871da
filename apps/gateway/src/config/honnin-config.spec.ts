import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigError, loadConfig } from './honnin-config';

describe('loadConfig', () => {
  const cwd = mkdtempSync(join(tmpdir(), 'honnin-config-'));
  const secret = 'x'.repeat(32);

  it('has working defaults for a newcomer: embedded database, port 3000, a generated secret kept on disk', () => {
    const first = loadConfig({}, cwd);
    expect(first).toMatchObject({ port: 3000, databaseUrl: null, nodeEnv: 'development', smsDispatcher: true, rateLimits: true });
    expect(first.secret).toMatch(/^[0-9a-f]{64}$/);
    expect(loadConfig({}, cwd).secret).toBe(first.secret);
  });

  it.each<[Record<string, string>, RegExp]>([
    [{ PORT: 'abc' }, /^PORT must be an integer/],
    [{ PORT: '70000' }, /^PORT must be an integer/],
    [{ DATABASE_URL: 'mysql://x' }, /^DATABASE_URL must be a postgres/],
    [{ NODE_ENV: 'staging' }, /^NODE_ENV must be one of/],
    [{ NODE_ENV: 'production', HONNIN_SECRET: '' }, /^HONNIN_SECRET is required/],
    [{ HONNIN_SECRET: 'short' }, /^HONNIN_SECRET must be at least 32/],
    [{ OPERATOR_TOKEN: 'short' }, /^OPERATOR_TOKEN must be at least 24/],
    [{ LOG_LEVEL: 'loud' }, /^LOG_LEVEL must be one of/],
    [{ SMS_DISPATCHER: 'maybe' }, /^SMS_DISPATCHER must be one of/],
    [{ PUBLIC_URL: 'ftp://x' }, /^PUBLIC_URL must be an http/],
    [{ REDIS_URL: 'http://127.0.0.1:6379' }, /^REDIS_URL must be a redis:\/\//],
    [{ RATE_LIMITS: 'no' }, /^RATE_LIMITS must be one of/],
    [{ RATE_LIMITS: 'off', NODE_ENV: 'production' }, /^RATE_LIMITS=off is refused when NODE_ENV=production/],
  ])('%j stops the start with one line naming the variable', (env, message) => {
    const attempt = () => loadConfig({ HONNIN_SECRET: secret, ...env }, cwd);
    expect(attempt).toThrow(ConfigError);
    expect(attempt).toThrow(message);
    expect(() => attempt()).not.toThrow(/\n/);
  });
});
