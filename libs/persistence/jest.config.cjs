module.exports = { displayName: 'persistence', preset: '../../jest.preset.cjs', rootDir: __dirname };
