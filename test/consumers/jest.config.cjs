// `npm run test:consumers`: the packed package installed into fixture apps outside the repository.
// Its own config (the main `npm test` matches only `*.spec.ts`), one file, long timeouts.
const ROOT = require('node:path').join(__dirname, '..', '..');

module.exports = {
  rootDir: ROOT,
  testEnvironment: 'node',
  roots: ['<rootDir>/test/consumers'],
  testMatch: ['<rootDir>/test/consumers/*.e2e.ts'],
  testPathIgnorePatterns: ['/node_modules/', '-app/'],
  transform: { '^.+\\.ts$': ['ts-jest', { tsconfig: '<rootDir>/test/tsconfig.json' }] },
  testTimeout: 240_000,
};
