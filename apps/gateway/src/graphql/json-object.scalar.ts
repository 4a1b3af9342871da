import { GraphQLError, GraphQLScalarType, Kind, ValueNode } from 'graphql';

/** A flat JSON object of strings, written inline (`{secret: "x"}`) or as a variable. For write-only credentials. */
export const JsonObjectScalar = new GraphQLScalarType({
  name: 'JSONObject',
  description: 'A JSON object whose values are strings.',
  serialize: () => {
    throw new GraphQLError('JSONObject is input only.');
  },
  parseValue: (value) => stringRecord(value),
  parseLiteral: (ast) => stringRecord(literal(ast)),
});

function literal(ast: ValueNode): unknown {
  if (ast.kind === Kind.OBJECT) return Object.fromEntries(ast.fields.map((f) => [f.name.value, literal(f.value)]));
  if (ast.kind === Kind.STRING) return ast.value;
  throw new GraphQLError('JSONObject values must be strings.');
}

function stringRecord(value: unknown): Record<string, string> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new GraphQLError('Expected a JSON object.');
  const entries = Object.entries(value);
  if (entries.length > 20 || entries.some(([k, v]) => typeof v !== 'string' || k.length > 64 || v.length > 4096)) {
    throw new GraphQLError('Expected at most 20 string fields.');
  }
  return Object.fromEntries(entries) as Record<string, string>;
}
