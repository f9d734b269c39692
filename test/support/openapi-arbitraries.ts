import fc from 'fast-check';
// Keys a JSON field refuses, as its description says (`prototype` and the names of Object.prototype).
import { RESERVED_KEYS } from '../../src/http/json-value';
import { encode, headerValue, HOSTILE_STRINGS, HOSTILE_VALUES, shortened } from './hostile-input';
import {
  ApiOperation,
  ApiParameter,
  filteredProperty,
  JsonSchema,
  operatorsOf,
  resourceOf,
} from './openapi-operations';

/**
 * A request generated from the OpenAPI document, before it is sent. Row ids and versions are
 * tokens (`@@users:3`, `@@any:7`, `@@version:current`) that the runner resolves against the rows
 * that exist when it sends the request, so that generation stays pure and shrinkable.
 */
export interface GeneratedRequest {
  /** The operation's key, `PATCH /users/{id}` (short, for counterexamples). */
  operation: string;
  path: Record<string, string>;
  query: Array<[string, string]>;
  headers: Record<string, string>;
  /** A JSON value to send, or text sent as it is (malformed or no object). */
  body?: { json: unknown } | { text: string };
  /** What was changed from a valid-shaped request, or `valid`. */
  mutation: string;
  /** Every part drawn from the document's valid values: the API must accept it (2xx, or 404/409 as documented). */
  valid: boolean;
  /**
   * Documented constraints broken on purpose (a uuid's pattern, an unknown body field, X-Actor's
   * pattern) in an otherwise valid request: a 400.
   */
  violations: string[];
}

/** A part of a request and whether the document allows it. */
interface Drawn<T> {
  value: T;
  valid: boolean;
  violation?: string;
}

const drawn = <T>(arbitrary: fc.Arbitrary<T>, valid: boolean, violation?: string): fc.Arbitrary<Drawn<T>> =>
  arbitrary.map((value) => ({ value, valid, ...(violation ? { violation } : {}) }));

/** A row of `pool` (`users`, `tasks`, `any`), chosen when the request is sent. */
const rowRef = (pool: string) => fc.nat({ max: 1_000 }).map((n) => `@@${pool}:${n}`);

const hostileString = fc.constantFrom(...HOSTILE_STRINGS);
/** Hostile text short enough for a URL or a header next to others (at most 3 000 characters encoded). */
const hostileShort = fc
  .oneof(hostileString, fc.string({ unit: 'binary', maxLength: 40 }))
  .map((s) => shortened(s, 3_000));
const hostileValue = fc.constantFrom(...HOSTILE_VALUES);
const unicode = fc.oneof(
  fc.string({ unit: 'binary', maxLength: 40 }),
  fc.string({ unit: 'grapheme', maxLength: 40 }),
  fc.string({ unit: 'grapheme-composite', maxLength: 20 }),
);

/** Ids the document allows: from its `pattern` (versions 1 to 8, nil, max, either case), else any v4. */
function documentedUuid(schema: JsonSchema): fc.Arbitrary<string> {
  return schema.pattern ? fc.stringMatching(new RegExp(schema.pattern)) : fc.uuid();
}

/** uuid-shaped text the document's `pattern` refuses: a version of 0 or 9 to f, or a non-standard variant. */
function patternViolatingUuid(schema: JsonSchema): fc.Arbitrary<string> {
  const pattern = new RegExp(schema.pattern ?? '^$');
  return fc
    .tuple(fc.uuid(), fc.constantFrom('0', '9', 'a', 'F'), fc.constantFrom('0', '7', 'c', 'F'), fc.nat(2))
    .map(([uuid, version, variant, which]) => {
      let text = which === 1 ? uuid : `${uuid.slice(0, 14)}${version}${uuid.slice(15)}`;
      if (which !== 0) text = `${text.slice(0, 19)}${variant}${text.slice(20)}`;
      return text;
    })
    .filter((text) => !pattern.test(text));
}

