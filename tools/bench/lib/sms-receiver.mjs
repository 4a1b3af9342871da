// A stand-in SMS provider for the gateway's WEBHOOK adapter: a local HTTP server (in a worker
// thread, see sms-receiver.worker.mjs) that answers 200 at once and keeps, per recipient number,
// the messages in arrival order with their arrival time on the monotonic clock (nowMs()).
import { Worker } from 'node:worker_threads';

/** Milliseconds on the clock the receiver stamps arrivals with (CLOCK_MONOTONIC, any thread). */
export const nowMs = () => Number(process.hrtime.bigint()) / 1e6;

/**
 * @returns {Promise<{ url: string, take: (to: string, timeoutMs?: number) => Promise<{ body: string, arrivedAtMs: number }>, stop: () => Promise<void> }>}
 *   take: the oldest message to `to` not taken yet, waiting for it up to timeoutMs.
 */
export async function startSmsReceiver() {
  const worker = new Worker(new URL('./sms-receiver.worker.mjs', import.meta.url));
  const queues = new Map();
  const waiters = new Map();
  const port = await new Promise((resolve, reject) => {
    worker.once('error', reject);
    worker.on('message', (message) => {
      if (message.listening) {
        resolve(message.listening);
        return;
      }
      const waiting = waiters.get(message.to);
      if (waiting) {
        if (waiting.length === 1) waiters.delete(message.to);
        waiting.shift()(message);
        return;
      }
      if (!queues.has(message.to)) queues.set(message.to, []);
      queues.get(message.to).push(message);
    });
  });
  worker.unref();

  function take(to, timeoutMs = 15_000) {
    const queued = queues.get(to)?.shift();
    if (queued) return Promise.resolve(queued);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        const list = waiters.get(to);
        list.splice(list.indexOf(deliver), 1);
        if (list.length === 0) waiters.delete(to);
        reject(new Error(`no SMS to ${to} reached the receiver within ${timeoutMs} ms`));
      }, timeoutMs);
      const deliver = (message) => {
        clearTimeout(timer);
        resolve(message);
      };
      if (!waiters.has(to)) waiters.set(to, []);
      waiters.get(to).push(deliver);
    });
  }

  return {
    url: `http://127.0.0.1:${port}/sms`,
    take,
    stop: async () => {
      await worker.terminate();
    },
  };
}
