// The bench's floor server: NestJS + Apollo answering `mutation { floorInsert(note: …) }` with one
// INSERT and `{ floor }` with SELECT 1, so the gateway's numbers can be read against what the stack
// itself costs on this machine. It creates its table (floor_events) at start if it is missing. The
// bench compiles it to dist/tools/bench/floor/ and runs `node main.js`; by hand:
//   PORT=4000 DATABASE_URL=postgres://… DATABASE_POOL_SIZE=10 \
//   SWC_NODE_PROJECT=tsconfig.base.json node -r @swc-node/register tools/bench/floor/main.ts
import 'reflect-metadata';
import { NestFactory } from '@nestjs/core';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { Pool } from 'pg';
import { FloorModule } from './floor.module';
import { FLOOR_EVENTS_DDL } from './floor.resolver';

async function main(): Promise<void> {
  const port = Number(process.env['PORT'] ?? 4000);
  const connectionString = process.env['DATABASE_URL'];
  if (!connectionString) throw new Error('DATABASE_URL is required');
  const pool = new Pool({ connectionString, max: Number(process.env['DATABASE_POOL_SIZE'] ?? 10) });
  await pool.query(FLOOR_EVENTS_DDL);
  const app = await NestFactory.create<NestExpressApplication>(FloorModule.register(pool), {
    logger: ['error', 'warn'],
    bodyParser: false,
  });
  app.disable('x-powered-by');
  app.useBodyParser('json', { limit: '100kb' });
  await app.listen(port, '127.0.0.1');

  const stop = async () => {
    await app.close();
    await pool.end();
    process.exit(0);
  };
  process.once('SIGTERM', () => void stop());
  process.once('SIGINT', () => void stop());
}

main().catch((error) => {
  console.error('floor: failed to start:', error instanceof Error ? error.message : error);
  process.exit(1);
});
