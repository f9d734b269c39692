import { Logger } from '@nestjs/common';

// Tests provoke errors on purpose; Nest's log lines would bury Jest's report. TEST_LOG=1 shows them.
if (!process.env.TEST_LOG) Logger.overrideLogger(false);
