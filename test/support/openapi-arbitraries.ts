import fc from 'fast-check';
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
}

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
      fc.stringMatching(/^[a-zA-Z0-9._%+-]{1,30}$/),
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

/** JSON in any unicode: mostly storable, with the odd NUL or lone surrogate (a 400 naming the path). */
const json = fc.oneof(
  { weight: 3, arbitrary: fc.jsonValue({ maxDepth: 3, stringUnit: 'grapheme' }) },
  { weight: 1, arbitrary: fc.jsonValue({ maxDepth: 3, stringUnit: 'binary' }) },
);

/** A valid value of `schema`: its enum, format, range, length; a row's id for a uuid, sometimes. */
export function validValue(schema: JsonSchema): fc.Arbitrary<unknown> {
  let value: fc.Arbitrary<unknown>;
  if (schema.enum) value = fc.constantFrom(...schema.enum);
  else if (schema.format === 'uuid') value = fc.oneof({ weight: 3, arbitrary: rowRef('any') }, fc.uuid());
  else if (schema.format === 'email') value = email.filter((e) => e.length <= (schema.maxLength ?? 320));
  else if (schema.format === 'date-time') value = dateTime;
  else if (schema.type === 'integer') {
    const min = schema.minimum ?? -(2 ** 31);
    const max = schema.maximum ?? 2 ** 31 - 1;
    value = fc.oneof(fc.integer({ min, max }), fc.constantFrom(min, max));
  } else if (schema.type === 'number') value = fc.double({ noNaN: true, noDefaultInfinity: true });
  else if (schema.type === 'object') value = fc.dictionary(fc.string({ maxLength: 12 }), json, { maxKeys: 5 });
  else if (schema.type === 'array') value = fc.array(json, { maxLength: 5 });
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
  return fc.oneof(
    fc.constantFrom(...edges),
    hostileString,
    hostileValue,
    unicode,
    fc.jsonValue({ maxDepth: 2 }),
    fc.double(),
  );
}

/** A body: valid-shaped (required fields, any optional ones), or that with one mutation. */
function bodyOf(operation: ApiOperation): fc.Arbitrary<{ body: GeneratedRequest['body']; mutation: string }> {
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
  const mutations: Array<fc.Arbitrary<{ body: GeneratedRequest['body']; mutation: string }>> = [
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
        fc
          .jsonValue({ maxDepth: 2 })
          .map((value) => ({ body: { json: { ...body, [key]: value } }, mutation: 'extra' })),
      ),
    fc.constantFrom('[]', '"x"', '1', 'null', '{"a":', '', '{}').map((t) => ({ body: { text: t }, mutation: 'body' })),
  ];
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
  return fc.tuple(fc.constantFrom(...operators), fc.array(one, { minLength: 1, maxLength: 3 })).map(([op, vs]) => {
    if (op === '$null') return '$null';
    if (op === '$not') return `$not:${vs[0]}`;
    if (op === '$in') return `$in:${vs.join(',')}`;
    if (op === '$btw') return `$btw:${vs[0]},${vs[1] ?? vs[0]}`;
    return `${op}:${vs[0]}`;
  });
}

/** Values of one query parameter (several for a repeatable one). */
function queryValues(operation: ApiOperation, parameter: ApiParameter): fc.Arbitrary<string[]> {
  const { schema, name } = parameter;
  let valid: fc.Arbitrary<string[]>;
  if (name.startsWith('filter.')) valid = fc.array(filterValue(operation, parameter), { minLength: 1, maxLength: 2 });
  else if (schema.type === 'array' && schema.items?.enum) {
    valid = fc.subarray(schema.items.enum.map(String), { minLength: 1, maxLength: 2 });
  } else if (name === 'cursor') valid = fc.constant(['']);
  else valid = validValue(schema).map((v) => [String(v)]);
  const mutant = fc.array(fc.oneof(hostileShort, unicode, fc.string()), { minLength: 1, maxLength: 2 });
  return fc.oneof({ weight: 8, arbitrary: valid }, { weight: 1, arbitrary: mutant });
}

/** A header value: valid for its documented pattern, or not; `undefined` to leave the header out. */
function headerOf(parameter: ApiParameter): fc.Arbitrary<string | undefined> {
  const valid =
    parameter.name === 'X-Actor'
      ? fc.stringMatching(/^[a-zA-Z0-9][a-zA-Z0-9 ._@:+-]{0,30}$/).map((s) => s.trim() || 'a')
      : fc.stringMatching(/^[A-Za-z0-9._:-]{1,40}$/);
  return fc.oneof(
    { weight: 4, arbitrary: fc.constant(undefined) },
    { weight: 4, arbitrary: valid },
    { weight: 1, arbitrary: hostileShort.map(headerValue) },
  );
}

/** A request of `operation`: path ids, a subset of its query parameters, headers, a body. */
export function requestOf(operation: ApiOperation): fc.Arbitrary<GeneratedRequest> {
  const pathParameters = operation.parameters.filter((p) => p.in === 'path');
  const queryParameters = operation.parameters.filter((p) => p.in === 'query');
  const headerParameters = operation.parameters.filter((p) => p.in === 'header');
  const path = fc.record(
    Object.fromEntries(
      pathParameters.map((p) => [
        p.name,
        fc.oneof(
          { weight: 6, arbitrary: rowRef(resourceOf(operation)) },
          { weight: 1, arbitrary: fc.uuid() },
          { weight: 1, arbitrary: hostileShort.map(encode) },
        ),
      ]),
    ),
  );
  type Chosen = { name: string; values: string[] };
  const chosen: fc.Arbitrary<Chosen[]> = fc
    .subarray(queryParameters, { maxLength: Math.min(4, queryParameters.length) })
    .chain((params) =>
      fc.tuple(...params.map((p) => queryValues(operation, p).map((values): Chosen => ({ name: p.name, values })))),
    );
  const unknown = fc.oneof(
    { weight: 11, arbitrary: fc.constant(null) },
    { weight: 1, arbitrary: fc.tuple(fc.oneof(fc.string({ minLength: 1 }), hostileShort), fc.string()) },
  );
  const query = fc
    .tuple(chosen, unknown)
    .map(([params, extra]): Array<[string, string]> => [
      ...params.flatMap(({ name, values }) => values.map((v): [string, string] => [name, v])),
      ...(extra ? [extra] : []),
    ]);
  const headers = fc
    .tuple(...headerParameters.map((p) => headerOf(p).map((v) => [p.name, v] as const)))
    .map((pairs) => Object.fromEntries(pairs.filter(([, v]) => v !== undefined)) as Record<string, string>);
  const body = operation.body ? bodyOf(operation) : fc.constant({ body: undefined, mutation: 'valid' });
  return fc.record({ path, query, headers, body }).map(({ path: p, query: q, headers: h, body: b }) => ({
    operation: operation.key,
    path: p as Record<string, string>,
    query: q,
    headers: h,
    body: b.body,
    mutation: b.mutation,
  }));
}

/** How often each method is drawn: writes more than reads, so that many succeed and get read back. */
const WEIGHTS: Record<string, number> = { GET: 2, POST: 4, PATCH: 6, DELETE: 2 };

/** A request of any operation. */
export const anyRequest = (operations: ApiOperation[]) =>
  fc.oneof(...operations.map((o) => ({ weight: WEIGHTS[o.method] ?? 2, arbitrary: requestOf(o) })));
