import fc from 'fast-check';
import {
  getNamedType, GraphQLField, GraphQLInputObjectType, GraphQLInputType, GraphQLOutputType, GraphQLSchema, isEnumType, isInputObjectType, isLeafType,
  isListType, isNonNullType, isObjectType, isScalarType,
} from 'graphql';

/**
 * Fast-check arbitraries of hostile GraphQL requests, built from schema.graphql so that every
 * argument of every operation gets values of its own type (odd ones), of the wrong type, nulls,
 * extra and missing fields, in variables or inline, next to broken documents and bodies. Values the
 * domain knows (ids, login ids, phone numbers, slugs...) come from the pools the test set up, so
 * many cases get past validation into the use cases, where a crash would be.
 */

export type CallerFamily = 'session' | 'admin' | 'operator' | 'public';

/** Who each operation is for. A new operation must be named here, or the fuzz fails (see graphql-fuzz). */
export const CALLER_OF: Record<string, CallerFamily> = {
  me: 'session', authorize: 'session', smsChallenge: 'session', logout: 'session', startSmsChallenge: 'session',
  resendSmsChallenge: 'session', verifySmsChallenge: 'session', changePassword: 'session',
  signUp: 'public', login: 'public',
  tenantPolicy: 'admin', smsProviders: 'admin', smsPrefixHolds: 'admin', auditEvents: 'admin', updateTenantPolicy: 'admin',
  configureSmsProviders: 'admin', createApiKey: 'admin', revokeApiKey: 'admin', liftSmsPrefixHold: 'admin',
  createTenant: 'operator',
};

/** The credentials a request carries; the test turns each kind into headers from what it set up. */
export type CredentialKind =
  | 'session' | 'aal2Session' | 'sessionOfOtherTenant' | 'sessionAsApiKey' | 'adminKey' | 'readerKey' | 'revokedKey' | 'adminKeyAsBearer'
  | 'operator' | 'wrongOperator' | 'garbageBearer' | 'garbageApiKey' | 'tenantOnly' | 'none';

const RIGHT_CREDENTIALS: Record<CallerFamily, CredentialKind[]> = {
  session: ['session', 'aal2Session'],
  admin: ['adminKey'],
  operator: ['operator'],
  public: ['tenantOnly'],
};
const OTHER_CREDENTIALS: CredentialKind[] = [
  'session', 'sessionOfOtherTenant', 'sessionAsApiKey', 'adminKey', 'readerKey', 'revokedKey', 'adminKeyAsBearer', 'operator', 'wrongOperator',
  'garbageBearer', 'garbageApiKey', 'tenantOnly', 'none',
];

/** Real values of the fuzzed service, so generated requests can name existing things. */
export interface FuzzPools {
  slugs: string[];
  loginIds: string[];
  passwords: string[];
  phones: string[];
  /** Pending and spent challenges, of the fuzzing user's session and of others. */
  challengeIds: string[];
  userIds: string[];
  apiKeyIds: string[];
  auditCursors: string[];
  actions: string[];
  /** A loopback URL: provider URLs are never called (the fuzzed gateway runs without its dispatcher). */
  providerUrl: string;
}

export interface FuzzRequest {
  operation: string;
  mode: 'variables' | 'inline' | 'malformed' | 'edge';
  credential: CredentialKind;
  /** For the garbage credential kinds: the value sent. */
  garbage: string;
  /** undefined: the credential's own tenant; null: no `x-tenant-id`; else this value. */
  tenantHeader: string | null | undefined;
  contentType: string;
  body: string;
}

const OMITTED = Symbol('omitted');
type Maybe<T> = T | typeof OMITTED;

const NASTY_STRINGS = [
  '', ' ', '\u0000', 'a\u0000b', '\t\n\r', '\u202e\u202d', '\ufeff', '\u200b', 'e\u0301', 'ｱｲｳ', '𝕳𝖔𝖓𝖓𝖎𝖓', '💥🔥', 'null', 'undefined', 'true', '0', '-1',
  'NaN', '__proto__', 'constructor', '{}', '[]', "'; DROP TABLE users; --", '" OR "1"="1', '%s%n%x', '../../etc/passwd', '<script>alert(1)</script>',
  '${7*7}', '{{7*7}}', '\\', '"', '\u0007\u001b[31m', '\ud800', '\udfff\ud800', 'x'.repeat(255), 'é'.repeat(101),
];

