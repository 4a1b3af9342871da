// One GraphQL POST for setting up and probing; the load itself goes through autocannon.

/** Headers for a request as a tenant's user, as a tenant admin, or as the operator. */
export function authHeaders({ tenant, sessionToken, apiKey, operatorToken } = {}) {
  const headers = { 'content-type': 'application/json' };
  if (tenant) headers['x-tenant-id'] = tenant;
  if (sessionToken) headers.authorization = `Bearer ${sessionToken}`;
  if (apiKey) headers.authorization = `ApiKey ${apiKey}`;
  if (operatorToken) headers['x-operator-token'] = operatorToken;
  return headers;
}

/** Posts `body` to `${url}/graphql`; throws unless the answer is 200 with data and no errors. */
export async function postGraphql(url, headers, body) {
  const response = await fetch(`${url}/graphql`, { method: 'POST', headers, body });
  const text = await response.text();
  let json;
  try {
    json = JSON.parse(text);
  } catch {
    throw new Error(`HTTP ${response.status}, not JSON: ${text.slice(0, 300)}`);
  }
  if (response.status !== 200 || json.errors || !json.data) {
    throw new Error(`HTTP ${response.status}: ${text.slice(0, 500)}`);
  }
  return json.data;
}

export function graphqlBody(query, variables) {
  return JSON.stringify(variables ? { query, variables } : { query });
}