/** Storable text of `min` to `max` characters (no NUL, no lone surrogate), its length at the edges too. */
function text(schema: JsonSchema): fc.Arbitrary<string> {
  const min = schema.minLength ?? 0;
  const max = Math.min(schema.maxLength ?? 200, 10_000);
  const free = fc.string({ unit: fc.constantFrom('a', 'é', ' ', '🙂', "'", '%', '_', '\\', '"'), minLength: min });
  return fc
    .oneof(
      {
        weight: 4,
        arbitrary: fc.string({ unit: 'grapheme', minLength: Math.max(min, 1), maxLength: Math.min(max, 40) }),
      },
      { weight: 1, arbitrary: free.map((s) => s.slice(0, max)) },
      { weight: 1, arbitrary: fc.constantFrom('x'.repeat(Math.max(min, 1)), 'y'.repeat(max)) },
    )
    .map((s) => s.split('\u0000').join(''))
    .filter((s) => s.length >= min && s.length <= max);
}

const email = fc.oneof(
  fc
    .tuple(
      // RFC 5321 dot-atoms: no dot at either end or twice in a row.
      fc.stringMatching(/^[a-zA-Z0-9_%+-]{1,15}(?:\.[a-zA-Z0-9_%+-]{1,14})?$/),
      fc.constantFrom('example.com', 'EXAMPLE.org', 'mail.test.dev'),
    )
    .map(([local, domain]) => `${local}@${domain}`),
  fc.emailAddress(),
);

const dateTime = fc
  .tuple(
    fc.date({ min: new Date('0001-01-01T00:00:00Z'), max: new Date('9999-12-31T23:59:59Z'), noInvalidDate: true }),
    fc.constantFrom('Z', '+00:00', '+05:30', '-15:59'),
  )
  .map(([date, zone]) => {
    if (zone === 'Z' || zone === '+00:00') return date.toISOString().replace('Z', zone);
    // The same instant written with an offset.
    const sign = zone[0] === '+' ? 1 : -1;
    const minutes = sign * (Number(zone.slice(1, 3)) * 60 + Number(zone.slice(4)));
    const local = new Date(date.getTime() + minutes * 60_000);
    const text = local.toISOString().slice(0, -1) + zone;
    return local.getUTCFullYear() >= 1 && local.getUTCFullYear() <= 9999 ? text : date.toISOString();
  });

const hasReservedKey = (value: unknown): boolean =>
  value !== null &&
  typeof value === 'object' &&
  Object.entries(value).some(([key, child]) => RESERVED_KEYS.has(key) || hasReservedKey(child));

/** Storable JSON: any grapheme, no prototype-named key. */
const json = fc
  .jsonValue({ maxDepth: 3, stringUnit: 'grapheme' })
  .filter((value) => !hasReservedKey(value) && !JSON.stringify(value).includes('\\u0000'));
/** JSON in any unicode: the odd NUL or lone surrogate (a 400 naming the path), or prototype-named keys. */
const oddJson = fc.jsonValue({ maxDepth: 3, stringUnit: 'binary' });

/** A valid value of `schema`: its enum, format, range, length; a row's id for a uuid, sometimes. */
export function validValue(schema: JsonSchema): fc.Arbitrary<unknown> {
  let value: fc.Arbitrary<unknown>;
  if (schema.enum) value = fc.constantFrom(...schema.enum);
  else if (schema.format === 'uuid') value = fc.oneof({ weight: 3, arbitrary: rowRef('any') }, documentedUuid(schema));
  else if (schema.pattern) value = fc.stringMatching(new RegExp(schema.pattern, 'u'));
  else if (schema.format === 'email') value = email.filter((e) => e.length <= (schema.maxLength ?? 320));
  else if (schema.format === 'date-time') value = dateTime;
  else if (schema.type === 'integer') {
    const min = schema.minimum ?? -(2 ** 31);
    const max = schema.maximum ?? 2 ** 31 - 1;
    value = fc.oneof(fc.integer({ min, max }), fc.constantFrom(min, max));
  } else if (schema.type === 'number') value = fc.double({ noNaN: true, noDefaultInfinity: true });
  else if (schema.type === 'object') {
    const key = fc.string({ maxLength: 12 }).filter((k) => !RESERVED_KEYS.has(k));
    value = fc.dictionary(key, json, { maxKeys: 5 });
  } else if (schema.type === 'array') value = fc.array(json, { maxLength: 5 });
  else if (schema.type === 'boolean') value = fc.boolean();
  else value = text(schema);
  // A reference is null half the time: a random row of any table is rarely of the right one.
  return schema.nullable ? fc.option(value, { nil: null, freq: schema.format === 'uuid' ? 2 : 4 }) : value;
}

