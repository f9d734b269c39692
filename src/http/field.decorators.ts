import { applyDecorators } from '@nestjs/common';
import { ApiProperty, ApiPropertyOptions } from '@nestjs/swagger';
import { Transform } from 'class-transformer';
import {
  IsArray,
  IsDate,
  IsEnum,
  IsInt,
  isISO8601,
  IsObject,
  IsOptional,
  IsString,
  isEmail,
  IsUUID,
  Length,
  Max,
  Min,
  ValidateBy,
  ValidateIf,
} from 'class-validator';
import { isStorableText, jsonProblem, UNSTORABLE_TEXT_MESSAGE } from './json-value';
import { UUID_PATTERN } from './uuid-param.decorator';

/** Presence and documentation of a body field. */
export interface FieldOptions {
  /** May be absent (but not `null`). */
  optional?: boolean;
  /** May be absent or `null` (to clear it). */
  nullable?: boolean;
  description?: string;
  example?: unknown;
}

/** Optional fields may be absent but never `null`; nullable ones may also be `null`. */
function presence({ optional, nullable }: FieldOptions): PropertyDecorator {
  if (nullable) return IsOptional();
  if (optional) return ValidateIf((_, value) => value !== undefined);
  return () => undefined;
}

function field(options: FieldOptions, schema: ApiPropertyOptions, ...rules: PropertyDecorator[]): PropertyDecorator {
  const { optional, nullable, description, example } = options;
  const doc = { required: !(optional || nullable), description, example, ...schema } as ApiPropertyOptions;
  return applyDecorators(presence(options), ...rules, ApiProperty(nullable ? { ...doc, nullable: true } : doc));
}

/** Rejects text PostgreSQL would reject or alter (NUL, unpaired surrogates). */
export const StorableText = (): PropertyDecorator =>
  ValidateBy({
    name: 'storableText',
    validator: {
      validate: (v) => typeof v !== 'string' || isStorableText(v),
      defaultMessage: () => UNSTORABLE_TEXT_MESSAGE,
    },
  });

/** A string of `min` (default 1) to `max` characters, storable as sent. */
export function TextField(options: FieldOptions & { max: number; min?: number; format?: string }): PropertyDecorator {
  const min = options.min ?? 1;
  return field(
    options,
    { type: String, minLength: min, maxLength: options.max, ...(options.format ? { format: options.format } : {}) },
    IsString(),
    Length(min, options.max),
    StorableText(),
  );
}

/**
 * An email address of at most `max` characters, lower-cased. Unstorable text is refused before
 * validator.js's `isEmail` sees it: that throws a URIError on an unpaired surrogate (a 500).
 */
export function EmailField(options: FieldOptions & { max: number }): PropertyDecorator {
  return applyDecorators(
    Transform(({ value }) => (typeof value === 'string' ? value.toLowerCase() : value)),
    TextField({ ...options, min: 1, format: 'email' }),
    ValidateBy({
      name: 'email',
      validator: {
        validate: (v) => typeof v === 'string' && isStorableText(v) && isEmail(v),
        defaultMessage: () => 'must be an email address',
      },
    }),
  );
}

/** A uuid (e.g. a foreign key): versions 1 to 8, nil or max, as {@link UUID_PATTERN} documents. */
export const UuidField = (options: FieldOptions = {}): PropertyDecorator =>
  field(options, { type: String, format: 'uuid', pattern: UUID_PATTERN }, IsUUID('all', { message: 'must be a uuid' }));

/** One value of a string enum. */
export const EnumField = (
  values: Record<string, string>,
  enumName: string,
  options: FieldOptions = {},
): PropertyDecorator =>
  field(
    options,
    { enum: values, enumName },
    IsEnum(values, { message: `must be one of ${Object.values(values).join(', ')}` }),
  );

/** An integer from `min` to `max`. */
export const IntField = (min: number, max: number, options: FieldOptions = {}): PropertyDecorator =>
  field(options, { type: 'integer', minimum: min, maximum: max }, IsInt(), Min(min), Max(max));

/** The row version the client read: the write happens only if it is still current (optimistic locking). */
export const VersionField = (): PropertyDecorator =>
  IntField(1, 2_147_483_647, {
    description:
      'The `version` you read; if the row changed since, the update is refused with 409 and nothing changes.',
    example: 1,
  });

const CALENDAR_DATE = /^(\d{4})-(\d{2})-(\d{2})(?:T|$)/;

/**
 * @internal An ISO 8601 date-time whose calendar date exists (no 30 February). validator.js's
 * `strict` check refuses years 0000-0999 (https://github.com/validatorjs/validator.js/issues/2517),
 * which PostgreSQL stores, so calendar dates are checked here; other ISO forms keep its check.
 */
export function isDateTimeText(value: string): boolean {
  const match = CALENDAR_DATE.exec(value);
  if (!match) return isISO8601(value, { strict: true, strictSeparator: true });
  if (!isISO8601(value, { strictSeparator: true })) return false;
  const [year, month, day] = match.slice(1).map(Number);
  const leap = (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0;
  const days = [31, leap ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31][month - 1];
  return days !== undefined && day >= 1 && day <= days;
}

const toDate = ({ value }: { value: unknown }) =>
  typeof value === 'string' && isDateTimeText(value) ? new Date(value) : value;

/** An ISO 8601 date-time string, handed on as a `Date`. */
export const DateTimeField = (options: FieldOptions = {}): PropertyDecorator =>
  field(
    options,
    { type: String, format: 'date-time' },
    Transform(toDate),
    IsDate({ message: 'must be an ISO 8601 date-time' }),
  );

/** A JSON object or array, bounded in nesting and size, whose strings and keys are storable. */
export function JsonField(
  kind: 'object' | 'array',
  limits: { maxDepth: number; maxBytes: number },
  options: FieldOptions = {},
): PropertyDecorator {
  const problem = (value: unknown): string | undefined => {
    if (value === null || typeof value !== 'object') return undefined;
    const found = jsonProblem(value, { maxDepth: limits.maxDepth, text: true });
    if (found) return found[0] ? `${found[0]} ${found[1]}` : found[1];
    const bytes = Buffer.byteLength(JSON.stringify(value));
    return bytes > limits.maxBytes ? `must be at most ${limits.maxBytes} bytes of JSON` : undefined;
  };
  const rules =
    `At most ${limits.maxDepth} levels deep and ${limits.maxBytes} bytes of JSON; no key named \`prototype\` or ` +
    'like a property of `Object.prototype` (`__proto__`, `constructor`, `toString`, …), no NUL or unpaired ' +
    'surrogate in a string (400 naming the path).';
  return field(
    { ...options, description: [options.description, rules].filter(Boolean).join(' ') },
    kind === 'object' ? { type: 'object', additionalProperties: true } : { type: 'array', items: {} },
    kind === 'object' ? IsObject({ message: 'must be a JSON object' }) : IsArray({ message: 'must be a JSON array' }),
    ValidateBy({
      name: 'jsonValue',
      validator: { validate: (v) => problem(v) === undefined, defaultMessage: (args) => problem(args?.value) ?? '' },
    }),
  );
}
