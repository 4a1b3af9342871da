// The HTTP side of the SMS receiver, in its own thread so the arrival time it stamps is not delayed
// by the load generator's event loop. Answers every POST at once with 200 and a message id, then
// tells the parent thread who the message was for, what it said, and when its headers arrived.
import { createServer } from 'node:http';
import { parentPort } from 'node:worker_threads';

let received = 0;
const server = createServer((request, response) => {
  // process.hrtime is CLOCK_MONOTONIC: the same clock in every thread, so the parent can subtract.
  const arrivedAtMs = Number(process.hrtime.bigint()) / 1e6;
  const chunks = [];
  request.on('data', (chunk) => chunks.push(chunk));
  request.on('end', () => {
    received++;
    response.writeHead(200, { 'content-type': 'application/json' });
    response.end(JSON.stringify({ id: `bench-${received}` }));
    try {
      const { to, body } = JSON.parse(Buffer.concat(chunks).toString('utf8'));
      parentPort.postMessage({ to, body, arrivedAtMs });
    } catch {
      parentPort.postMessage({ to: null, body: null, arrivedAtMs });
    }
  });
});
server.keepAliveTimeout = 60_000;
server.listen(0, '127.0.0.1', () => parentPort.postMessage({ listening: server.address().port }));