const wrongTypeArb: fc.Arbitrary<unknown> = fc.oneof(
  fc.integer(), fc.boolean(), fc.constant(null), fc.constant([]), fc.constant({}), fc.string({ maxLength: 5 }), fc.double(),
  fc.constant([1, 'a', null]), fc.constant({ nested: { deeper: [1] } }),
);

const controlCharacter = fc.integer({ min: 0, max: 0x1f }).map((c) => String.fromCharCode(c));
const hugeStringArb = fc.tuple(fc.constantFrom(300, 1025, 5000, 60_000, 120_000), fc.constantFrom('x', 'é', '💥', '\u0000', ' ', '9')).map(([n, c]) => c.repeat(n));

export const nastyStringArb: fc.Arbitrary<string> = fc.oneof(
  { arbitrary: fc.constantFrom(...NASTY_STRINGS), weight: 4 },
  { arbitrary: fc.string({ unit: 'binary', maxLength: 30 }), weight: 2 },
  { arbitrary: fc.string({ unit: 'grapheme', maxLength: 30 }), weight: 2 },
  { arbitrary: fc.string({ unit: controlCharacter, maxLength: 8 }), weight: 1 },
  // A plausible value with a control character inside, U+0000 (which Postgres text and jsonb refuse) half the time.
  {
    arbitrary: fc
      .tuple(fc.string({ unit: 'grapheme-ascii', maxLength: 12 }), fc.oneof(fc.constant('\u0000'), controlCharacter), fc.string({ unit: 'grapheme-ascii', maxLength: 12 }))
      .map((parts) => parts.join('')),
    weight: 3,
  },
  { arbitrary: hugeStringArb, weight: 1 },
);

const ODD_INTEGERS = [
  0, -1, 1, 2, 3, 5, 6, 8, 10, 11, 30, 60, 100, 101, 200, 201, 300, 599, 600, 601, 1000, 1800, 3600, 43_200, 86_400, 2_592_000, 2_592_001,
  100_000, 1_000_000, 10_000_000, 2_147_483_647, 2_147_483_648, -2_147_483_648, -2_147_483_649, 2 ** 53, 1e21, 0.5, -0,
];
const intArb: fc.Arbitrary<unknown> = fc.oneof(
  { arbitrary: fc.constantFrom(...ODD_INTEGERS), weight: 6 },
  { arbitrary: fc.integer(), weight: 2 },
  { arbitrary: fc.double(), weight: 1 },
  { arbitrary: wrongTypeArb, weight: 1 },
);

const dateArb: fc.Arbitrary<unknown> = fc.oneof(
  fc.constantFrom('2024-01-01T00:00:00Z', '1970-01-01T00:00:00Z', '0000-01-01T00:00:00Z', '9999-12-31T23:59:59Z', '2024-02-30T00:00:00Z',
    '+275760-09-13T00:00:00Z', 'yesterday', '', '2024-01-01', '2024-01-01T00:00:00+25:00', 1_700_000_000),
  fc.date({ noInvalidDate: true }).map((d) => d.toISOString()),
  wrongTypeArb,
);

const base64url = (text: string) => Buffer.from(text).toString('base64url');

/** Mostly one of `known`, else random, mis-cased or malformed ids. */
function idArb(known: string[]): fc.Arbitrary<string> {
  return fc.oneof(
    { arbitrary: fc.constantFrom(...known), weight: 4 },
    { arbitrary: fc.uuid(), weight: 1 },
    { arbitrary: fc.constantFrom(...known).map((id) => id.toUpperCase()), weight: 1 },
    { arbitrary: fc.constantFrom('00000000-0000-0000-0000-000000000000', 'not-an-id', '1', '-1', `${known[0]} `, `{${known[0]}}`, known[0].replace(/-/g, '')), weight: 1 },
  );
}

