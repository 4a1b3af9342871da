import 'reflect-metadata';
import type { IncomingMessage } from 'node:http';
import { NestFactory } from '@nestjs/core';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { Identity } from '@honnin/identity';
import { Database, EmbeddedPostgres, startEmbeddedPostgres } from '@honnin/persistence';
import { json, urlencoded } from 'express';
import pinoHttp from 'pino-http';
import type { Logger } from 'pino';
import { AppModule } from './app.module';
import { HonninConfig } from './config/honnin-config';
import { bodyParserErrors } from './http/body-parser-errors';
import { GRAPHQL_LIMITS, graphqlRequestTimeout } from './http/graphql-hardening';
import { assignRequestId, RequestWithId } from './http/request-id';
import { inSequence } from './http/in-sequence';
import { dispatcherLog, PinoNestLogger } from './http/logger';
import { HonninMetrics } from './http/metrics';
import { securityHeaders } from './http/security-headers';

export interface RunningServer {
  url: string;
  /** Stops taking requests, lets in-flight ones finish, then closes the pool. */
  close(): Promise<void>;
}

/** Opens the database (embedded when no DATABASE_URL), migrates under a lock, and serves. */
export async function startServer(config: HonninConfig, logger: Logger): Promise<RunningServer> {
  let embedded: EmbeddedPostgres | null = null;
  if (!config.databaseUrl) {
    embedded = await startEmbeddedPostgres(config.dataDir);
    logger.info({ dataDir: config.dataDir }, 'using the embedded Postgres (PGlite)');
  }
  const db = await Database.open({
    url: config.databaseUrl ?? (embedded as EmbeddedPostgres).url,
    poolSize: embedded ? 1 : config.databasePoolSize,
    onListenError: (err) => logger.warn({ err }, 'LISTEN connection lost; reconnecting'),
  });
  const ran = await db.migrate();
  if (ran.length > 0) logger.info({ migrations: ran }, 'migrations applied');
  const metrics = new HonninMetrics();
  const identity = await Identity.start({
    db, operatorToken: config.operatorToken, secret: config.secret, production: config.nodeEnv === 'production', publicUrl: config.publicUrl, metrics,
    onBackgroundError: (err) => logger.error({ err }, 'background write failed'),
    rateLimitStore: config.redisUrl ? { kind: 'redis', url: config.redisUrl } : { kind: 'postgres' },
    rateLimits: config.rateLimits,
  });
  if (!config.rateLimits) logger.warn('RATE_LIMITS=off: no send, verify or login limits and no SMS-pumping defence');
  const dispatcher = config.smsDispatcher ? identity.createDispatcher({ log: dispatcherLog(logger) }) : null;
  await dispatcher?.start();
  // The messages this process writes go straight to its own dispatcher, with no NOTIFY and no claim.
  identity.handOffSmsTo(dispatcher);

  const app = await NestFactory.create<NestExpressApplication>(AppModule.register({ config, logger, db, identity, metrics }), {
    logger: new PinoNestLogger(logger),
    bodyParser: false,
  });
  app.set('trust proxy', config.trustProxyHops);
  app.disable('x-powered-by');
  // Answers are never cached (Cache-Control: no-store), so hashing each body for an ETag is wasted work.
  app.set('etag', false);
  app.use(inSequence(securityHeaders({ production: config.nodeEnv === 'production' }), assignRequestId));
  app.use('/graphql', inSequence(json({ limit: '100kb' }), graphqlRequestTimeout({ timeoutMs: GRAPHQL_LIMITS.requestTimeoutMs, logger })));
  // Receipts are signed over the exact bytes, so the raw body is kept beside the parsed one.
  const keepRawBody = (req: IncomingMessage & { rawBody?: Buffer }, _res: unknown, buffer: Buffer) => {
    req.rawBody = buffer;
  };
  app.use('/sms/receipts', inSequence(json({ limit: '100kb', verify: keepRawBody }), urlencoded({ limit: '100kb', extended: false, verify: keepRawBody })));
  app.use(bodyParserErrors);
  // Request lines are info; below that level the middleware would only cost time.
  if (logger.isLevelEnabled('info')) {
    app.use(pinoHttp({ logger, genReqId: (req) => (req as RequestWithId).id, autoLogging: { ignore: (req) => req.url === '/healthz' || req.url === '/readyz' } }));
  }
  await app.listen(config.port, '0.0.0.0');
  logger.info({ port: config.port, graphql: `http://localhost:${config.port}/graphql` }, 'honnin gateway listening');

  return {
    url: `http://127.0.0.1:${config.port}`,
    async close() {
      await app.close();
      identity.handOffSmsTo(null);
      await dispatcher?.stop();
      await identity.stop();
      await db.close();
      await embedded?.stop();
    },
  };
}
