// pg's own conversion of a bound value to its text form (dates, arrays, objects): COPY rows use it
// too, so a value is stored the same whether it travels as a parameter or as a COPY row.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { prepareValue } = require('pg/lib/utils') as { prepareValue(value: unknown): string | Buffer | null };

const SPECIAL = /[\\\n\r\t]/;
const SPECIALS = /[\\\n\r\t]/g;
const ESCAPES: Record<string, string> = { '\\': '\\\\', '\n': '\\n', '\r': '\\r', '\t': '\\t' };

/**
 * @internal One value as a field of `COPY … FROM STDIN` text format: `\N` for null, bytea as
 * `\\x…`, and backslash, newline, carriage return and tab escaped. A field so encoded can never end
 * its row or column early: the data stays data, whatever it contains.
 */
export function copyField(value: unknown): string {
  const text = prepareValue(value);
  if (text === null) return '\\N';
  if (Buffer.isBuffer(text)) return `\\\\x${text.toString('hex')}`;
  return SPECIAL.test(text) ? text.replace(SPECIALS, (c) => ESCAPES[c]) : text;
}

/** @internal One row of `COPY … FROM STDIN` text format (fields already encoded with {@link copyField}). */
export const copyLine = (fields: string[]): string => `${fields.join('\t')}\n`;