/** Values a field of this name takes in the domain, good and bad, or undefined for a plain string. */
function hintFor(name: string, pools: FuzzPools): fc.Arbitrary<unknown> | undefined {
  switch (name) {
    case 'loginId':
      return fc.oneof(fc.constantFrom(...pools.loginIds), fc.emailAddress(), fc.constantFrom(`${pools.loginIds[0].toUpperCase()} `, 'Ａlice@example.com'));
    case 'password':
    case 'currentPassword':
    case 'newPassword':
      return fc.oneof(fc.constantFrom(...pools.passwords), fc.string({ minLength: 15, maxLength: 40 }), fc.constantFrom('password', 'passwordpassword', '123456789012345', 'correct horse battery staple'));
    case 'phoneNumber':
      return fc.oneof(
        fc.constantFrom(...pools.phones, '+81312345678', '090-1234-5678', '+447400123456', '+12015550123', '+88216123456', '+999', '+', '81 90 1234 5678'),
        fc.integer({ min: 10_000_000, max: 99_999_999 }).map((n) => `+8190${n}`),
      );
    case 'id':
      return idArb([...pools.challengeIds, ...pools.apiKeyIds, ...pools.userIds]);
    case 'challengeId':
      return idArb(pools.challengeIds);
    case 'userId':
      return idArb(pools.userIds);
    case 'code':
      return fc.oneof(fc.stringMatching(/^\d{6}$/), fc.constantFrom('１２３４５６', '١٢٣٤٥٦', ' 123 456 ', '000000', '1'.repeat(32), 'abcdef', '12345', '1234567890'));
    case 'locale':
    case 'defaultLocale':
      return fc.constantFrom('ja', 'en', 'en-US', 'xx-XX', 'EN', 'ja_JP', 'zh-Hant-TW', 'e', 'ja\n');
    case 'slug':
      return fc.oneof(fc.stringMatching(/^[a-z0-9][a-z0-9-]{0,20}[a-z0-9]$/), fc.constantFrom(...pools.slugs, '-a', 'a-', 'A', 'a'.repeat(64), 'a--b'));
    case 'scopes':
      return fc.constantFrom('policy:read', 'policy:write', 'providers:write', 'audit:read', 'keys:manage', 'POLICY:READ', '*', 'admin');
    case 'prefix':
      return fc.constantFrom('+44', '+81', '+1', '44', '+', '+0', '+1234', ' +44 ', '+4 4', '+99999');
    case 'action':
      return fc.oneof(fc.constantFrom(...pools.actions, 'account.change_password', 'account.change_phone'), fc.stringMatching(/^[a-z][a-z0-9_.:-]{0,30}$/));
    case 'after':
      return fc.oneof(
        fc.constantFrom(...pools.auditCursors), fc.nat().map((n) => base64url(`audit:${n}`)),
        fc.constantFrom('garbage', base64url('audit:-1'), base64url('audit:99999999999999999999'), base64url('audit:1 OR 1=1'), base64url('audit:9223372036854775808')),
      );
    case 'first':
      return fc.constantFrom(1, 50, 200, 0, -1, 201, 2_147_483_647, 2_147_483_648);
    case 'type':
      return fc.constantFrom('login', 'user.signed_up', 'policy.updated', '%', '_', "'");
    case 'baseUrl':
      return fc.constantFrom(pools.providerUrl, 'http://127.0.0.1:9/sms', 'https://localhost:1/x', 'ftp://127.0.0.1/x', 'not a url', 'http://', 'javascript:alert(1)', 'http://[::1]:9/');
    case 'sender':
      return fc.constantFrom('+15005550006', 'HONNIN', 'A'.repeat(12), '');
    case 'countries':
    case 'allowedCountries':
      return fc.constantFrom('JP', 'US', 'GB', 'XX', 'jp', 'J', 'JPN', '');
    case 'blockedPrefixes':
    case 'allowedHighRiskPrefixes':
      return fc.constantFrom('+1', '+8190', '+882', '+0', '1', `+${'9'.repeat(16)}`);
    case 'webOtpDomain':
      return fc.constantFrom('example.com', 'EXAMPLE.com', '-bad-.com', `${'a'.repeat(64)}.com`, 'localhost', '');
    case 'text':
      return fc.constantFrom('{code}', '{app}: {code} ({minutes} min)', 'no placeholder', '{code}'.repeat(40), '{code} \u0000', '{code} 😀', '{code} {unknown}');
    case 'expectedVersion':
      return fc.constantFrom(1, 2, 3, 0, -1, 2_147_483_647);
    default:
      return undefined;
  }
}

