// The bench's Better Auth server: what a user would otherwise pick for SMS codes, set up as its docs
// say (betterAuth with the phoneNumber plugin, a pg Pool, the Node handler) and run as a child process
// beside the gateway. Its sendOTP posts every SMS to the provider URL as a real provider integration
// would, and the request waits for it (Better Auth awaits sendOTP unless a background-task handler is
// configured). Its rate limiter stays on, in memory as in production, with limits that never bind,
// as the gateway's SMS limits are set to their maximum in the bench.
//   PORT=4000 DATABASE_URL=postgres://… DATABASE_POOL_SIZE=10 BETTER_AUTH_SECRET=<≥ 32 chars> \
//   SMS_WEBHOOK_URL=http://127.0.0.1:5000/sms NODE_ENV=production node tools/bench/better-auth/server.mjs
// It applies Better Auth's migrations to DATABASE_URL before it listens, and answers GET /readyz.
import { createServer } from 'node:http';
import { betterAuth } from 'better-auth';
import { getMigrations } from 'better-auth/db/migration';
import { toNodeHandler } from 'better-auth/node';
import { phoneNumber } from 'better-auth/plugins';
import pg from 'pg';

/** Better Auth's default limiter window, with a maximum no bench run reaches. */
const NON_BINDING_LIMIT = { window: 60, max: 1_000_000_000 };

function required(name) {
  const value = process.env[name];
  if (!value) throw new Error(`${name} is required`);
  return value;
}

async function sendSmsToProvider(providerUrl, { phoneNumber: to, code }) {
  const response = await fetch(providerUrl, {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'application/json' },
    body: JSON.stringify({ to, body: `Your verification code is ${code}` }),
  });
  await response.arrayBuffer();
  if (!response.ok) throw new Error(`SMS provider answered HTTP ${response.status}`);
}

async function main() {
  const port = Number(process.env.PORT ?? 4000);
  const providerUrl = required('SMS_WEBHOOK_URL');
  const pool = new pg.Pool({ connectionString: required('DATABASE_URL'), max: Number(process.env.DATABASE_POOL_SIZE ?? 10) });
  const options = {
    database: pool,
    baseURL: `http://127.0.0.1:${port}`,
    secret: required('BETTER_AUTH_SECRET'),
    telemetry: { enabled: false },
    rateLimit: { enabled: true, storage: 'memory', ...NON_BINDING_LIMIT, customRules: { '/phone-number/*': NON_BINDING_LIMIT } },
    plugins: [phoneNumber({ sendOTP: (message) => sendSmsToProvider(providerUrl, message) })],
  };
  const { runMigrations } = await getMigrations(options);
  await runMigrations();

  const handleAuth = toNodeHandler(betterAuth(options));
  const server = createServer((request, response) => {
    if (request.method === 'GET' && request.url === '/readyz') {
      response.writeHead(200, { 'content-type': 'application/json' });
      response.end('{"status":"ok"}');
      return;
    }
    void handleAuth(request, response);
  });
  await new Promise((resolve) => server.listen(port, '127.0.0.1', resolve));

  const stop = () => {
    server.close();
    server.closeAllConnections();
    void pool.end().finally(() => process.exit(0));
  };
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
}

main().catch((error) => {
  console.error('better-auth: failed to start:', error instanceof Error ? error.message : error);
  process.exit(1);
});
