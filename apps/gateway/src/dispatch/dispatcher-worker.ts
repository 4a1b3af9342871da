// The SMS dispatcher in a worker thread of the gateway (see DispatcherThread): its own event loop, its
// own connections, the gateway's configuration. Messages the gateway writes are handed over here.
import 'reflect-metadata';
import { parentPort, workerData } from 'node:worker_threads';
import { Identity } from '@honnin/identity';
import { Database } from '@honnin/persistence';
import type { HonninConfig } from '../config/honnin-config';
import { createLogger, dispatcherLog } from '../http/logger';
import type { FromDispatcher, MetricCall, ToDispatcher } from './thread-messages';

/** How often metric calls and the backlog go to the gateway. */
const REPORT_MS = 50;

async function run(port: NonNullable<typeof parentPort>, config: HonninConfig & { databaseUrl: string }): Promise<void> {
  const post = (message: FromDispatcher) => port.postMessage(message);
  const logger = createLogger(config.logLevel).child({ thread: 'sms-dispatcher' });
  const calls: MetricCall[] = [];
  const forward = <K extends MetricCall['name']>(name: K) => (...args: unknown[]) => void calls.push({ name, args } as MetricCall);
  const metrics = {
    smsSendAttempt: forward('smsSendAttempt'), smsFailover: forward('smsFailover'), smsHandedOff: forward('smsHandedOff'), smsSettled: forward('smsSettled'),
    deliveryReceipt: forward('deliveryReceipt'), deliveryReceiptRejected: forward('deliveryReceiptRejected'), rateLimited: forward('rateLimited'), smsPrefixHold: forward('smsPrefixHold'),
  };
  const db = await Database.open({ url: config.databaseUrl, poolSize: 4, onListenError: (err) => logger.warn({ err }, 'LISTEN connection lost; reconnecting') });
  const identity = await Identity.start({ db, operatorToken: null, secret: config.secret, production: config.nodeEnv === 'production', publicUrl: config.publicUrl, metrics });
  const dispatcher = identity.createDispatcher({ log: dispatcherLog(logger) });
  await dispatcher.start();
  let reported = -1;
  const report = () => {
    const backlog = dispatcher.backlog();
    if (calls.length === 0 && backlog === reported) return;
    reported = backlog;
    post({ kind: 'report', metrics: calls.splice(0), backlog });
  };
  const reporter = setInterval(report, REPORT_MS);
  port.on('message', (message: ToDispatcher) => {
    if (message.kind === 'take-over') {
      dispatcher.takeOver(message.messages);
      return;
    }
    clearInterval(reporter);
    void (async () => {
      await dispatcher.stop();
      await identity.stop();
      await db.close();
      report();
      post({ kind: 'stopped' });
      port.close();
    })();
  });
  post({ kind: 'ready' });
}

if (parentPort) {
  run(parentPort, workerData as HonninConfig & { databaseUrl: string }).catch((error: Error) => {
    console.error('honnin dispatcher thread: failed to start:', error.message);
    process.exit(1);
  });
}
