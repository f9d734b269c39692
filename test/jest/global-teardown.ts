/** Drops this run's databases and stops what the global setup started, whatever the outcome. */
export { postgresGlobalTeardown as default } from '../../src/testing';
