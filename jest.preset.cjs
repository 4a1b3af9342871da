// Shared Jest settings. Nest 12 ships ESM only; @swc/jest transforms it (and our TypeScript, with
// legacy decorators and their metadata) so Jest on Node 20 can load it.
const esmPackages = [
  '@nestjs', 'file-type', 'strtok3', 'token-types', '@tokenizer', 'uint8array-extras', '@borewit',
  'load-esm', 'cookie',
];
module.exports = {
  testEnvironment: 'node',
  // Starting an embedded PGlite takes seconds on a busy 2-core machine; unit tests finish long before.
  testTimeout: 60_000,
  resolver: '@nx/jest/plugins/resolver',
  moduleFileExtensions: ['ts', 'js', 'mjs', 'cjs', 'json'],
  testMatch: ['**/?(*.)+(spec|int-spec).ts'],
  transform: {
    '^.+\\.(ts|js|mjs|cjs)$': [
      '@swc/jest',
      {
        jsc: {
          parser: { syntax: 'typescript', decorators: true },
          transform: { legacyDecorator: true, decoratorMetadata: true },
          target: 'es2022',
        },
        module: { type: 'commonjs' },
      },
    ],
  },
  transformIgnorePatterns: [`node_modules/(?!(${esmPackages.join('|')})/)`],
};