/** A value `schema` does not allow, or one at its edge: wrong type, out of range, too long, odd unicode, hostile. */
export function mutantValue(schema: JsonSchema): fc.Arbitrary<unknown> {
  const edges: unknown[] = [null, '', 0, -1, 1.5, 2 ** 31, -(2 ** 31) - 1, 2 ** 53 + 2, true, [], {}];
  if (schema.minimum !== undefined) edges.push(schema.minimum - 1, String(schema.minimum));
  if (schema.maximum !== undefined) edges.push(schema.maximum + 1);
  if (schema.maxLength !== undefined) edges.push('z'.repeat(schema.maxLength + 1), '🙂'.repeat(schema.maxLength));
  const kinds = [
    fc.constantFrom(...edges),
    hostileString,
    hostileValue,
    unicode,
    fc.jsonValue({ maxDepth: 2 }),
    fc.double(),
  ];
  if (schema.type === 'object' || schema.type === 'array') kinds.push(oddJson);
  if (schema.format === 'uuid') kinds.push(patternViolatingUuid(schema));
  return fc.oneof(...kinds);
}

/** A body: valid-shaped (required fields, any optional ones), or that with one mutation. */
type DrawnBody = { body: GeneratedRequest['body']; mutation: string; violation?: string };

function bodyOf(operation: ApiOperation): fc.Arbitrary<DrawnBody> {
  const schema = operation.body!;
  const properties = Object.entries(schema.properties ?? {});
  const required = schema.required ?? [];
  const fieldValue = (name: string, field: JsonSchema) =>
    operation.method === 'PATCH' && name === 'version'
      ? fc.constantFrom('@@version:current', '@@version:current', '@@version:stale')
      : validValue(field);
  const valid = fc.record(Object.fromEntries(properties.map(([name, field]) => [name, fieldValue(name, field)])), {
    requiredKeys: required,
  }) as fc.Arbitrary<Record<string, unknown>>;
  const names = properties.map(([name]) => name);
  const mutations: Array<fc.Arbitrary<DrawnBody>> = [
    fc.tuple(valid, fc.constantFrom(...names)).chain(([body, name]) =>
      mutantValue(schema.properties![name]).map((value) => ({
        body: { json: { ...body, [name]: value } },
        mutation: `body.${name} mutated`,
      })),
    ),
    fc
      .tuple(valid, fc.oneof(fc.constantFrom('id', 'createdAt', 'deletedAt', '$where', 'version', ''), unicode))
      .filter(([body, key]) => !(key in body) && !names.includes(key))
      .chain(([body, key]) =>
        fc.jsonValue({ maxDepth: 2 }).map((value) => ({
          body: { json: { ...body, [key]: value } },
          mutation: 'extra',
          // The document says `additionalProperties: false`.
          ...(schema.additionalProperties === false ? { violation: `body field ${JSON.stringify(key)}` } : {}),
        })),
      ),
    fc.constantFrom('[]', '"x"', '1', 'null', '{"a":', '', '{}').map((t) => ({ body: { text: t }, mutation: 'body' })),
  ];
  const uuidFields = properties.filter(([, field]) => field.format === 'uuid' && field.pattern);
  if (uuidFields.length) {
    mutations.push(
      fc.tuple(valid, fc.constantFrom(...uuidFields)).chain(([body, [name, field]]) =>
        patternViolatingUuid(field).map((value) => ({
          body: { json: { ...body, [name]: value } },
          mutation: `body.${name} off its pattern`,
          violation: `body.${name} pattern`,
        })),
      ),
    );
  }
  if (required.length) {
    mutations.push(
      fc.tuple(valid, fc.constantFrom(...required)).map(([body, name]) => {
        const { [name]: _gone, ...rest } = body;
        return { body: { json: rest }, mutation: `body.${name} missing` };
      }),
    );
  }
  return fc.oneof(
    { weight: 3, arbitrary: valid.map((json) => ({ body: { json }, mutation: 'valid' })) },
    { weight: 2, arbitrary: fc.oneof(...mutations) },
  );
}

