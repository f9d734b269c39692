/** The parts of a `postgres://` URL that the options builder uses. */
export interface ConnectionUrlParts {
  host: string;
  port?: number;
  database?: string;
  username?: string;
  password?: string;
  sslmode?: string;
}

const PROTOCOLS = new Set(['postgres:', 'postgresql:']);

/**
 * Parses a PostgreSQL connection URL, or returns `undefined` when it is not one. Never throws, so
 * a malformed URL (which may hold a password) can never leak through an exception message.
 */
export function parseConnectionUrl(value: string): ConnectionUrlParts | undefined {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return undefined;
  }
  if (!PROTOCOLS.has(url.protocol) || !url.hostname) return undefined;
  const port = url.port ? Number(url.port) : undefined;
  if (port !== undefined && (port < 1 || port > 65535)) return undefined;
  let parts: ConnectionUrlParts;
  try {
    parts = {
      host: decodeURIComponent(url.hostname).replace(/^\[(.*)\]$/, '$1'),
      port,
      database: url.pathname.length > 1 ? decodeURIComponent(url.pathname.slice(1)) : undefined,
      username: url.username ? decodeURIComponent(url.username) : undefined,
      password: url.password ? decodeURIComponent(url.password) : undefined,
      sslmode: url.searchParams.get('sslmode') ?? undefined,
    };
  } catch {
    return undefined;
  }
  return parts;
}

/** The URL with its password replaced by `****`, safe to log. Unparseable input gives a placeholder. */
export function redactConnectionUrl(value: string): string {
  try {
    const url = new URL(value);
    if (url.password) url.password = '****';
    return url.toString();
  } catch {
    return '<unparseable connection URL>';
  }
}
