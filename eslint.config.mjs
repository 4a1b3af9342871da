import nx from '@nx/eslint-plugin';

// The import matrix of DESIGN.md §1. Production code may not import the `testing` lib; test files may.
const frameworkAndIo = ['@nestjs/*', 'typeorm', '@nestjs/typeorm', 'pg', 'node:http', 'node:https', 'http', 'https', 'undici', 'axios', 'express'];
const depConstraints = (testingAllowed) => {
  const withTesting = (tags) => (testingAllowed ? [...tags, 'type:testing'] : tags);
  return [
    { sourceTag: 'type:domain', onlyDependOnLibsWithTags: withTesting(['type:domain']), bannedExternalImports: frameworkAndIo },
    { sourceTag: 'type:adapter', onlyDependOnLibsWithTags: withTesting(['type:domain']) },
    { sourceTag: 'type:data-access', onlyDependOnLibsWithTags: withTesting(['type:domain']) },
    { sourceTag: 'type:feature', onlyDependOnLibsWithTags: withTesting(['type:domain', 'type:data-access', 'type:adapter']) },
    { sourceTag: 'type:app', onlyDependOnLibsWithTags: withTesting(['type:domain', 'type:data-access', 'type:adapter', 'type:feature']) },
    { sourceTag: 'type:e2e', onlyDependOnLibsWithTags: ['type:testing', 'type:domain'] },
    { sourceTag: 'type:testing', onlyDependOnLibsWithTags: ['*'] },
  ];
};
const testFiles = ['**/*.spec.ts', '**/*.int-spec.ts', '**/test/**/*.ts'];

export default [
  ...nx.configs['flat/base'],
  ...nx.configs['flat/typescript'],
  ...nx.configs['flat/javascript'],
  { ignores: ['**/dist', '**/node_modules', '**/.nx', '**/tmp', '**/.honnin-data'] },
  {
    files: ['**/*.ts'],
    ignores: testFiles,
    rules: {
      '@nx/enforce-module-boundaries': ['error', { enforceBuildableLibDependency: true, allow: [], depConstraints: depConstraints(false) }],
    },
  },
  {
    files: testFiles,
    rules: {
      '@nx/enforce-module-boundaries': ['error', { allow: [], depConstraints: depConstraints(true) }],
    },
  },
  {
    files: ['**/*.ts'],
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      'no-console': ['error', { allow: ['error'] }],
    },
  },
  {
    files: ['tools/**/*', '**/*.mjs', '**/*.cjs'],
    rules: { 'no-console': 'off' },
  },
];
