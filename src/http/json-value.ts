/**
 * @internal Keys refused anywhere in a body: `__proto__`, `constructor`, `prototype` and the other names of
 * `Object.prototype` (`toString`, `valueOf`, …). class-transformer drops such keys silently when it
 * copies a body, so accepting them would store something other than what was sent.
 */
export const RESERVED_KEYS: ReadonlySet<string> = new Set([
  ...Object.getOwnPropertyNames(Object.prototype),
  'prototype',
]);
/** A UTF-16 surrogate without its pair: PostgreSQL would store U+FFFD instead. */
const UNPAIRED_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/** What is wrong with a string PostgreSQL would reject or alter, for a 400. */
export const UNSTORABLE_TEXT_MESSAGE = 'must not contain NUL characters or unpaired surrogates';

/** Whether PostgreSQL stores `text` exactly as given: no NUL, no unpaired surrogate. */
export function isStorableText(text: string): boolean {
  return !text.includes('\u0000') && !UNPAIRED_SURROGATE.test(text);
}

/** What is wrong with `1e400` in JSON text: it parses to Infinity, which JSON cannot hold (it would be stored as null). */
export const NON_FINITE_MESSAGE = 'must be a finite number (JSON text such as 1e400 parses to Infinity)';

/** What {@link jsonProblem} checks. */
export interface JsonLimits {
  /** Deepest nesting of objects and arrays; the value itself is level 1. */
  maxDepth: number;
  /** Also check every string and key with {@link isStorableText}. */
  text?: boolean;
}

/**
 * The first problem of a parsed JSON value as `[path, message]`, or `undefined`: nesting deeper
 * than `maxDepth`, a reserved key (`__proto__`, `constructor`, `toString`, …), a number out of
 * JSON's range (`1e400` parses to Infinity), and with `text` unstorable strings. Iterative, so a hostile 100 kB `[[[[…]]]]` cannot overflow the stack.
 */
export function jsonProblem(value: unknown, limits: JsonLimits, path = ''): [string, string] | undefined {
  const stack: Array<[unknown, string, number]> = [[value, path, 1]];
  while (stack.length) {
    const [current, at, depth] = stack.pop()!;
    if (typeof current === 'string') {
      if (limits.text && !isStorableText(current)) return [at, UNSTORABLE_TEXT_MESSAGE];
      continue;
    }
    if (typeof current === 'number' && !Number.isFinite(current)) return [at, NON_FINITE_MESSAGE];
    if (current === null || typeof current !== 'object') continue;
    if (depth > limits.maxDepth) return [at, `must not nest deeper than ${limits.maxDepth} levels`];
    for (const [key, child] of Object.entries(current)) {
      const childPath = at ? `${at}.${key}` : key;
      if (RESERVED_KEYS.has(key)) return [childPath, 'is a reserved name'];
      if (limits.text && !isStorableText(key)) return [childPath, `name ${UNSTORABLE_TEXT_MESSAGE}`];
      stack.push([child, childPath, depth + 1]);
    }
  }
  return undefined;
}