/** A valid value of a `filter.<field>` parameter: one of its documented operators on values of the field. */
function filterValue(operation: ApiOperation, parameter: ApiParameter): fc.Arbitrary<string> {
  const field = filteredProperty(operation, parameter) ?? { type: 'string' };
  const one = validValue({ ...field, nullable: false }).map((v) =>
    shortened(typeof v === 'string' ? v : JSON.stringify(v), 1_500),
  );
  const operators = operatorsOf(parameter);
  // The document bounds the values of operators other than $eq.
  const bound = Number(/other than \$eq: at most (\d+) characters/.exec(parameter.description)?.[1] ?? Infinity);
  return fc.tuple(fc.constantFrom(...operators), fc.array(one, { minLength: 1, maxLength: 3 })).map(([op, all]) => {
    // Cut in UTF-16 units, as the server counts, without splitting a surrogate pair.
    const cut = (v: string) => v.slice(0, bound).replace(/[\uD800-\uDBFF]$/, '');
    const vs = op === '$eq' || op === '$not' ? all : all.map(cut);
    if (op === '$null') return '$null';
    if (op === '$not') return `$not:${vs[0]}`;
    if (op === '$in') return `$in:${vs.join(',')}`;
    if (op === '$btw') return `$btw:${vs[0]},${vs[1] ?? vs[0]}`;
    return `${op}:${vs[0]}`;
  });
}

/** Values of one query parameter (several for a repeatable one), and whether the document allows them. */
function queryValues(operation: ApiOperation, parameter: ApiParameter): fc.Arbitrary<Drawn<string[]>> {
  const { schema, name } = parameter;
  let valid: fc.Arbitrary<string[]>;
  if (name.startsWith('filter.')) valid = fc.array(filterValue(operation, parameter), { minLength: 1, maxLength: 2 });
  else if (schema.type === 'array' && schema.items?.enum) {
    valid = fc.subarray(schema.items.enum.map(String), {
      minLength: 1,
      maxLength: Math.min(2, schema.items.enum.length),
    });
  } else if (name === 'cursor') valid = fc.constant(['']);
  else valid = validValue(schema).map((v) => [String(v)]);
  const mutant = fc.array(fc.oneof(hostileShort, unicode, fc.string()), { minLength: 1, maxLength: 2 });
  return fc.oneof({ weight: 8, arbitrary: drawn(valid, true) }, { weight: 1, arbitrary: drawn(mutant, false) });
}

/** Latin-1 letters and digits: what a header can carry of `\p{L}` and `\p{N}` (values travel as Latin-1 bytes). */
const LATIN1_WORD = Array.from({ length: 256 }, (_, code) => String.fromCharCode(code)).filter((c) =>
  /[\p{L}\p{N}]/u.test(c),
);

/** Text matching a header's documented (Unicode) pattern, its characters brought into Latin-1. */
function documentedHeader(schema: JsonSchema): fc.Arbitrary<string> {
  const pattern = new RegExp(schema.pattern!, 'u');
  return fc
    .stringMatching(pattern)
    .map((text) =>
      [...text]
        .map((c) => (c.codePointAt(0)! <= 0xff ? c : LATIN1_WORD[c.codePointAt(0)! % LATIN1_WORD.length]))
        .join(''),
    )
    .filter((text) => pattern.test(text));
}

/**
 * A header value: from its documented pattern, or hostile; `undefined` to leave the header out
 * (a violation when it is required). A refused header (X-Actor, X-Tenant-Id: a 400) breaks the pattern only if, as HTTP sends it (without the
 * spaces and tabs at either end), it does not match; a value that does not match an ignored
 * header's pattern (X-Request-Id: replaced) is still valid.
 */
function headerOf(parameter: ApiParameter): fc.Arbitrary<Drawn<string | undefined>> {
  const pattern = parameter.schema.pattern ? new RegExp(parameter.schema.pattern, 'u') : undefined;
  const refused = parameter.name === 'X-Actor' || parameter.name === 'X-Tenant-Id';
  // A required header left out (X-Tenant-Id on /notes) is a 400 naming it.
  const absent: Drawn<undefined> = parameter.required
    ? { value: undefined, valid: false, violation: `header ${parameter.name} required` }
    : { value: undefined, valid: true };
  // Without a documented pattern, stay plain.
  const valid = pattern ? documentedHeader(parameter.schema) : fc.stringMatching(/^[A-Za-z0-9._:-]{1,40}$/);
  const hostile = hostileShort.map(headerValue).map((value): Drawn<string | undefined> => {
    if (value === undefined) return absent; // not sendable: left out
    const sent = value.replace(/^[ \t]+|[ \t]+$/g, '');
    const breaks = refused && pattern !== undefined && !pattern.test(sent);
    return { value, valid: !refused || !breaks, ...(breaks ? { violation: `header ${parameter.name} pattern` } : {}) };
  });
  return fc.oneof(
    { weight: 4, arbitrary: fc.constant(absent) },
    { weight: 4, arbitrary: drawn(valid, true) },
    { weight: 1, arbitrary: hostile },
  );
}

