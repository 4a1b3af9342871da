import { MigrationInterface, QueryRunner } from 'typeorm';

export class CreateSmsChallengesAndOutbox1764000200000 implements MigrationInterface {
  name = 'CreateSmsChallengesAndOutbox1764000200000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE sms_provider_configs (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        tenant_id uuid NOT NULL REFERENCES tenants(id),
        position integer NOT NULL,
        type text NOT NULL,
        base_url text,
        sender text,
        countries text[] NOT NULL DEFAULT '{}',
        credentials_ciphertext bytea NOT NULL,
        created_at timestamptz NOT NULL,
        UNIQUE (tenant_id, position)
      )`);
    await q.query(`
      CREATE TABLE sms_challenges (
        id uuid PRIMARY KEY,
        tenant_id uuid NOT NULL,
        user_id uuid NOT NULL,
        session_id uuid NOT NULL,
        purpose text NOT NULL CHECK (purpose IN ('STEP_UP', 'ENROLL_PHONE')),
        phone_e164 text NOT NULL,
        code_key_id text,
        code_hash bytea,
        code_length integer NOT NULL,
        delegated_provider_id uuid,
        provider_verification_id text,
        status text NOT NULL CHECK (status IN ('PENDING', 'VERIFIED', 'EXPIRED', 'EXHAUSTED', 'UNDELIVERABLE', 'CANCELLED')),
        attempts integer NOT NULL DEFAULT 0,
        max_attempts integer NOT NULL,
        sends integer NOT NULL,
        max_sends integer NOT NULL,
        locale text NOT NULL,
        delivery_status text NOT NULL CHECK (delivery_status IN ('PENDING', 'SENT', 'DELIVERED', 'FAILED')),
        expires_at timestamptz NOT NULL,
        last_sent_at timestamptz NOT NULL,
        created_at timestamptz NOT NULL,
        verified_at timestamptz,
        FOREIGN KEY (tenant_id, user_id) REFERENCES users (tenant_id, id)
      )`);
    await q.query(`CREATE INDEX sms_challenges_tenant_user ON sms_challenges (tenant_id, user_id, created_at DESC)`);
    await q.query(`
      CREATE TABLE sms_outbox (
        id uuid PRIMARY KEY,
        tenant_id uuid NOT NULL REFERENCES tenants(id),
        challenge_id uuid REFERENCES sms_challenges(id),
        kind text NOT NULL CHECK (kind IN ('ONE_TIME_CODE', 'DELEGATED_VERIFICATION', 'PHONE_CHANGE_NOTICE')),
        to_e164 text NOT NULL,
        body_ciphertext bytea,
        locale text NOT NULL,
        status text NOT NULL CHECK (status IN ('PENDING', 'SENT', 'FAILED', 'CANCELLED')),
        attempts integer NOT NULL DEFAULT 0,
        next_attempt_at timestamptz NOT NULL,
        claimed_until timestamptz,
        expires_at timestamptz NOT NULL,
        provider_config_id uuid,
        provider_type text,
        provider_message_id text,
        last_outcome text,
        delivery_status text NOT NULL DEFAULT 'PENDING' CHECK (delivery_status IN ('PENDING', 'SENT', 'DELIVERED', 'FAILED')),
        created_at timestamptz NOT NULL,
        sent_at timestamptz
      )`);
    await q.query(`CREATE INDEX audit_events_tenant_user_type ON audit_events (tenant_id, user_id, type, created_at)`);
    await q.query(`CREATE INDEX sms_outbox_due ON sms_outbox (next_attempt_at) WHERE status = 'PENDING'`);
    await q.query(`CREATE INDEX sms_outbox_challenge ON sms_outbox (challenge_id)`);
    await q.query(`CREATE INDEX sms_outbox_provider_message ON sms_outbox (provider_message_id) WHERE provider_message_id IS NOT NULL`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP INDEX audit_events_tenant_user_type`);
    await q.query(`DROP TABLE sms_outbox`);
    await q.query(`DROP TABLE sms_challenges`);
    await q.query(`DROP TABLE sms_provider_configs`);
  }
}
