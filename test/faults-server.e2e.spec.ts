import { describeServerFaults } from './support/fault-suites';
import { FAST_FAULTS } from './support/fault-scales';

// Degraded start and server restarts under load, short; `npm run test:soak` runs them long.
describeServerFaults(FAST_FAULTS);
