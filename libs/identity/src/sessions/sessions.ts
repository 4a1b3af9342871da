import { randomUUID } from 'node:crypto';
import { Database, NewSession, SessionEntity, sessionInsert, Store, TenantEntity, Write } from '@honnin/persistence';
import { Aal, amrFor, AuthMethod, currentAal, TenantPolicy } from '@honnin/policy';
import { Clock, RequestContext } from '../common/clock';
import { hashSecretToken, newSecretToken } from '../common/secret-token';
import { IdentityError } from '../errors/identity-error';
import { TenantPolicies, VersionedTenantPolicy } from '../policy/tenant-policies';
import { TenantDirectory } from '../tenants/tenant-directory';

/** A signed-in caller, as every session-guarded operation sees it. */
export interface Viewer {
  tenant: TenantEntity;
  user: { id: string; loginId: string; phoneE164: string | null };
  session: Pick<SessionEntity, 'id' | 'amr' | 'authenticatedAt' | 'aal2VerifiedAt' | 'lastActiveAt' | 'createdAt'>;
  aal: Aal;
  expiresAt: Date;
  policy: VersionedTenantPolicy;
  context: RequestContext;
}

export interface NewSessionInput {
  tenantId: string;
  userId: string;
  methods: AuthMethod[];
  authenticatedAt: Date;
  aal2VerifiedAt: Date | null;
  context: RequestContext;
}

export interface IssuedSession {
  token: string;
  session: SessionEntity;
}

// Recording activity on every request would make every read a write; a minute of slack is enough
// for idle limits counted in tens of minutes.
const TOUCH_AFTER_MS = 60_000;

export class Sessions {
  constructor(
    private readonly db: Database,
    private readonly tenants: TenantDirectory,
    private readonly policies: TenantPolicies,
    private readonly clock: Clock,
  ) {}

  /** Creates a session for factors just proven; the token is returned once and stored only as a hash. */
  async issue(store: Store, input: NewSessionInput): Promise<IssuedSession> {
    const prepared = this.prepare(input);
    await store.write([prepared.write]);
    return prepared;
  }

  /** A session to issue, and its INSERT to write with the change that proves its factors. */
  prepare(input: NewSessionInput): IssuedSession & { write: Write } {
    const token = newSecretToken();
    const now = this.clock.now();
    const session: NewSession = {
      id: randomUUID(),
      tenantId: input.tenantId,
      userId: input.userId,
      tokenHash: hashSecretToken(token),
      amr: amrFor(input.methods),
      authenticatedAt: input.authenticatedAt,
      aal2VerifiedAt: input.aal2VerifiedAt,
      lastActiveAt: now,
      createdAt: now,
      ip: input.context.ip,
      userAgent: input.context.userAgent?.slice(0, 512) ?? null,
    };
    return { token, session: { ...session, revokedAt: null }, write: sessionInsert(session) };
  }

  /** The caller behind a bearer token, or UNAUTHENTICATED. The session's tenant must be the one named. */
  async authenticate(token: string | null, context: RequestContext): Promise<Viewer> {
    const tenant = await this.tenants.require(context.tenantSlug);
    if (!token || token.length > 128) throw unauthenticated();
    const found = await this.db.store.sessions.findLiveByTokenHash(hashSecretToken(token));
    if (!found || found.session.tenantId !== tenant.id) throw unauthenticated();
    const policy = await this.policies.get(tenant.id);
    const now = this.clock.now();
    const aal = currentAal(found.session, policy.policy, now);
    if (!aal) throw unauthenticated();
    if (now.getTime() - found.session.lastActiveAt.getTime() > TOUCH_AFTER_MS) {
      await this.db.store.sessions.touch(tenant.id, found.session.id, now);
    }
    return {
      tenant,
      user: found.user,
      session: found.session,
      aal,
      expiresAt: sessionExpiry(found.session, policy.policy),
      policy,
      context,
    };
  }
}

export function sessionExpiry(session: Pick<SessionEntity, 'createdAt' | 'lastActiveAt'>, policy: TenantPolicy): Date {
  return new Date(
    Math.min(
      session.createdAt.getTime() + policy.session.aal1MaxSeconds * 1000,
      session.lastActiveAt.getTime() + policy.session.aal1IdleSeconds * 1000,
    ),
  );
}

function unauthenticated(): IdentityError {
  return new IdentityError('UNAUTHENTICATED', 'Not signed in, or the session has ended.');
}
