/** Accepted values of `DB_SSL`. */
export const SSL_MODES = ['disable', 'verify-full'] as const;
/** TLS mode for database connections. */
export type SslMode = (typeof SSL_MODES)[number];

/** @internal The validated variables the TLS and production rules read (a part of `DatabaseEnvironment`). */
export interface TlsEnvironment {
  NODE_ENV?: string;
  DATABASE_URL?: string;
  DB_HOST?: string;
  DB_SSL?: SslMode;
  DB_SSL_CA?: string;
}
