import { ConsoleLogger, Logger } from '@nestjs/common';
import { Test } from '@nestjs/testing';

// Tests provoke errors on purpose; Nest's log lines would bury Jest's report. TEST_LOG=1 shows them.
if (!process.env.TEST_LOG) {
  Logger.overrideLogger(false);
  // compile() installs Nest's TestingLogger, which prints every error, unless the builder got a logger of its own.
  const createTestingModule = Test.createTestingModule.bind(Test);
  Test.createTestingModule = (...args) => createTestingModule(...args).setLogger(new ConsoleLogger({ logLevels: [] }));
}
