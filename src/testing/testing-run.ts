import { ProvidedPostgres } from './provided-postgres';

/** @internal What the global setup started, for the global teardown (Jest runs both in one process). */
export interface TestingRun {
  provided: ProvidedPostgres;
  template: string;
}

const RUN = Symbol.for('nest-pg-database/testing run');

type RunHolder = { [RUN]?: TestingRun };

/** @internal Remembers the run until {@link takeTestingRun}. */
export function rememberTestingRun(run: TestingRun): void {
  (globalThis as RunHolder)[RUN] = run;
}

/** @internal The remembered run, forgotten as it is returned; `undefined` when setup did not finish. */
export function takeTestingRun(): TestingRun | undefined {
  const holder = globalThis as RunHolder;
  const run = holder[RUN];
  delete holder[RUN];
  return run;
}
