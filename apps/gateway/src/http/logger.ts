import { LoggerService } from '@nestjs/common';
import pino, { Logger } from 'pino';
import { LogLevel } from '../config/honnin-config';

/** Paths never written to a log line, whatever logs them. */
const REDACT = [
  'req.headers.authorization',
  'req.headers["x-operator-token"]',
  'req.headers.cookie',
  '*.password',
  '*.currentPassword',
  '*.newPassword',
  '*.sessionToken',
  '*.token',
  '*.code',
  '*.credentials',
  '*.secret',
  '*.adminApiKey',
  '*.key',
];

export function createLogger(level: LogLevel): Logger {
  return pino({
    level,
    redact: { paths: REDACT, censor: '[redacted]' },
    base: { service: 'honnin' },
    serializers: { err: serializeError },
  });
}

/** Errors keep their type, message and stack; a failed query's bound parameters (hashes, ciphertexts) are dropped. */
function serializeError(error: unknown): unknown {
  const serialized = pino.stdSerializers.err(error as Error) as unknown as Record<string, unknown>;
  const { parameters: _parameters, driverError: _driverError, ...kept } = serialized;
  return kept;
}

/** Nest's own messages through pino. */
export class PinoNestLogger implements LoggerService {
  constructor(private readonly logger: Logger) {}
  log(message: unknown, context?: string) {
    this.logger.info({ context }, String(message));
  }
  error(message: unknown, trace?: string, context?: string) {
    this.logger.error({ context, trace }, String(message));
  }
  warn(message: unknown, context?: string) {
    this.logger.warn({ context }, String(message));
  }
  debug(message: unknown, context?: string) {
    this.logger.debug({ context }, String(message));
  }
  verbose(message: unknown, context?: string) {
    this.logger.trace({ context }, String(message));
  }
}

/** The SMS dispatcher's events as log lines (never a message body: adapters do not pass one). */
export function dispatcherLog(logger: Logger) {
  const child = logger.child({ component: 'sms-dispatcher' });
  return (level: 'info' | 'warn' | 'error', event: string, fields: Record<string, unknown>) => child[level]({ ...fields, event }, event);
}
