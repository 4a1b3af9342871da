import { Database, SmsProviderConfigEntity } from '@honnin/persistence';
import { DELIVERY_RECEIPT_PARSERS, servesCountry, SMS_PROVIDER_DEFINITIONS, SMS_PROVIDER_TYPES, SmsProviderSettings, SmsProviderType } from '@honnin/sms';
import { recordAudit } from '../audit/audit-log';
import { Clock } from '../common/clock';
import { SecretBox } from '../common/secret-box';
import { FieldProblem, IdentityError } from '../errors/identity-error';
import { AdminCaller } from '../tenants/tenant-admin';
import { ReceiptPaths } from './receipt-paths';

export interface SmsProviderInput {
  type: string;
  baseUrl?: string | null;
  sender?: string | null;
  countries?: string[] | null;
  credentials?: Record<string, unknown> | null;
}

/** A configured provider as administrators see it: never its credentials, only which fields are set. */
export interface SmsProviderView {
  id: string;
  position: number;
  type: SmsProviderType;
  baseUrl: string | null;
  sender: string | null;
  countries: string[];
  credentialFields: string[];
  /** Where this provider should post delivery receipts (a full URL when PUBLIC_URL is set, else the path); null when it has none. */
  deliveryReceiptUrl: string | null;
  createdAt: Date;
}

/** A provider ready for the router: its credentials decrypted for the send at hand, never kept decrypted. */
export interface ConfiguredSmsProvider {
  configId: string | null;
  settings: SmsProviderSettings;
}

const MAX_PROVIDERS = 10;
const CHANNEL = 'sms_providers';
/** How long a replica trusts its copy of a tenant's list if a change notification was missed. */
const CACHE_SECONDS = 5;

interface CachedProviders {
  rows: SmsProviderConfigEntity[];
  loadedAt: number;
  configured?: ConfiguredSmsProvider[];
}

export class SmsProviders {
  /**
   * Each tenant's rows (credentials still sealed), so a send does not read the table every time, and
   * once a send needed them, its providers with their credentials opened, so not every send decrypts.
   */
  private readonly rowsByTenant = new Map<string, CachedProviders>();
  /** Bumped by every change, so a read that started before it cannot store what it read. */
  private generation = 0;

  constructor(
    private readonly db: Database,
    private readonly box: SecretBox,
    private readonly receiptPaths: ReceiptPaths,
    private readonly clock: Clock,
    private readonly production: boolean,
  ) {}

  /** Listens for other replicas' changes to provider lists. */
  async start(): Promise<void> {
    await this.db.changes.subscribe(CHANNEL, (tenantId) => this.forget(tenantId));
  }

  /** Replaces the tenant's ordered list; every problem is reported with its field path, and nothing is stored then. */
  async configure(admin: AdminCaller, inputs: SmsProviderInput[]): Promise<SmsProviderView[]> {
    const problems: FieldProblem[] = [];
    if (inputs.length > MAX_PROVIDERS) problems.push({ field: 'providers', message: `at most ${MAX_PROVIDERS} providers` });
    const settings = inputs.slice(0, MAX_PROVIDERS).map((input, i) => this.settingsFrom(input, `providers[${i}]`, problems));
    if (problems.length > 0) throw IdentityError.badInput(problems);
    const now = this.clock.now();
    const rows = await this.db.transaction(async (store) => {
      const saved = await store.smsProviders.replaceAll(
        admin.tenant.id,
        (settings as SmsProviderSettings[]).map((s, position) => ({
          tenantId: admin.tenant.id,
          position,
          type: s.type,
          baseUrl: s.baseUrl ?? null,
          sender: s.sender ?? null,
          countries: s.countries,
          credentialsCiphertext: this.box.seal(JSON.stringify(s.credentials), credentialsContext(admin.tenant.id, position)),
          createdAt: now,
        })),
      );
      await recordAudit(store, {
        tenantId: admin.tenant.id, type: 'sms_providers.configured', outcome: 'success', at: now, apiKeyId: admin.apiKeyId,
        context: admin.context, details: { providers: saved.map((p) => ({ type: p.type, countries: p.countries })) },
      });
      await store.notify(CHANNEL, admin.tenant.id);
      return saved;
    });
    this.forget(admin.tenant.id);
    return rows.map((row) => this.view(row));
  }

  async list(tenantId: string): Promise<SmsProviderView[]> {
    return (await this.db.store.smsProviders.list(tenantId)).map((row) => this.view(row));
  }

  /** The tenant's providers in order; outside production a tenant with none gets the CONSOLE provider. */
  async forSending(tenantId: string): Promise<ConfiguredSmsProvider[]> {
    const cached = await this.cachedOf(tenantId);
    if (cached.rows.length === 0) {
      return this.production ? [] : [{ configId: null, settings: { type: 'CONSOLE', countries: [], credentials: {} } }];
    }
    return this.configuredOf(cached);
  }

