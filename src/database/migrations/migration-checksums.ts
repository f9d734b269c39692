import { createHash } from 'node:crypto';
import type { MigrationInterface } from 'typeorm';

/** Version of the checksum format, stored as a prefix so a future format can tell old values apart. */
export const CHECKSUM_FORMAT = 'v1';

const WORD = /[A-Za-z0-9_$]/;

function isWordChar(c: string | undefined): boolean {
  return c !== undefined && WORD.test(c);
}

/** @internal Index just past the string literal that opens at `start` (quote `quote`). */
function stringEnd(source: string, start: number, quote: string): number {
  let i = start + 1;
  while (i < source.length && source[i] !== quote && source[i] !== '\n') i += source[i] === '\\' ? 2 : 1;
  return Math.min(i + 1, source.length);
}

/** @internal Index just past a template chunk from `start` (a backtick or the `}` closing a `${`). */
function templateChunkEnd(source: string, start: number): { end: number; opensSubstitution: boolean } {
  let i = start + 1;
  while (i < source.length && source[i] !== '`' && !(source[i] === '$' && source[i + 1] === '{')) {
    i += source[i] === '\\' ? 2 : 1;
  }
  if (source[i] === '$') return { end: i + 2, opensSubstitution: true };
  return { end: Math.min(i + 1, source.length), opensSubstitution: false };
}

/**
 * The canonical text a checksum is taken of: string and template literals (the SQL) verbatim,
 * comments removed, and whitespace between code tokens kept only where it separates two words.
 * So comments and reformatting do not count as edits, while any change to code or SQL does.
 * Line endings are normalised first, so a CRLF checkout hashes like an LF one.
 */
export function canonicalMigrationSource(source: string): string {
  const s = source.replace(/\r\n?/g, '\n');
  const substitutions: number[] = []; // brace depth at which each open `${` started
  let depth = 0;
  let out = '';
  let space = false;
  const emit = (text: string) => {
    if (space && isWordChar(out.at(-1)) && isWordChar(text[0])) out += ' ';
    space = false;
    out += text;
  };
  let i = 0;
  while (i < s.length) {
    const c = s[i];
    if (c === ' ' || c === '\n' || c === '\t' || c === '\f' || c === '\v') {
      space = true;
      i += 1;
    } else if (c === '/' && s[i + 1] === '/') {
      const end = s.indexOf('\n', i);
      i = end < 0 ? s.length : end;
      space = true;
    } else if (c === '/' && s[i + 1] === '*') {
      const end = s.indexOf('*/', i + 2);
      i = end < 0 ? s.length : end + 2;
      space = true;
    } else if (c === "'" || c === '"') {
      const end = stringEnd(s, i, c);
      emit(s.slice(i, end));
      i = end;
    } else if (c === '`' || (c === '}' && substitutions.at(-1) === depth)) {
      if (c === '}') substitutions.pop();
      const { end, opensSubstitution } = templateChunkEnd(s, i);
      if (opensSubstitution) substitutions.push(depth);
      emit(s.slice(i, end));
      i = end;
    } else {
      if (c === '{') depth += 1;
      if (c === '}') depth -= 1;
      emit(c);
      i += 1;
    }
  }
  return out;
}

/**
 * The source a migration's checksum covers: its class as the JavaScript engine sees it
 * (`MigrationClass.toString()`: every method, `up`, `down`, helpers, and the `transaction` field).
 * ts-node, ts-jest and `tsc` emit the same class text from the same `.ts` with the same compiler
 * options, so a migration hashes alike in development, tests and `dist/`.
 */
export function migrationSource(migration: MigrationInterface): string {
  const type = (migration as object).constructor;
  if (typeof type === 'function' && type !== Object) return Function.prototype.toString.call(type);
  // A plain object migration: its methods are all there is.
  return [migration.up, migration.down].map((fn) => Function.prototype.toString.call(fn)).join('\n');
}

/** The checksum recorded for `migration`: `v1:` and the sha256 of its canonical source. */
export function migrationChecksum(migration: MigrationInterface): string {
  const canonical = canonicalMigrationSource(migrationSource(migration));
  return `${CHECKSUM_FORMAT}:${createHash('sha256').update(canonical, 'utf8').digest('hex')}`;
}

/** Whether `checksum` was taken in the current format (older formats are re-recorded, not compared). */
export function isCurrentChecksumFormat(checksum: string): boolean {
  return checksum.startsWith(`${CHECKSUM_FORMAT}:`);
}
