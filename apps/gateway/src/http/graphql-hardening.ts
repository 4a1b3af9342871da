import type { ApolloServerPlugin } from '@apollo/server';
import { ApolloArmor } from '@escape.tech/graphql-armor';
import type { NextFunction, Request, Response } from 'express';
import type { ParseOptions, ValidationRule } from 'graphql';
import type { Logger } from 'pino';
import type { RequestWithId } from './request-id';

/**
 * SECURITY 22. The heaviest legitimate operation the API admits is one full page of audit events
 * (`auditEvents(first: 200)` selecting every field, cursor and pageInfo): cost 10 600 under the cost
 * model below (the full tenantPolicy selection costs 104, the heaviest query the e2e suites send 1 962.5).
 * 12 000 lets that page through and refuses two of them, or a flood of aliased lists, in one request.
 * Legitimate operations are at most 4 levels deep and under 100 tokens.
 */
export const GRAPHQL_LIMITS = {
  maxDepth: 10,
  maxAliases: 15,
  maxDirectives: 20,
  maxTokens: 2000,
  maxCost: 12_000,
  requestTimeoutMs: 10_000,
} as const;

export interface GraphqlHardening {
  validationRules: ValidationRule[];
  parseOptions: ParseOptions;
  plugins: ApolloServerPlugin[];
}

/**
 * Depth, alias, directive and cost limits as validation rules (graphql-armor), so a refused document is a
 * validation error (400, BAD_USER_INPUT) and never executes. Two armor parts are left off on purpose:
 * its Apollo token plugin throws from `parsingDidStart` (a 500) and rewrites every unexpected server
 * error into a validation error that carries the internal message, so graphql-js' own token limit is used
 * instead; its suggestion mask misses most of graphql-js' wordings, so `hiddenSuggestionsPlugin` does that.
 */
export function graphqlHardening(options: { production: boolean }): GraphqlHardening {
  const armor = new ApolloArmor({
    maxDepth: { n: GRAPHQL_LIMITS.maxDepth, flattenFragments: true },
    maxAliases: { n: GRAPHQL_LIMITS.maxAliases },
    maxDirectives: { n: GRAPHQL_LIMITS.maxDirectives },
    costLimit: { maxCost: GRAPHQL_LIMITS.maxCost, flattenFragments: true },
    maxTokens: { enabled: false },
    blockFieldSuggestion: { enabled: false },
  }).protect();
  return {
    validationRules: armor.validationRules,
    parseOptions: { maxLexicalTokens: GRAPHQL_LIMITS.maxTokens },
    plugins: options.production ? [hiddenSuggestionsPlugin] : [],
  };
}

/** Drops graphql-js' "Did you mean …?" hints, which would let a stranger map the schema without introspection. */
export function withoutSuggestions(message: string): string {
  return message.replace(/\s*Did you mean [^?]*\?/g, '');
}

/** Applies `withoutSuggestions` to every error of a request: parse, validation, variable coercion and execution. */
export const hiddenSuggestionsPlugin: ApolloServerPlugin = {
  async requestDidStart() {
    return {
      async didEncounterErrors({ errors }) {
        for (const error of errors) error.message = withoutSuggestions(error.message);
      },
    };
  },
};

/** The timer functions the request timeout uses; tests pass their own to fire it on demand. */
export interface Timers {
  setTimeout(callback: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

const NODE_TIMERS: Timers = {
  setTimeout: (callback, ms) => setTimeout(callback, ms),
  clearTimeout: (handle) => clearTimeout(handle as NodeJS.Timeout),
};

/**
 * Express middleware for /graphql: a request still unanswered after `timeoutMs` gets a 503 with a typed
 * INTERNAL error, and the response is then sealed, so the GraphQL handler's late result is dropped
 * rather than written after (or into) that answer. Resolvers already running finish on their own; the
 * event loop was never theirs, so every other request keeps being served meanwhile.
 */
export function graphqlRequestTimeout(options: { timeoutMs: number; logger?: Pick<Logger, 'warn'>; timers?: Timers }) {
  const timers = options.timers ?? NODE_TIMERS;
  return (req: Request, res: Response, next: NextFunction): void => {
    const timer = timers.setTimeout(() => {
      if (res.headersSent) return;
      const requestId = (req as Partial<RequestWithId>).id;
      options.logger?.warn({ requestId, timeoutMs: options.timeoutMs }, 'GraphQL request timed out');
      res.status(503).json({
        errors: [{
          message: `The request did not finish within ${options.timeoutMs / 1000} s; a mutation in it may still take effect.`,
          extensions: { code: 'INTERNAL', requestId },
        }],
      });
      seal(res);
    }, options.timeoutMs);
    res.once('close', () => timers.clearTimeout(timer));
    next();
  };
}

/** Turns every later header or body write on an answered response into a no-op (express would throw or destroy the socket). */
function seal(res: Response): void {
  res.setHeader = () => res;
  res.writeHead = () => res;
  res.write = () => true;
  res.end = () => res;
}
