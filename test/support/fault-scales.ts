import type { FaultScale } from './fault-suites';

/** The fault scenarios in `npm test`: seconds each. */
export const FAST_FAULTS: FaultScale = {
  name: 'fast',
  clients: 50,
  stormMs: 6_000,
  stormEveryMs: 1_000,
  exhaustionRequests: 1_000,
  exhaustionWaves: 1,
  restarts: 1,
  loadBeforeSigtermMs: 1_500,
};

/** The same in `npm run test:soak`: minutes. */
export const SOAK_FAULTS: FaultScale = {
  name: 'soak',
  clients: 100,
  stormMs: 120_000,
  stormEveryMs: 2_000,
  exhaustionRequests: 1_000,
  exhaustionWaves: 5,
  restarts: 5,
  loadBeforeSigtermMs: 20_000,
};