/**
 * Whether a list query breaks a rule the document gives in prose: `page` with `cursor`, a field
 * twice in `sortBy`.
 */
function breaksListRules(params: Array<{ name: string; values: string[] }>): boolean {
  const names = params.map((p) => p.name);
  if (names.includes('page') && names.includes('cursor')) return true;
  const sorted = params.filter((p) => p.name === 'sortBy').flatMap((p) => p.values.map((v) => v.split(':')[0]));
  return new Set(sorted).size !== sorted.length;
}

/** A request of `operation`: path ids, a subset of its query parameters, headers, a body. */
export function requestOf(operation: ApiOperation): fc.Arbitrary<GeneratedRequest> {
  const pathParameters = operation.parameters.filter((p) => p.in === 'path');
  const queryParameters = operation.parameters.filter((p) => p.in === 'query');
  const headerParameters = operation.parameters.filter((p) => p.in === 'header');
  const path = fc.tuple(
    ...pathParameters.map((p) =>
      fc
        .oneof(
          { weight: 6, arbitrary: drawn(rowRef(resourceOf(operation)), true) },
          { weight: 1, arbitrary: drawn(documentedUuid(p.schema), true) },
          { weight: 1, arbitrary: drawn(patternViolatingUuid(p.schema), false, `path ${p.name} pattern`) },
          { weight: 1, arbitrary: drawn(hostileShort.map(encode), false) },
        )
        .map((d) => ({ ...d, name: p.name })),
    ),
  );
  type Chosen = { name: string; values: string[]; valid: boolean };
  const chosen: fc.Arbitrary<Chosen[]> = fc
    .subarray(queryParameters, { maxLength: Math.min(4, queryParameters.length) })
    .chain((params) =>
      fc.tuple(
        ...params.map((p) =>
          queryValues(operation, p).map((d): Chosen => ({ name: p.name, values: d.value, valid: d.valid })),
        ),
      ),
    );
  const unknown = fc.oneof(
    { weight: 11, arbitrary: fc.constant(null) },
    { weight: 1, arbitrary: fc.tuple(fc.oneof(fc.string({ minLength: 1 }), hostileShort), fc.string()) },
  );
  const query = fc.tuple(chosen, unknown).map(([params, extra]) => ({
    pairs: [
      ...params.flatMap(({ name, values }) => values.map((v): [string, string] => [name, v])),
      ...(extra ? [extra] : []),
    ] as Array<[string, string]>,
    valid: !extra && params.every((p) => p.valid) && !breaksListRules(params),
  }));
  const headers = fc.tuple(...headerParameters.map((p) => headerOf(p).map((d) => ({ ...d, name: p.name }))));
  const body: fc.Arbitrary<DrawnBody> = operation.body
    ? bodyOf(operation)
    : fc.constant({ body: undefined, mutation: 'valid' });
  return fc.record({ path, query, headers, body }).map(({ path: p, query: q, headers: h, body: b }) => {
    const parts = [...p, ...h];
    const violations = [...parts.map((d) => d.violation), b.violation].filter((v): v is string => v !== undefined);
    // A broken constraint must be a 400 when it is all that is wrong (a hostile path may route elsewhere).
    const otherwiseValid =
      (b.mutation === 'valid' || b.violation !== undefined) &&
      q.valid &&
      parts.every((d) => d.valid || d.violation !== undefined);
    return {
      operation: operation.key,
      path: Object.fromEntries(p.map((d) => [d.name, d.value])),
      query: q.pairs,
      headers: Object.fromEntries(h.filter((d) => d.value !== undefined).map((d) => [d.name, d.value!])),
      body: b.body,
      mutation: b.mutation,
      valid: b.mutation === 'valid' && q.valid && parts.every((d) => d.valid),
      violations: otherwiseValid ? violations : [],
    };
  });
}

/** How often each method is drawn: writes more than reads, so that many succeed and get read back. */
const WEIGHTS: Record<string, number> = { GET: 2, POST: 4, PATCH: 6, DELETE: 2 };

/** A request of any operation. */
export const anyRequest = (operations: ApiOperation[]) =>
  fc.oneof(...operations.map((o) => ({ weight: WEIGHTS[o.method] ?? 2, arbitrary: requestOf(o) })));
