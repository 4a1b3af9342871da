module.exports = { displayName: 'otp', preset: '../../jest.preset.cjs', rootDir: __dirname };
