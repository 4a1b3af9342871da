// Operator CLI: creates a tenant and prints its admin API key once.
//   npm run tenant:create -- --slug acme --name "Acme Inc"
// Reads its settings as the gateway does (DATABASE_URL, or the embedded database in HONNIN_DATA_DIR
// while the gateway is not running on it; HONNIN_SECRET, or the one kept in the data directory).
import 'reflect-metadata';
import { parseArgs } from 'node:util';
import { Identity, IdentityError } from '@honnin/identity';
import { Database, EmbeddedPostgres, startEmbeddedPostgres } from '@honnin/persistence';
import { loadConfig } from '../../apps/gateway/src/config/honnin-config';

async function main(): Promise<number> {
  const { values } = parseArgs({ options: { slug: { type: 'string' }, name: { type: 'string' } } });
  if (!values.slug || !values.name) {
    console.error('usage: npm run tenant:create -- --slug <slug> --name <name>');
    return 2;
  }
  const config = loadConfig(process.env);
  let embedded: EmbeddedPostgres | null = null;
  if (!config.databaseUrl) embedded = await startEmbeddedPostgres(config.dataDir);
  const db = await Database.open({ url: config.databaseUrl ?? (embedded as EmbeddedPostgres).url, poolSize: embedded ? 1 : 2 });
  try {
    await db.migrate();
    const identity = await Identity.start({ db, operatorToken: null, secret: config.secret });
    const { tenant, adminApiKey } = await identity.admin.createTenant({ slug: values.slug, name: values.name }, null);
    await identity.stop();
    console.log(`tenant ${tenant.slug} (${tenant.id}) created`);
    console.log(`admin API key (shown once, keep it safe): ${adminApiKey.key}`);
    return 0;
  } catch (error) {
    if (!(error instanceof IdentityError)) throw error;
    const fields = Array.isArray(error.details['fields']) ? error.details['fields'] : [];
    console.error(`${error.code}: ${error.message} ${JSON.stringify(fields)}`);
    return 1;
  } finally {
    await db.close();
    await embedded?.stop();
  }
}

main().then(
  (code) => process.exit(code),
  (error) => {
    console.error(error instanceof Error ? error.message : error);
    process.exit(1);
  },
);
