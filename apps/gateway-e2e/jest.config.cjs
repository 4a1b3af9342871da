// Black-box tests against the built gateway (dist/apps/gateway/main.js), one process per suite.
module.exports = { displayName: 'gateway-e2e', preset: '../../jest.preset.cjs', rootDir: __dirname, testTimeout: 60000, maxWorkers: 2 };
