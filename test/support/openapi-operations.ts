import type { StartedTestApp } from './test-app';

/** The part of an OpenAPI 3 schema the hostile-input tests read, with `$ref` and `allOf` resolved. */
export interface JsonSchema {
  type?: string;
  format?: string;
  enum?: unknown[];
  minimum?: number;
  maximum?: number;
  minLength?: number;
  maxLength?: number;
  pattern?: string;
  nullable?: boolean;
  example?: unknown;
  description?: string;
  items?: JsonSchema;
  properties?: Record<string, JsonSchema>;
  required?: string[];
  additionalProperties?: boolean | JsonSchema;
}

/** One documented parameter of an operation. */
export interface ApiParameter {
  name: string;
  in: 'path' | 'query' | 'header';
  required: boolean;
  schema: JsonSchema;
  description: string;
}

/** One documented operation: a path and a method. */
export interface ApiOperation {
  /** `GET /users/{id}`. */
  key: string;
  method: 'GET' | 'POST' | 'PATCH' | 'DELETE' | 'PUT';
  /** The OpenAPI path, `/users/{id}`. */
  path: string;
  parameters: ApiParameter[];
  /** The JSON body's schema, if the operation takes one. */
  body?: JsonSchema;
  /** The row it answers with (the page's rows for a list), if documented. */
  model?: JsonSchema;
}

type Document = { paths: Record<string, Record<string, any>>; components?: { schemas?: Record<string, any> } };

/** `schema` with every `$ref` and `allOf` resolved, recursively. */
export function resolveSchema(document: Document, schema: any): JsonSchema {
  if (!schema || typeof schema !== 'object') return {};
  if (schema.$ref) {
    const name = String(schema.$ref).replace('#/components/schemas/', '');
    return resolveSchema(document, document.components?.schemas?.[name]);
  }
  const { allOf, properties, items, ...rest } = schema;
  let merged: JsonSchema = { ...rest };
  for (const part of allOf ?? []) {
    const resolved = resolveSchema(document, part);
    merged = {
      ...resolved,
      ...merged,
      properties: { ...resolved.properties, ...merged.properties },
      required: [...(resolved.required ?? []), ...(merged.required ?? [])],
    };
  }
  if (properties) {
    const own = Object.fromEntries(Object.entries(properties).map(([k, v]) => [k, resolveSchema(document, v)]));
    merged.properties = { ...merged.properties, ...own };
  }
  if (items) merged.items = resolveSchema(document, items);
  if (merged.properties && !Object.keys(merged.properties).length) delete merged.properties;
  if (merged.required && !merged.required.length) delete merged.required;
  return merged;
}

function modelOf(document: Document, responses: Record<string, any>): JsonSchema | undefined {
  const success = Object.entries(responses ?? {}).find(([status]) => /^2/.test(status))?.[1];
  const schema = success?.content?.['application/json']?.schema;
  if (!schema) return undefined;
  const resolved = resolveSchema(document, schema);
  return resolved.properties?.data?.items ?? resolved;
}

/** The operations of an OpenAPI document, in document order. */
export function operationsOf(document: Document): ApiOperation[] {
  return Object.entries(document.paths).flatMap(([path, operations]) =>
    Object.entries(operations).map(([method, op]): ApiOperation => {
      const body = op.requestBody?.content?.['application/json']?.schema;
      return {
        key: `${method.toUpperCase()} ${path}`,
        method: method.toUpperCase() as ApiOperation['method'],
        path,
        parameters: (op.parameters ?? []).map((p: any) => ({
          name: p.name,
          in: p.in,
          required: Boolean(p.required),
          schema: resolveSchema(document, p.schema),
          description: p.description ?? '',
        })),
        body: body ? resolveSchema(document, body) : undefined,
        model: modelOf(document, op.responses),
      };
    }),
  );
}

/** The app's OpenAPI document (`/docs-json`) and its operations. */
export async function loadOperations(t: StartedTestApp): Promise<{ document: Document; operations: ApiOperation[] }> {
  const res = await fetch(`${t.baseUrl}/docs-json`);
  if (res.status !== 200) throw new Error(`/docs-json answered ${res.status}`);
  const document = (await res.json()) as Document;
  return { document, operations: operationsOf(document) };
}

/** The operators a `filter.<field>` parameter documents (`Operators: $eq $in …`). */
export const operatorsOf = (parameter: ApiParameter): string[] =>
  /Operators: ([^.]+)\./.exec(parameter.description)?.[1].split(' ') ?? [];

/** The row a `filter.<field>` parameter compares, from the operation's model. */
export const filteredProperty = (operation: ApiOperation, parameter: ApiParameter): JsonSchema | undefined =>
  // `filter.<relation>.<field>`: the field of the related rows (an included relation's schema, or its items).
  parameter.name
    .slice('filter.'.length)
    .split('.')
    .reduce<JsonSchema | undefined>((schema, name) => {
      const property = schema?.properties?.[name];
      return property?.type === 'array' && property.items ? property.items : property;
    }, operation.model);

/** `path` with its `{name}` segments replaced by `values` (already encoded). */
export const fillPath = (path: string, values: Record<string, string>) =>
  path.replace(/\{(\w+)\}/g, (_, name: string) => {
    if (values[name] === undefined) throw new Error(`no value for {${name}} in ${path}`);
    return values[name];
  });

/** The first path segment, naming the resource a `{id}` belongs to (`users`, `tasks`). */
export const resourceOf = (operation: ApiOperation) => operation.path.split('/')[1];
