import {
  DEFAULT_CONNECT_RETRY_ATTEMPTS,
  DEFAULT_CONNECT_RETRY_DELAY_MS,
  DEFAULT_CONNECT_RETRY_MAX_DELAY_MS,
} from '../database.constants';

/** How the module connects at startup, and how it keeps trying. */
export interface ConnectPolicy {
  /** Fail startup when the database cannot be reached (after `retryAttempts`); otherwise start degraded. */
  requireAtStartup: boolean;
  /** Extra attempts before startup fails, when the database is required. */
  retryAttempts: number;
  /** The first delay between attempts; it doubles after each failure. */
  retryDelayMs: number;
  /** The longest delay between background attempts. */
  retryMaxDelayMs: number;
  /** Once connected, refuse to start when the entities differ from the schema (`DB_FAIL_ON_SCHEMA_DRIFT`). */
  failOnSchemaDrift: boolean;
}

/** The options of `DatabaseModuleOptions` the policy reads. */
export interface ConnectPolicyOptions {
  requireAtStartup?: boolean;
  connectRetryAttempts?: number;
  connectRetryDelayMs?: number;
  connectRetryMaxDelayMs?: number;
  failOnSchemaDrift?: boolean;
}

/**
 * The policy with its defaults: the database is required at startup in production
 * (`NODE_ENV=production`), and degraded start is allowed elsewhere.
 */
export function resolveConnectPolicy(
  options: ConnectPolicyOptions,
  env: NodeJS.ProcessEnv = process.env,
): ConnectPolicy {
  return {
    requireAtStartup: options.requireAtStartup ?? env.NODE_ENV === 'production',
    retryAttempts: options.connectRetryAttempts ?? DEFAULT_CONNECT_RETRY_ATTEMPTS,
    retryDelayMs: options.connectRetryDelayMs ?? DEFAULT_CONNECT_RETRY_DELAY_MS,
    retryMaxDelayMs: options.connectRetryMaxDelayMs ?? DEFAULT_CONNECT_RETRY_MAX_DELAY_MS,
    failOnSchemaDrift: options.failOnSchemaDrift ?? false,
  };
}

/**
 * The delay before attempt `failed + 1`: exponential from `retryDelayMs`, capped at
 * `retryMaxDelayMs`, with ±20% jitter so replicas restarted together do not knock in step.
 */
export function nextDelay(policy: ConnectPolicy, failed: number, random: () => number = Math.random): number {
  const exponential = policy.retryDelayMs * 2 ** Math.max(0, Math.min(failed - 1, 20));
  const capped = Math.min(exponential, Math.max(policy.retryDelayMs, policy.retryMaxDelayMs));
  return Math.max(1, Math.round(capped * (0.8 + 0.4 * random())));
}
