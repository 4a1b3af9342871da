import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { printGatewaySchema } from './gateway-schema';

const COMMITTED = join(__dirname, '../../schema.graphql');

describe('apps/gateway/schema.graphql', () => {
  it('matches the schema the code generates (run `npm run schema:export` after changing the API)', async () => {
    const generated = await printGatewaySchema();
    if (process.env['HONNIN_WRITE_SCHEMA'] === '1') writeFileSync(COMMITTED, generated);
    expect(readFileSync(COMMITTED, 'utf8')).toBe(generated);
  });
});