  /**
   * The provider that makes and checks codes itself (TWILIO_VERIFY) when it is the first one serving
   * `country`; null when our own codes are used. Credentials are opened only for a tenant that has one.
   */
  async delegatedFor(tenantId: string, country: string | null): Promise<ConfiguredSmsProvider | null> {
    if (country === null) return null;
    const cached = await this.cachedOf(tenantId);
    const first = cached.rows.findIndex((row) => servesCountry({ countries: row.countries }, country));
    return cached.rows[first]?.type === 'TWILIO_VERIFY' ? this.configuredOf(cached)[first] : null;
  }

  /** The cached rows with their credentials opened, once while they stay cached. */
  private configuredOf(cached: CachedProviders): ConfiguredSmsProvider[] {
    cached.configured ??= cached.rows.map((row) => ({ configId: row.id, settings: this.settingsOf(row) }));
    return cached.configured;
  }

  private async cachedOf(tenantId: string): Promise<CachedProviders> {
    const cached = this.rowsByTenant.get(tenantId);
    if (cached && performance.now() - cached.loadedAt < CACHE_SECONDS * 1000) return cached;
    const generation = this.generation;
    const loaded: CachedProviders = { rows: await this.db.store.smsProviders.list(tenantId), loadedAt: performance.now() };
    if (generation === this.generation) this.rowsByTenant.set(tenantId, loaded);
    return loaded;
  }

  private forget(tenantId: string): void {
    this.generation += 1;
    this.rowsByTenant.delete(tenantId);
  }

  /** One configured provider with its tenant, for a delivery receipt. */
  async byId(configId: string): Promise<{ tenantId: string; settings: SmsProviderSettings } | null> {
    const row = await this.db.store.smsProviders.findById(configId);
    return row ? { tenantId: row.tenantId, settings: this.settingsOf(row) } : null;
  }

  private settingsOf(row: SmsProviderConfigEntity): SmsProviderSettings {
    return {
      type: row.type as SmsProviderType,
      baseUrl: row.baseUrl ?? undefined,
      sender: row.sender ?? undefined,
      countries: row.countries,
      credentials: JSON.parse(this.box.open(row.credentialsCiphertext, credentialsContext(row.tenantId, row.position))),
    };
  }

  private settingsFrom(input: SmsProviderInput, path: string, problems: FieldProblem[]): SmsProviderSettings | null {
    if (!(SMS_PROVIDER_TYPES as readonly string[]).includes(input.type)) {
      problems.push({ field: `${path}.type`, message: `must be one of ${SMS_PROVIDER_TYPES.join(', ')}` });
      return null;
    }
    const type = input.type as SmsProviderType;
    if (type === 'CONSOLE' && this.production) {
      problems.push({ field: `${path}.type`, message: 'CONSOLE only logs messages and is refused in production' });
    }
    const credentials: Record<string, string> = {};
    for (const [key, value] of Object.entries(input.credentials ?? {})) {
      if (typeof value !== 'string') problems.push({ field: `${path}.credentials.${key}`, message: 'must be a string' });
      else credentials[key] = value;
    }
    const settings: SmsProviderSettings = {
      type,
      baseUrl: input.baseUrl ?? undefined,
      sender: input.sender ?? undefined,
      countries: (input.countries ?? []).map((c) => c.toUpperCase()),
      credentials,
    };
    settings.countries.forEach((country, i) => {
      if (!/^[A-Z]{2}$/.test(country)) problems.push({ field: `${path}.countries[${i}]`, message: 'must be an ISO 3166 alpha-2 code' });
    });
    for (const problem of SMS_PROVIDER_DEFINITIONS[type].validate(settings)) {
      problems.push({ field: `${path}.${problem.field}`, message: problem.message });
    }
    return settings;
  }

  private view(row: SmsProviderConfigEntity): SmsProviderView {
    const credentials = this.settingsOf(row).credentials;
    const receipts = DELIVERY_RECEIPT_PARSERS[row.type as SmsProviderType] !== undefined;
    return {
      id: row.id,
      position: row.position,
      type: row.type as SmsProviderType,
      baseUrl: row.baseUrl,
      sender: row.sender,
      countries: row.countries,
      credentialFields: Object.keys(credentials).sort(),
      deliveryReceiptUrl: receipts ? (this.receiptPaths.url(row.id) ?? this.receiptPaths.path(row.id)) : null,
      createdAt: row.createdAt,
    };
  }
}

function credentialsContext(tenantId: string, position: number): string {
  return `sms-provider:${tenantId}:${position}`;
}