const credentialsArb: fc.Arbitrary<unknown> = fc.oneof(
  fc.constantFrom({ secret: 'whsec-fuzz-0123456789abcdef' }, { accountSid: `AC${'0'.repeat(32)}`, authToken: 'f'.repeat(32) }, {}, { secret: '' }),
  fc.dictionary(fc.constantFrom('secret', 'token', 'tenantId', 'serviceId', 'apiKey', 'apiSecret', 'accessKeyId', 'secretAccessKey', 'region'), nastyStringArb, { maxKeys: 4 }),
  fc.dictionary(fc.string({ maxLength: 10 }), fc.anything({ maxDepth: 2 }), { maxKeys: 4 }),
  wrongTypeArb,
);

/** In-range values of the policy's numbers (DESIGN §6), for the gentle cases that should get past validation. */
const GENTLE_INTEGERS: Record<string, number[]> = {
  length: [6, 8, 10], ttlSeconds: [60, 300, 600], maxAttempts: [1, 5, 10], resendCooldownSeconds: [0, 30, 3600], maxSendsPerChallenge: [1, 3, 10],
  maxAgeSeconds: [60, 300], minLength: [15, 64], aal1MaxSeconds: [86_400, 2_592_000], aal1IdleSeconds: [3600, 604_800], aal2MaxSeconds: [3600, 43_200],
  aal2IdleSeconds: [60, 1800], prefixBurstFactor: [2, 10],
};

function scalarArb(typeName: string, name: string, pools: FuzzPools, hostile: boolean): fc.Arbitrary<unknown> {
  const hint = hintFor(name, pools);
  switch (typeName) {
    case 'String':
    case 'ID':
      if (!hostile) return fc.oneof(hint ?? fc.string({ unit: 'grapheme-ascii', minLength: 1, maxLength: 20 }), nastyStringArb);
      return fc.oneof(...(hint ? [{ arbitrary: hint, weight: 6 }] : []), { arbitrary: nastyStringArb, weight: 3 }, { arbitrary: wrongTypeArb, weight: 1 });
    case 'Int':
      if (!hostile) return hint ?? fc.constantFrom(...(GENTLE_INTEGERS[name] ?? [1, 10, 100, 1000]));
      return hint ? fc.oneof({ arbitrary: hint, weight: 3 }, { arbitrary: intArb, weight: 1 }) : intArb;
    case 'Boolean':
      return hostile ? fc.oneof({ arbitrary: fc.boolean(), weight: 8 }, { arbitrary: wrongTypeArb, weight: 1 }) : fc.boolean();
    case 'DateTime':
      return hostile ? dateArb : fc.date({ min: new Date('2020-01-01T00:00:00Z'), max: new Date('2030-01-01T00:00:00Z'), noInvalidDate: true }).map((d) => d.toISOString());
    case 'JSONObject':
      return hostile ? credentialsArb : fc.constantFrom({ secret: 'whsec-fuzz-0123456789abcdef' }, { accountSid: `AC${'0'.repeat(32)}`, authToken: 'f'.repeat(32) });
    default:
      return fc.anything({ maxDepth: 2 });
  }
}

/**
 * A value for an argument or input field of `type` named `name`. Hostile values break the type
 * anywhere (nulls, wrong types, huge lists, extra fields); gentle ones keep the type and the
 * required fields, so the odd content of their leaves reaches the use cases.
 */
function valueArb(type: GraphQLInputType, name: string, pools: FuzzPools, hostile: boolean): fc.Arbitrary<unknown> {
  if (isNonNullType(type)) {
    const inner = valueArb(type.ofType, name, pools, hostile);
    return hostile ? fc.oneof({ arbitrary: inner, weight: 15 }, { arbitrary: fc.constant(null), weight: 1 }) : inner;
  }
  if (isListType(type)) {
    const items = fc.array(valueArb(type.ofType, name, pools, hostile), { maxLength: hostile ? 4 : 3 });
    if (!hostile) return items;
    return fc.oneof(
      { arbitrary: items, weight: 10 },
      { arbitrary: valueArb(type.ofType, name, pools, hostile), weight: 1 },
      { arbitrary: fc.constantFrom(101, 300, 1500).map((n) => Array.from({ length: n }, (_, i) => `x${i}`)), weight: 1 },
    );
  }
  if (isInputObjectType(type)) {
    const object = inputObjectArb(type, pools, hostile);
    return hostile ? fc.oneof({ arbitrary: object, weight: 15 }, { arbitrary: wrongTypeArb, weight: 1 }) : object;
  }
  if (isEnumType(type)) {
    const values = fc.constantFrom(...type.getValues().map((v) => v.name));
    if (!hostile) return values;
    return fc.oneof({ arbitrary: values, weight: 10 }, { arbitrary: fc.constantFrom('aal2', 'AAL3', '', 'CONSOLE ', 'null'), weight: 1 }, { arbitrary: wrongTypeArb, weight: 1 });
  }
  return scalarArb(type.name, name, pools, hostile);
}

