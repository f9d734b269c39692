// `npm run test:soak`: the long forms of the fault and hostile-input tests (test/soak), with the
// same transform, global setup and logging as `npm test`, which leaves test/soak out.
const { jest: base } = require('../../package.json');

module.exports = {
  ...base,
  rootDir: '../..',
  roots: ['<rootDir>/test/soak'],
  testPathIgnorePatterns: ['/node_modules/'],
  testTimeout: 15 * 60_000,
  maxWorkers: 1,
};
