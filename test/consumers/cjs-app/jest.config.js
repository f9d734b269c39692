/** Jest for this CommonJS app: ts-jest, and the package's PostgreSQL global setup and teardown. */
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