/** Sometimes OMITTED: `present` in `present + absent` of the cases. */
function maybe<T>(arb: fc.Arbitrary<T>, present: number, absent: number): fc.Arbitrary<Maybe<T>> {
  return fc.oneof({ arbitrary: arb, weight: present }, { arbitrary: fc.constant(OMITTED), weight: absent });
}

/** Required fields are mostly there (always, when gentle), optional ones now and then, and, when hostile, a field the type lacks. */
function inputObjectArb(type: GraphQLInputObjectType, pools: FuzzPools, hostile: boolean): fc.Arbitrary<Record<string, unknown>> {
  const entries = Object.values(type.getFields()).map((field) => {
    const value = valueArb(field.type, field.name, pools, hostile);
    const required = isNonNullType(field.type);
    return (required ? (hostile ? maybe(value, 19, 1) : value) : maybe(value, 2, 3)).map((v) => [field.name, v] as const);
  });
  const extra = hostile
    ? fc.oneof({ arbitrary: fc.constant(null), weight: 9 }, { arbitrary: fc.tuple(fc.constantFrom('extra', '__proto__', 'constructor', 'tenantId', 'id', 'aal', 'isAdmin'), wrongTypeArb), weight: 1 })
    : fc.constant(null);
  return fc.tuple(fc.tuple(...entries), extra).map(([values, added]) => {
    const present = values.filter(([, value]) => value !== OMITTED) as [string, unknown][];
    return Object.fromEntries(added ? [...present, added] : present);
  });
}

/** The field's answer, every leaf to three levels: enough for a result to be read in full. */
function selectionOf(type: GraphQLOutputType, depth = 0): string {
  const named = getNamedType(type);
  if (!isObjectType(named)) return '';
  if (depth >= 3) return '{ __typename }';
  const fields = Object.values(named.getFields()).map((f) => (isLeafType(getNamedType(f.type)) ? f.name : `${f.name} ${selectionOf(f.type, depth + 1)}`));
  return `{ ${fields.join(' ')} }`;
}

/** `value` as a GraphQL literal of `type` (enums bare), for requests that inline their arguments. */
function literal(value: unknown, type: GraphQLInputType | undefined): string {
  if (value === null || value === undefined) return 'null';
  const inner = type && isNonNullType(type) ? type.ofType : type;
  const named = inner ? getNamedType(inner) : undefined;
  if (typeof value === 'string') return named && isEnumType(named) && /^[_A-Za-z][_0-9A-Za-z]*$/.test(value) ? value : JSON.stringify(value);
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  if (Array.isArray(value)) return `[${value.map((item) => literal(item, inner && isListType(inner) ? inner.ofType : undefined)).join(', ')}]`;
  if (typeof value === 'object') {
    const fields = named && isInputObjectType(named) ? named.getFields() : {};
    return `{ ${Object.entries(value).map(([key, item]) => `${key}: ${literal(item, fields[key]?.type)}`).join(', ')} }`;
  }
  return JSON.stringify(String(value));
}

const MALFORMED_BODIES = ['not json', '', '{', 'null', '[]', '{"query": 5}', '{"query": null}', '{"query": ""}'];
const INTROSPECTION = ['{ __schema { types { name } } }', '{ __type(name: "Mutation") { fields { name args { name } } } }', '{ __typename }'];

interface Built {
  document: string;
  variables: Record<string, unknown>;
}

