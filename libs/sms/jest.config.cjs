module.exports = { displayName: 'sms', preset: '../../jest.preset.cjs', rootDir: __dirname };
