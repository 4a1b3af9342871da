import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { GraphqlClient, startGatewayProcess, WORKSPACE_ROOT } from '@honnin/testing';
import { LOGIN, ME, PASSWORD, SIGN_UP } from './support/honnin';

const SECRET = 'e'.repeat(64);

describe('the gateway on its embedded Postgres (no DATABASE_URL)', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'honnin-embedded-e2e-'));
  afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

  it('keeps its data across a restart, and SIGTERM lets a request in flight finish', async () => {
    const first = await startGatewayProcess({ dataDir, env: { HONNIN_SECRET: SECRET } });
    const gql = new GraphqlClient(first.url);
    const created = await gql.request(`mutation { createTenant(input: { slug: "survivor", name: "Survivor" }) { adminApiKey } }`, { operatorToken: first.operatorToken });
    expect(created.data?.['createTenant'].adminApiKey).toMatch(/^hnn_/);
    const signUp = await gql.request(SIGN_UP, { tenant: 'survivor', variables: { input: { loginId: 'keeper@example.com', password: PASSWORD } } });
    const token = signUp.data?.['signUp'].sessionToken as string;
    expect(first.output()).toContain('using the embedded Postgres');

    // A login (tens of ms of argon2) is in flight when SIGTERM arrives: it still gets its answer.
    const inFlight = gql.request(LOGIN, { tenant: 'survivor', variables: { input: { loginId: 'keeper@example.com', password: PASSWORD } } });
    await new Promise((r) => setTimeout(r, 5));
    const exitCode = first.stop();
    expect((await inFlight).data?.['login'].sessionToken).toBeTruthy();
    expect(await exitCode).toBe(0);

    const second = await startGatewayProcess({ dataDir, env: { HONNIN_SECRET: SECRET } });
    try {
      const again = new GraphqlClient(second.url);
      const me = await again.request(ME, { tenant: 'survivor', token });
      expect(me.data?.['me'].user.loginId).toBe('keeper@example.com');
      const login = await again.request(LOGIN, { tenant: 'survivor', variables: { input: { loginId: 'keeper@example.com', password: PASSWORD } } });
      expect(login.data?.['login'].session.aal).toBe('AAL1');
    } finally {
      await second.stop();
    }
  });

  it('npm run tenant:create makes a tenant in the data directory whose admin key the gateway then takes', async () => {
    const cliDataDir = mkdtempSync(join(tmpdir(), 'honnin-tenant-cli-'));
    try {
      const cli = spawnSync('npm', ['run', '--silent', 'tenant:create', '--', '--slug', 'from-cli', '--name', 'From CLI'], {
        cwd: WORKSPACE_ROOT,
        env: { PATH: process.env['PATH'] ?? '', HONNIN_DATA_DIR: cliDataDir, HONNIN_SECRET: SECRET },
        encoding: 'utf8',
        timeout: 120_000,
      });
      expect({ status: cli.status, stderr: cli.stderr }).toEqual({ status: 0, stderr: '' });
      const apiKey = /admin API key \(shown once, keep it safe\): (hnn_\S+)/.exec(cli.stdout)?.[1];
      expect(apiKey).toBeDefined();

      const gateway = await startGatewayProcess({ dataDir: cliDataDir, env: { HONNIN_SECRET: SECRET } });
      try {
        const policy = await new GraphqlClient(gateway.url).request(`{ tenantPolicy { version } }`, { apiKey });
        expect(policy.data?.['tenantPolicy']).toEqual({ version: 1 });
      } finally {
        await gateway.stop();
      }
    } finally {
      rmSync(cliDataDir, { recursive: true, force: true });
    }
  });

  it('refuses to start a second process on the same data directory', async () => {
    const holder = await startGatewayProcess({ dataDir, env: { HONNIN_SECRET: SECRET } });
    try {
      await expect(startGatewayProcess({ dataDir, env: { HONNIN_SECRET: SECRET }, readyTimeoutMs: 20_000 })).rejects.toThrow(/in use by process/);
    } finally {
      await holder.stop();
    }
  });
});
