import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Shared counters for send, verify and login limits (rate-limiter-flexible's RateLimiterPostgres
 * schema: key, points, expire in epoch milliseconds), so every replica counts against the same rows.
 */
export class CreateRateLimits1764000300000 implements MigrationInterface {
  name = 'CreateRateLimits1764000300000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE rate_limits (
        key varchar(255) PRIMARY KEY,
        points integer NOT NULL DEFAULT 0,
        expire bigint
      )`);
    await q.query(`CREATE INDEX rate_limits_expire_idx ON rate_limits (expire)`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE rate_limits`);
  }
}
