import type { TlsOptions } from 'node:tls';

/** Default `DB_REPLICA_MAX_LAG_MS`: a replica further behind than this leaves the rotation. */
export const DEFAULT_REPLICA_MAX_LAG_MS = 5_000;
/** Default `DB_REPLICA_CHECK_INTERVAL_MS`: how often each replica's lag and reachability are measured. */
export const DEFAULT_REPLICA_CHECK_INTERVAL_MS = 500;

/** One read replica; what it leaves out is the primary's (user, password, database, TLS). */
export interface ReadReplicaTarget {
  host: string;
  /** Default: 5432. */
  port?: number;
  database?: string;
  username?: string;
  password?: string;
  /** pg's TLS options; default: the primary's. */
  ssl?: false | TlsOptions;
}

/** Read replicas of `DatabaseModule.forRoot()` (`DB_READ_REPLICA_URLS` and `DB_REPLICA_*`). */
export interface ReadReplicaOptions {
  /** The streaming replicas that serve reads outside transactions. */
  replicas: ReadReplicaTarget[];
  /** A replica further behind the primary than this leaves the rotation (`DB_REPLICA_MAX_LAG_MS`). Default: `DEFAULT_REPLICA_MAX_LAG_MS`. */
  maxLagMs?: number;
  /** Period of the background lag and reachability check (`DB_REPLICA_CHECK_INTERVAL_MS`). Default: `DEFAULT_REPLICA_CHECK_INTERVAL_MS`. */
  checkIntervalMs?: number;
  /** Most connections of each replica's pool (`DB_REPLICA_POOL_MAX`). Default: the primary's `poolSize`. */
  poolMax?: number;
}
