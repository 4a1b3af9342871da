// The reliability suite (`npm run test:reliability`): black-box attacks on the built gateway, one
// scenario per file, run one file at a time because several restart or kill processes they share.
module.exports = {
  displayName: 'reliability',
  preset: '../../jest.preset.cjs',
  rootDir: __dirname,
  testMatch: ['<rootDir>/src/reliability/**/*.reliability.ts'],
  testTimeout: 180_000,
  maxWorkers: 1,
};