/** A broken request about `operation`: a cut document, unknown fields, wrong shapes of body, batches, introspection, alias floods... */
function malformedBody(choice: number, cut: number, op: string, kind: string, selection: string, valid: Built): string {
  const { document, variables } = valid;
  const bodies = [
    () => JSON.stringify({ query: document.slice(0, cut % Math.max(1, document.length)), variables }),
    () => JSON.stringify({ query: `${kind} { ${op} { notAField } }` }),
    () => JSON.stringify({ query: document.replace(`${op}(`, `${op}(bogus: 1, `), variables }),
    () => MALFORMED_BODIES[cut % MALFORMED_BODIES.length],
    () => JSON.stringify({ query: document, variables: 'not an object' }),
    () => JSON.stringify({ query: document, variables, operationName: 'NoSuchOperation' }),
    () => JSON.stringify([{ query: document, variables }, { query: document, variables }]),
    () => JSON.stringify({ query: INTROSPECTION[cut % INTROSPECTION.length] }),
    () => JSON.stringify({ query: `${document} ${document}`, variables }),
    () => JSON.stringify({ query: `fragment A on ${kind === 'query' ? 'Query' : 'Mutation'} { ...B } fragment B on ${kind === 'query' ? 'Query' : 'Mutation'} { ...A } ${kind} { ...A }` }),
    () => JSON.stringify({ query: `subscription { ${op} ${selection} }` }),
    () => JSON.stringify({ query: `${kind} { ${Array.from({ length: 16 }, (_, i) => `a${i}: ${op} ${selection}`).join(' ')} }` }),
    () => JSON.stringify({ query: document.replace(`${op}`, `${op} @skip(if: "yes")`), variables }),
  ];
  return bodies[choice % bodies.length]();
}

function operationField(schema: GraphQLSchema, operation: string): { field: GraphQLField<unknown, unknown>; kind: 'query' | 'mutation' } {
  const mutation = schema.getMutationType()?.getFields()[operation];
  const field = mutation ?? schema.getQueryType()?.getFields()[operation];
  if (!field) throw new Error(`${operation} is not an operation of the schema`);
  return { field, kind: mutation ? 'mutation' : 'query' };
}

/** Requests for `operation` (a field of Query or Mutation). */
export function fuzzRequestArb(schema: GraphQLSchema, operation: string, pools: FuzzPools): fc.Arbitrary<FuzzRequest> {
  const { field, kind } = operationField(schema, operation);
  const family = CALLER_OF[operation];
  const selection = selectionOf(field.type);
  const argsOf = (hostile: boolean) =>
    fc.tuple(
      ...field.args.map((arg) => {
        const value = valueArb(arg.type, arg.name, pools, hostile);
        return isNonNullType(arg.type) ? (hostile ? maybe(value, 19, 1) : value) : maybe(value, 2, 3);
      }),
    ) as fc.Arbitrary<Maybe<unknown>[]>;
  const args = fc.oneof(argsOf(false), argsOf(true));
  const credential = fc.oneof(
    { arbitrary: fc.constantFrom(...RIGHT_CREDENTIALS[family]), weight: OTHER_CREDENTIALS.length },
    { arbitrary: fc.constantFrom(...OTHER_CREDENTIALS), weight: OTHER_CREDENTIALS.length },
  );
  const garbage = fc.oneof(fc.stringMatching(/^[!-~]{0,60}$/), fc.constantFrom('', 'null', 'x'.repeat(129), `hnn_${'A'.repeat(43)}`, 'Bearer', 'a b c'));
  const tenantHeader = fc.oneof(
    { arbitrary: fc.constant(undefined), weight: 8 },
    { arbitrary: fc.constantFrom(null, '', 'no-such-tenant', 'a'.repeat(300), "acme' OR '1'='1", '../admin', ' ', ...pools.slugs.map((s) => s.toUpperCase())), weight: 2 },
  );
  const mode = fc.oneof(
    { arbitrary: fc.constant('variables' as const), weight: 14 },
    { arbitrary: fc.constant('inline' as const), weight: 4 },
    { arbitrary: fc.constant('malformed' as const), weight: 2 },
  );
  const contentType = fc.oneof(
    { arbitrary: fc.constant('application/json'), weight: 30 },
    { arbitrary: fc.constantFrom('text/plain', 'application/x-www-form-urlencoded', 'application/json; charset=latin1', 'application/graphql'), weight: 1 },
  );
  return fc.record({ args, credential, garbage, tenantHeader, mode, contentType, choice: fc.nat(), cut: fc.nat() }).map((c) => {
    const present = field.args.map((arg, i) => [arg, c.args[i]] as const).filter(([, value]) => value !== OMITTED);
    const declared = present.map(([arg]) => `$${arg.name}: ${arg.type.toString()}`).join(', ');
    const passed = present.map(([arg]) => `${arg.name}: $${arg.name}`).join(', ');
    const call = (list: string) => `${operation}${list ? `(${list})` : ''} ${selection}`;
    const valid: Built = {
      document: `${kind} Fuzz${declared ? `(${declared})` : ''} { ${call(passed)} }`,
      variables: Object.fromEntries(present.map(([arg, value]) => [arg.name, value])),
    };
    let body: string;
    if (c.mode === 'variables') body = JSON.stringify({ query: valid.document, variables: valid.variables });
    else if (c.mode === 'inline') body = JSON.stringify({ query: `${kind} { ${call(present.map(([arg, value]) => `${arg.name}: ${literal(value, arg.type)}`).join(', '))} }` });
    else body = malformedBody(c.choice, c.cut, operation, kind, selection, valid);
    return { operation, mode: c.mode, credential: c.credential, garbage: c.garbage, tenantHeader: c.tenantHeader, contentType: c.contentType, body };
  });
}

