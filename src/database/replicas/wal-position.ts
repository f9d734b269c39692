/** A WAL position (`pg_lsn`) as text, e.g. `16/B374D848`: two hexadecimal halves. */
const LSN = /^([0-9A-Fa-f]{1,8})\/([0-9A-Fa-f]{1,8})$/;

/**
 * @internal Parses a `pg_lsn` text into a number of bytes (a bigint: positions pass 2^53), or
 * returns undefined when it is not one. Never throws.
 */
export function parseWalPosition(text: string | null | undefined): bigint | undefined {
  if (typeof text !== 'string') return undefined;
  const match = LSN.exec(text);
  if (!match) return undefined;
  return (BigInt(`0x${match[1]}`) << 32n) | BigInt(`0x${match[2]}`);
}

/** @internal The `pg_lsn` text of a position (upper case, as PostgreSQL prints it). */
export function formatWalPosition(position: bigint): string {
  return `${(position >> 32n).toString(16).toUpperCase()}/${(position & 0xffffffffn).toString(16).toUpperCase()}`;
}
