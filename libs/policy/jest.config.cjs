module.exports = { displayName: 'policy', preset: '../../jest.preset.cjs', rootDir: __dirname };
