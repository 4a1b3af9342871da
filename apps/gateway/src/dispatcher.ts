// The SMS outbox dispatcher on its own, for deployments that run API replicas with SMS_DISPATCHER=off.
import 'reflect-metadata';
import { Identity } from '@honnin/identity';
import { Database } from '@honnin/persistence';
import { ConfigError, loadConfig } from './config/honnin-config';
import { createLogger, dispatcherLog } from './http/logger';

async function main(): Promise<void> {
  let config;
  try {
    config = loadConfig(process.env);
    if (!config.databaseUrl) throw new ConfigError('DATABASE_URL is required to run the dispatcher on its own (the embedded database belongs to one gateway process)');
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    console.error(`honnin dispatcher: configuration error: ${error.message}`);
    process.exit(1);
  }
  const logger = createLogger(config.logLevel);
  const db = await Database.open({ url: config.databaseUrl as string, poolSize: 4, onListenError: (err) => logger.warn({ err }, 'LISTEN connection lost; reconnecting') });
  await db.migrate();
  const identity = await Identity.start({ db, operatorToken: null, secret: config.secret, production: config.nodeEnv === 'production' });
  const dispatcher = identity.createDispatcher({ log: dispatcherLog(logger) });
  await dispatcher.start();
  logger.info('honnin SMS dispatcher running');
  const stop = async () => {
    await dispatcher.stop();
    await identity.stop();
    await db.close();
    process.exit(0);
  };
  process.once('SIGTERM', () => void stop());
  process.once('SIGINT', () => void stop());
}

main().catch((error) => {
  console.error('honnin dispatcher: failed to start:', error instanceof Error ? error.message : error);
  process.exit(1);
});
