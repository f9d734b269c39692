import { describeLoadFaults } from './support/fault-suites';
import { FAST_FAULTS } from './support/fault-scales';

// Connection storm, pool exhaustion and SIGTERM under load, short; `npm run test:soak` runs them long.
describeLoadFaults(FAST_FAULTS);
