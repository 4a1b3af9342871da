import { countRows, dumpAllRows, GraphqlCall, withDatabase } from '@honnin/testing';
import { createTenant, Honnin, LOGIN, login, ME, PASSWORD, SIGN_UP, signUp, startHonnin } from './support/honnin';

describe('password sign-in (AAL1) over HTTP', () => {
  let h: Honnin;
  beforeAll(async () => {
    h = await startHonnin();
  });
  afterAll(() => h.stop());

  it('createTenant → signUp → login → me shows AAL1 and amr [pwd] → logout → UNAUTHENTICATED', async () => {
    const t = await createTenant(h);
    const up = await h.gql.request(SIGN_UP, { tenant: t.slug, variables: { input: { loginId: '  Alice@Example.com ', password: PASSWORD } } });
    expect(up.data?.['signUp']).toMatchObject({ nextStep: 'NONE', session: { aal: 'AAL1', amr: ['pwd'] }, user: { loginId: 'alice@example.com' } });
    expect(up.data?.['signUp'].sessionToken).toMatch(/^[A-Za-z0-9_-]{43}$/);

    const token = await login(h, t.slug, 'ALICE@example.com');
    const me = await h.gql.request(ME, { tenant: t.slug, token });
    expect(me.data?.['me']).toMatchObject({ user: { loginId: 'alice@example.com', maskedPhoneNumber: null }, session: { aal: 'AAL1', amr: ['pwd'], aal2VerifiedAt: null } });
    expect(new Date(me.data?.['me'].session.expiresAt).getTime()).toBeGreaterThan(Date.now());

    const out = await h.gql.request('mutation { logout }', { tenant: t.slug, token });
    expect(out.data).toEqual({ logout: true });
    const after = await h.gql.request(ME, { tenant: t.slug, token });
    expect(after.code).toBe('UNAUTHENTICATED');
    expect(after.data).toEqual({ me: null });
  });

  it('answers a wrong password and an unknown login id with the same INVALID_CREDENTIALS shape', async () => {
    const t = await createTenant(h);
    await signUp(h, t.slug, 'bob@example.com');
    const wrong = await h.gql.request(LOGIN, { tenant: t.slug, variables: { input: { loginId: 'bob@example.com', password: 'not the password at all' } } });
    const unknown = await h.gql.request(LOGIN, { tenant: t.slug, variables: { input: { loginId: 'nobody@example.com', password: 'not the password at all' } } });
    expect(wrong.code).toBe('INVALID_CREDENTIALS');
    expect(unknown.errors).toEqual(wrong.errors);
    expect(unknown.status).toBe(wrong.status);
  });

  it('keeps tenants apart: no login through another tenant, and a token is refused under another x-tenant-id', async () => {
    const a = await createTenant(h);
    const b = await createTenant(h);
    const token = await signUp(h, a.slug, 'carol@example.com');
    const viaB = await h.gql.request(LOGIN, { tenant: b.slug, variables: { input: { loginId: 'carol@example.com', password: PASSWORD } } });
    expect(viaB.code).toBe('INVALID_CREDENTIALS');
    const crossed = await h.gql.request(ME, { tenant: b.slug, token });
    expect(crossed.code).toBe('UNAUTHENTICATED');
    const own = await h.gql.request(ME, { tenant: a.slug, token });
    expect(own.data?.['me'].user.loginId).toBe('carol@example.com');
  });

  it('refuses bad input with a typed error, writes nothing, and keeps serving', async () => {
    const t = await createTenant(h);
    const token = await signUp(h, t.slug, 'dave@example.com');
    const before = await countRows(h.db.url);
    const cases: [string, GraphqlCall, string][] = [
      [SIGN_UP, { tenant: t.slug, variables: { input: { loginId: '', password: PASSWORD } } }, 'BAD_USER_INPUT'],
      [SIGN_UP, { tenant: t.slug, variables: { input: { loginId: 'x'.repeat(10_000), password: PASSWORD } } }, 'BAD_USER_INPUT'],
      [SIGN_UP, { tenant: t.slug, variables: { input: { loginId: 'eve@example.com', password: 'y'.repeat(10_000) } } }, 'BAD_USER_INPUT'],
      [SIGN_UP, { tenant: t.slug, variables: { input: { loginId: 42, password: true } } }, 'BAD_USER_INPUT'],
      [SIGN_UP, { tenant: t.slug, variables: { input: { loginId: 'eve@example.com', password: 'short' } } }, 'BAD_USER_INPUT'],
      [SIGN_UP, { tenant: t.slug, variables: { input: { loginId: 'eve@example.com', password: '1qaz2wsx3edc4rfv' } } }, 'BAD_USER_INPUT'],
      [SIGN_UP, { tenant: t.slug, variables: { input: { loginId: 'dave@example.com', password: PASSWORD } } }, 'BAD_USER_INPUT'],
      [SIGN_UP, { tenant: 'no-such-tenant', variables: { input: { loginId: 'eve@example.com', password: PASSWORD } } }, 'TENANT_NOT_FOUND'],
      [SIGN_UP, { variables: { input: { loginId: 'eve@example.com', password: PASSWORD } } }, 'TENANT_NOT_FOUND'],
      [ME, { tenant: t.slug, token: 'not-a-token' }, 'UNAUTHENTICATED'],
      [ME, { tenant: t.slug, token: 'x'.repeat(5000) }, 'UNAUTHENTICATED'],
      [ME, { tenant: t.slug, headers: { authorization: 'Basic abc' } }, 'UNAUTHENTICATED'],
      [ME, { tenant: t.slug }, 'UNAUTHENTICATED'],
      [`mutation { createTenant(input: {slug: "nope", name: "Nope"}) { adminApiKey } }`, {}, 'UNAUTHENTICATED'],
      [`mutation { createTenant(input: {slug: "nope", name: "Nope"}) { adminApiKey } }`, { operatorToken: 'wrong-operator-token-1234567890' }, 'FORBIDDEN'],
      [`mutation { createTenant(input: {slug: "Not A Slug!", name: "Nope"}) { adminApiKey } }`, { operatorToken: h.gateway.operatorToken }, 'BAD_USER_INPUT'],
      [`{ me { nosuchfield } }`, { tenant: t.slug, token }, 'BAD_USER_INPUT'],
      [`{ me `, { tenant: t.slug, token }, 'BAD_USER_INPUT'],
    ];
    for (const [query, call, code] of cases) {
      const r = await h.gql.request(query, call);
      const label = `${query.slice(0, 30)} ${JSON.stringify(call.variables ?? {}).slice(0, 60)}`;
      expect({ label, code: r.code }).toEqual({ label, code });
      expect(r.raw).not.toMatch(/at \w+ \(|QueryFailedError|SELECT |INSERT /);
    }
    // Refusals may be audited; nothing else changes.
    const { audit_events: _, ...after } = await countRows(h.db.url);
    const { audit_events: __, ...beforeWithoutAudit } = before;
    expect(after).toEqual(beforeWithoutAudit);
    const me = await h.gql.request(ME, { tenant: t.slug, token });
    expect(me.data?.['me'].user.loginId).toBe('dave@example.com');
  });

  it('names the invalid fields of a bad sign-up', async () => {
    const t = await createTenant(h);
    const r = await h.gql.request(SIGN_UP, { tenant: t.slug, variables: { input: { loginId: 'frank@example.com', password: 'too short' } } });
    expect(r.errors?.[0].extensions).toEqual({ code: 'BAD_USER_INPUT', fields: [{ field: 'password', message: 'must be at least 15 characters' }] });
  });

  it('stores no password or token in clear and logs none', async () => {
    const t = await createTenant(h);
    const secretPassword = `unique-secret-password-${Date.now()}`;
    const token = await signUp(h, t.slug, 'grace@example.com', secretPassword);
    const second = await login(h, t.slug, 'grace@example.com', secretPassword);
    await h.gql.request(LOGIN, { tenant: t.slug, variables: { input: { loginId: 'grace@example.com', password: `${secretPassword}-wrong` } } });
    const rows = await dumpAllRows(h.db.url);
    const logs = h.gateway.output();
    for (const secret of [secretPassword, token, second, t.apiKey, h.gateway.operatorToken]) {
      expect(rows).not.toContain(secret);
      expect(logs).not.toContain(secret);
    }
    expect(logs).toContain('"msg":"request completed"');
    // Every refusal in this suite is an expected, typed answer: none is logged as a server error.
    expect(logs).not.toMatch(/"level":50/);
    const hashes = await withDatabase(h.db.url, (c) => c.query(`SELECT password_hash FROM users WHERE login_id = 'grace@example.com'`));
    expect(hashes.rows[0].password_hash).toMatch(/^\$argon2id\$/);
  });
});
