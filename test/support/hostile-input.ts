/**
 * Hostile strings for the injection sweep: SQL metacharacters, comments, stacked statements,
 * UNION, pg_sleep, NUL bytes, unicode edge cases, 10 kB strings, JSON-ish text, the list
 * grammar's own syntax, prototype names, odd numbers and dates, URL metacharacters.
 */
// prettier-ignore
export const HOSTILE_STRINGS: readonly string[] = [
  // quotes and classic tautologies
  "'", '"', "''", '`', "\\'", "'; --", "' OR 1=1 --", "' OR '1'='1", '" OR ""="', "admin'--", "') OR ('1'='1",
  "x' AND 1=(SELECT 1) --", "'||'",
  // comments
  '/* */', '*/', '/*', '--', '#', '1/**/OR/**/1=1',
  // stacked statements
  '; DROP TABLE users; --', "'; DROP TABLE users; --", '1; DELETE FROM tasks', "'); TRUNCATE task_executions; --",
  "; UPDATE users SET email='x@example.com'; --", '); SET statement_timeout = 0; --',
  // UNION
  "' UNION SELECT NULL--", '1 UNION SELECT version()', "' UNION ALL SELECT email, NULL FROM users--",
  ') UNION SELECT usename, passwd FROM pg_shadow --',
  // pg_sleep and other functions
  'pg_sleep(5)', "'; SELECT pg_sleep(5); --", '1) OR pg_sleep(5)--', '$$; SELECT pg_sleep(5); $$', "'||pg_sleep(5)||'",
  "pg_read_file('/etc/passwd')", "COPY users TO '/tmp/x'",
  // calls of the test database's canary function (see table-checksums.ts): it records every call
  "' OR injection_canary() --", "'||injection_canary()||'", '1) OR injection_canary() --', '" OR injection_canary() --',
  '$$; SELECT injection_canary(); $$', "'); SELECT injection_canary(); --", "x' AND injection_canary() AND 'x'='x",
  // PostgreSQL syntax
  '$1', '$2::text', '::text', "E'\\x00'", '$tag$x$tag$', "U&'\\0000'", 'NULL', 'DEFAULT',
  // NUL and control characters
  '\u0000', 'a\u0000b', "\u0000' OR 1=1 --", '\r\n', '\t', '\u001b[31mred', '\u007f',
  // unicode: RTL, scripts, emoji, unpaired surrogates, invisible and combining characters
  '\u202Eevil\u202C', 'مرحبا بالعالم', 'שלום', '😀', '👨‍👩‍👧‍👦', '\uD800', '\uDFFF', 'a\uD83Db', '\u200B', '\uFEFF',
  'e\u0301', '＇ＯＲ１＝１', 'İSTANBUL', '\u2028\u2029', '𝕳𝖊𝖑𝖑𝖔', '表ポあA鷗ŒéＢ逍Üßªąñ丂㐀𠀀',
  // 10 kB strings
  'A'.repeat(10_000), "'".repeat(5_000), 'é'.repeat(5_000), '🙂'.repeat(2_500), '%'.repeat(1_000), 'x'.repeat(201),
  // JSON-ish text
  '{}', '[]', '{"$ne":null}', '{"$gt":""}', 'null', 'true', 'false', '1e309', 'NaN', '{"__proto__":{"admin":true}}',
  '{"a":',
  // the list grammar's own syntax
  '$eq:', '$in:', '$btw:,', '$null:', '$not:$not:x', '$ilike:%', '$sw:_', `$in:${','.repeat(500)}`, 'id:ASC;DROP',
  'createdAt:ASC:DESC', ':', "$eq:' OR 1=1 --", "$ilike:%' OR 1=1 --", '$gt:2020-02-30', '$btw:2020-01-01,99999-01-01',
  "$eq:00000000-0000-0000-0000-000000000000' OR '1'='1", '$ne:x', '$where:1',
  // prototype names
  '__proto__', 'constructor', 'prototype', 'toString', 'hasOwnProperty',
  // numbers
  '-0', '00000000001', '1.0', '0x10', '999999999999999999999', '-2147483649', ' 1',
  // integers at the edges of smallint and integer columns, past 2^53, and what JSON cannot hold
  '32767', '32768', '-32769', '2147483647', '2147483648', '9007199254740993', '1e400', 'Infinity', '-Infinity',
  // dates
  '2020-02-30', '0000-00-00', '9999-12-31T23:59:60Z', '-infinity', 'epoch', '294277-01-01',
  '2020-01-01T24:00:00Z', '2020-01-01T00:00:00+99:99', '2020-01-01T00:00:00+14:59', '1970-01-01T00:00:00.1234567Z',
  '1970-01-01T00:00:00.123456Z', '0001-01-01T00:00:00Z', '0000-01-01T00:00:00Z',
  // URL and path metacharacters, templates, markup
  '../../etc/passwd', '..%2f..%2f', '/', '?', '&', '=', '%', '%ZZ', '+', '',
  '<script>alert(1)</script>', '${7*7}', '{{7*7}}',
];

/** Non-string JSON values for body fields: wrong types, operator objects, prototype keys, nesting. */
// prettier-ignore
export const HOSTILE_VALUES: readonly unknown[] = [
  null, true, false, 0, -1, 1.5, 1e308, -1e308, 2 ** 31, [], ['x'], {}, { $ne: null }, { $gt: '' }, { toString: 'x' },
  JSON.parse('{"__proto__":{"admin":true}}'), { constructor: { prototype: { admin: true } } },
  [[[[[[[[[[[['deep']]]]]]]]]]]], { a: { b: { c: { d: { e: { f: { g: { h: { i: 1 } } } } } } } } },
  Array.from({ length: 2_000 }, (_, i) => i), { ['k'.repeat(5_000)]: 1 },
  32_767, 32_768, 2_147_483_647, -2_147_483_648, 2 ** 53 + 2, 1e-7, { n: 2 ** 64 }, [{ '': '' }],
];

const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;

/** `encodeURIComponent` that also takes unpaired surrogates (sent as U+FFFD, as a browser would). */
export const encode = (text: string) => encodeURIComponent(text.replace(LONE_SURROGATE, '\uFFFD'));

/**
 * `text` halved until its URL encoding has at most `max` characters: under Node's 16 kB limit for
 * the request line and headers, so that the request reaches the app (Node answers 431 itself).
 */
export const shortened = (text: string, max = 12_000): string =>
  encode(text).length <= max ? text : shortened(text.slice(0, text.length / 2), max);

/**
 * `text` as an HTTP header value: its UTF-8 bytes as a byte string (what a client sends; Node
 * reads them back as latin1), or `undefined` when it is no valid field value (control characters
 * other than tab: Node's HTTP parser answers those itself, before the app).
 */
export function headerValue(text: string): string | undefined {
  const bytes = Buffer.from(text.replace(LONE_SURROGATE, '\uFFFD'), 'utf8').toString('latin1');
  return [...bytes].some((c) => (c < ' ' && c !== '\t') || c === '\x7f') ? undefined : bytes;
}

/** Runs `tasks` with at most `limit` in flight; results in order. */
export async function bounded<T>(tasks: Array<() => Promise<T>>, limit: number): Promise<T[]> {
  const results: T[] = new Array(tasks.length);
  let next = 0;
  const worker = async () => {
    while (next < tasks.length) {
      const index = next++;
      results[index] = await tasks[index]();
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, tasks.length) }, worker));
  return results;
}