/**
 * Strings at the edge of what storage and parsers take: U+0000 (refused by Postgres text and jsonb),
 * a lone surrogate, nothing, 10 000 characters, a right-to-left override, blanks.
 */
export const EDGE_STRINGS = ['a\u0000b', 'a\ud800b', '', 'x'.repeat(10_000), '\u202egnp.exe', ' \t '];

/** The paths of the String and ID leaves of `value` (and the string values of a JSONObject) under `type`. */
function stringLeaves(type: GraphQLInputType, value: unknown, path: (string | number)[]): (string | number)[][] {
  const inner = isNonNullType(type) ? type.ofType : type;
  if (isListType(inner)) return Array.isArray(value) ? value.flatMap((item, i) => stringLeaves(inner.ofType, item, [...path, i])) : [];
  if (isInputObjectType(inner)) {
    const object = (value ?? {}) as Record<string, unknown>;
    return Object.entries(inner.getFields()).flatMap(([name, f]) => (name in object ? stringLeaves(f.type, object[name], [...path, name]) : []));
  }
  if (!isScalarType(inner)) return [];
  if ((inner.name === 'String' || inner.name === 'ID') && typeof value === 'string') return [path];
  if (inner.name === 'JSONObject' && value && typeof value === 'object') return Object.keys(value).map((key) => [...path, key]);
  return [];
}

/**
 * `variables`, a valid call of `operation`, with each string leaf in turn replaced by each of
 * EDGE_STRINGS: every place a string reaches the service meets every edge, whatever the random draw.
 */
export function edgeRequests(schema: GraphQLSchema, operation: string, variables: Record<string, unknown>, credential: CredentialKind): FuzzRequest[] {
  const { field, kind } = operationField(schema, operation);
  const args = field.args.filter((arg) => arg.name in variables);
  const document = `${kind} Edge(${args.map((arg) => `$${arg.name}: ${arg.type.toString()}`).join(', ')}) { ${operation}(${args.map((arg) => `${arg.name}: $${arg.name}`).join(', ')}) ${selectionOf(field.type)} }`;
  const leaves = args.flatMap((arg) => stringLeaves(arg.type, variables[arg.name], [arg.name]));
  return leaves.flatMap((path) =>
    EDGE_STRINGS.map((edge) => {
      const changed = structuredClone(variables);
      const parent = path.slice(0, -1).reduce<Record<string | number, unknown>>((node, key) => node[key] as Record<string | number, unknown>, changed);
      parent[path[path.length - 1]] = edge;
      return { operation, mode: 'edge' as const, credential, garbage: '', tenantHeader: undefined, contentType: 'application/json', body: JSON.stringify({ query: document, variables: changed }) };
    }),
  );
}

/** Whether any argument of `operation`, however deep, is a string: such an operation needs an edge case. */
export function takesStrings(schema: GraphQLSchema, operation: string): boolean {
  const seen = new Set<string>();
  const stringy = (type: GraphQLInputType): boolean => {
    const named = getNamedType(type);
    if (isScalarType(named)) return ['String', 'ID', 'JSONObject'].includes(named.name);
    if (!isInputObjectType(named) || seen.has(named.name)) return false;
    seen.add(named.name);
    return Object.values(named.getFields()).some((f) => stringy(f.type));
  };
  return operationField(schema, operation).field.args.some((arg) => stringy(arg.type));
}
