import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';

export type NodeEnv = 'development' | 'production' | 'test';
const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

/** DESIGN.md §7, validated once at start. */
export interface HonninConfig {
  nodeEnv: NodeEnv;
  port: number;
  /** Absent: the embedded Postgres in `dataDir`. */
  databaseUrl: string | null;
  dataDir: string;
  databasePoolSize: number;
  /** Key material for code HMACs and credential encryption. */
  secret: string;
  operatorToken: string | null;
  logLevel: LogLevel;
  /** How many reverse-proxy hops to trust for the client address (0: the socket peer). */
  trustProxyHops: number;
  smsDispatcher: boolean;
  /** The base URL providers use to reach this service (for delivery receipts); null: not reachable, no receipts requested. */
  publicUrl: string | null;
  /** Where rate-limit counters are shared between replicas; null: the database. */
  redisUrl: string | null;
  /** The per-key rate limits and the SMS-pumping defence; false only outside production, to measure their cost. */
  rateLimits: boolean;
}

/** Nest injection token for the HonninConfig. */
export const HONNIN_CONFIG = Symbol('HonninConfig');

/** A bad or missing setting: the message is one line naming the variable. */
export class ConfigError extends Error {}

export function loadConfig(env: NodeJS.ProcessEnv, cwd = process.cwd()): HonninConfig {
  const nodeEnv = oneOf('NODE_ENV', env['NODE_ENV'] || 'development', ['development', 'production', 'test'] as const);
  const databaseUrl = env['DATABASE_URL'] || null;
  if (databaseUrl && !/^postgres(ql)?:\/\/[^\s]+$/.test(databaseUrl)) {
    throw new ConfigError('DATABASE_URL must be a postgres:// URL');
  }
  const dataDir = resolve(cwd, env['HONNIN_DATA_DIR'] || '.honnin-data');
  const publicUrl = env['PUBLIC_URL'] ? env['PUBLIC_URL'].replace(/\/+$/, '') : null;
  if (publicUrl !== null && !/^https?:\/\/[^\s/?#]+(\/[^\s?#]*)?$/.test(publicUrl)) {
    throw new ConfigError('PUBLIC_URL must be an http(s) URL without query or fragment');
  }
  const redisUrl = env['REDIS_URL'] || null;
  if (redisUrl !== null && !/^rediss?:\/\/[^\s]+$/.test(redisUrl)) {
    throw new ConfigError('REDIS_URL must be a redis:// (or rediss://) URL');
  }
  const operatorToken = env['OPERATOR_TOKEN'] || null;
  if (operatorToken !== null && operatorToken.length < 24) {
    throw new ConfigError('OPERATOR_TOKEN must be at least 24 characters');
  }
  const rateLimits = oneOf('RATE_LIMITS', env['RATE_LIMITS'] || 'on', ['on', 'off'] as const) === 'on';
  if (!rateLimits && nodeEnv === 'production') {
    throw new ConfigError('RATE_LIMITS=off is refused when NODE_ENV=production');
  }
  return {
    nodeEnv,
    port: integer('PORT', env['PORT'], 3000, 1, 65535),
    databaseUrl,
    dataDir,
    databasePoolSize: integer('DATABASE_POOL_SIZE', env['DATABASE_POOL_SIZE'], 10, 1, 100),
    secret: secretFrom(env['HONNIN_SECRET'], nodeEnv, dataDir),
    operatorToken,
    logLevel: oneOf('LOG_LEVEL', env['LOG_LEVEL'] || 'info', LOG_LEVELS),
    trustProxyHops: integer('TRUST_PROXY', env['TRUST_PROXY'], 0, 0, 10),
    smsDispatcher: oneOf('SMS_DISPATCHER', env['SMS_DISPATCHER'] || 'on', ['on', 'off'] as const) === 'on',
    publicUrl,
    redisUrl,
    rateLimits,
  };
}

/**
 * Production must be given the secret (every replica needs the same one). Elsewhere one is generated
 * once and kept in the data directory, so codes and credentials stay readable across restarts.
 */
function secretFrom(value: string | undefined, nodeEnv: NodeEnv, dataDir: string): string {
  if (value) {
    if (value.length < 32) throw new ConfigError('HONNIN_SECRET must be at least 32 characters');
    return value;
  }
  if (nodeEnv === 'production') throw new ConfigError('HONNIN_SECRET is required when NODE_ENV=production');
  const file = join(dataDir, 'secret');
  if (!existsSync(file)) {
    mkdirSync(dataDir, { recursive: true });
    writeFileSync(file, randomBytes(32).toString('hex'), { mode: 0o600, flag: 'wx' });
  }
  return readFileSync(file, 'utf8').trim();
}

function integer(name: string, raw: string | undefined, fallback: number, min: number, max: number): number {
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!/^\d+$/.test(raw) || value < min || value > max) throw new ConfigError(`${name} must be an integer from ${min} to ${max}, got "${raw.slice(0, 40)}"`);
  return value;
}

function oneOf<T extends string>(name: string, raw: string, allowed: readonly T[]): T {
  if (!(allowed as readonly string[]).includes(raw)) throw new ConfigError(`${name} must be one of ${allowed.join(', ')}, got "${raw.slice(0, 40)}"`);
  return raw as T;
}
