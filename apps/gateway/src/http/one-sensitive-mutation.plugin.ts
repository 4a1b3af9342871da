import type { ApolloServerPlugin } from '@apollo/server';
import { FragmentDefinitionNode, GraphQLError, Kind, SelectionSetNode } from 'graphql';

/** SECURITY 21: these may not share a request (counting aliases and fragments), so no request multiplies guesses. */
export const SENSITIVE_MUTATIONS = new Set([
  'login', 'signUp', 'startSmsChallenge', 'resendSmsChallenge', 'verifySmsChallenge', 'changePassword',
]);

/** Refuses, before any resolver runs, a request whose mutation selects more than one sensitive field. */
export const oneSensitiveMutationPlugin: ApolloServerPlugin = {
  async requestDidStart() {
    return {
      async didResolveOperation({ operation, document }) {
        if (operation?.operation !== 'mutation') return;
        const fragments = new Map(
          document.definitions
            .filter((d): d is FragmentDefinitionNode => d.kind === Kind.FRAGMENT_DEFINITION)
            .map((d) => [d.name.value, d]),
        );
        if (countSensitive(operation.selectionSet, fragments, new Set()) > 1) {
          throw new GraphQLError('A request may carry at most one sign-in, code or password operation.', {
            extensions: { code: 'BAD_USER_INPUT', http: { status: 400 } },
          });
        }
      },
    };
  },
};

function countSensitive(set: SelectionSetNode, fragments: Map<string, FragmentDefinitionNode>, seen: Set<string>): number {
  let count = 0;
  for (const selection of set.selections) {
    if (selection.kind === Kind.FIELD) {
      if (SENSITIVE_MUTATIONS.has(selection.name.value)) count++;
    } else if (selection.kind === Kind.INLINE_FRAGMENT) {
      count += countSensitive(selection.selectionSet, fragments, seen);
    } else {
      const fragment = fragments.get(selection.name.value);
      if (fragment && !seen.has(fragment.name.value)) {
        seen.add(fragment.name.value);
        count += countSensitive(fragment.selectionSet, fragments, seen);
      }
    }
  }
  return count;
}
