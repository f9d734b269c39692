/** @internal Double-quotes a PostgreSQL identifier taken from metadata or configuration, never from user text. */
export function quoteIdentifier(identifier: string): string {
  return `"${identifier.replaceAll('"', '""')}"`;
}
