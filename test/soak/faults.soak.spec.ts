import { describeLoadFaults, describeServerFaults } from '../support/fault-suites';
import { SOAK_FAULTS } from '../support/fault-scales';

jest.setTimeout(15 * 60_000);

describeLoadFaults(SOAK_FAULTS);
describeServerFaults(SOAK_FAULTS);
