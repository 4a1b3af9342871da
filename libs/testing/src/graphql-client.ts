export interface GraphqlResult<T = Record<string, unknown>> {
  status: number;
  data: T | null;
  errors: { message: string; extensions?: Record<string, unknown>; path?: string[] }[] | undefined;
  /** `extensions.code` of the first error. */
  code: string | undefined;
  raw: string;
}

export interface GraphqlCall {
  tenant?: string;
  token?: string;
  apiKey?: string;
  operatorToken?: string;
  variables?: Record<string, unknown>;
  headers?: Record<string, string>;
}

/** Answers are read by tests field by field; their shape is the schema's, not a TypeScript type. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type AnyData = Record<string, any>;

/** A client speaking the public contract, as a frontend or a tenant admin would. */
export class GraphqlClient {
  constructor(readonly baseUrl: string) {}

  async request<T = AnyData>(query: string, call: GraphqlCall = {}): Promise<GraphqlResult<T>> {
    const headers: Record<string, string> = { 'content-type': 'application/json', ...call.headers };
    if (call.tenant) headers['x-tenant-id'] = call.tenant;
    if (call.token) headers['authorization'] = `Bearer ${call.token}`;
    if (call.apiKey) headers['authorization'] = `ApiKey ${call.apiKey}`;
    if (call.operatorToken) headers['x-operator-token'] = call.operatorToken;
    return this.post(JSON.stringify({ query, variables: call.variables }), headers);
  }

  async post<T = AnyData>(body: string, headers: Record<string, string>): Promise<GraphqlResult<T>> {
    const response = await fetch(`${this.baseUrl}/graphql`, { method: 'POST', headers, body });
    const raw = await response.text();
    let parsed: { data?: T; errors?: GraphqlResult['errors'] } = {};
    try {
      parsed = JSON.parse(raw);
    } catch {
      parsed = { errors: [{ message: raw.slice(0, 200), extensions: { code: `HTTP_${response.status}` } }] };
    }
    return {
      status: response.status,
      data: parsed.data ?? null,
      errors: parsed.errors,
      code: parsed.errors?.[0]?.extensions?.['code'] as string | undefined,
      raw,
    };
  }
}
