/**
 * Jest for both apps, run as CommonJS: the package is CommonJS and loads ESM-only NestJS 12 through
 * require(esm), which Jest's sandbox lacks before Node 24.9, so native ESM mode cannot load it; ts-jest
 * compiles the app's files to CommonJS and the package's transform compiles NestJS 12's.
 */
module.exports = {
  testEnvironment: 'node',
  rootDir: '.',
  testRegex: '\\.e2e-spec\\.ts$',
  transform: {
    '^.+\\.ts$': ['ts-jest', { tsconfig: '<rootDir>/test/tsconfig.json' }],
    '^.+\\.js$': 'nest-pg-database/testing/jest-esm-transform',
  },
  // NestJS 12 and the ESM-only packages it loads, compiled to CommonJS for Jest's sandbox.
  transformIgnorePatterns: ['/node_modules/(?!(@nestjs|file-type|strtok3|token-types|@tokenizer|uint8array-extras)/)'],
  globalSetup: '<rootDir>/test/global-setup.ts',
  globalTeardown: '<rootDir>/test/global-teardown.ts',
  moduleNameMapper: { '^(\\.{1,2}/.*)\\.js$': '$1' },
  testTimeout: 60000,
};
