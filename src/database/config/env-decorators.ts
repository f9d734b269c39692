import { Transform } from 'class-transformer';
import { IsBoolean, IsIn, IsInt, IsOptional, IsString, Length, Max, Min, ValidateBy } from 'class-validator';

/** @internal What each environment property accepts, in words, for error messages. */
export const EXPECTED = new Map<string, string>();
/** @internal Properties whose values must never be echoed in an error. */
export const SECRET = new Set<string>();

type PropertyDecorator = (target: object, key: string) => void;

function compose(expected: string, ...decorators: PropertyDecorator[]): PropertyDecorator {
  return (target, key) => {
    EXPECTED.set(key, expected);
    IsOptional()(target, key);
    for (const decorate of decorators) decorate(target, key);
  };
}

const INTEGER = /^-?\d+$/;
const TRUE = new Set(['true', '1', 'yes', 'on']);
const FALSE = new Set(['false', '0', 'no', 'off']);

/** @internal An optional integer variable within [min, max]; anything else is rejected. */
export function IntegerVar(min: number, max = Number.MAX_SAFE_INTEGER): PropertyDecorator {
  const range = max === Number.MAX_SAFE_INTEGER ? `at least ${min}` : `from ${min} to ${max}`;
  return compose(
    `an integer ${range}`,
    Transform(({ value }) => (typeof value === 'string' && INTEGER.test(value.trim()) ? Number(value) : value)),
    IsInt(),
    Min(min),
    Max(max),
  );
}

/** @internal An optional boolean variable: true/false, 1/0, yes/no, on/off. */
export function BooleanVar(): PropertyDecorator {
  return compose(
    'true or false',
    Transform(({ value }) => {
      if (typeof value !== 'string') return value;
      const v = value.trim().toLowerCase();
      return TRUE.has(v) ? true : FALSE.has(v) ? false : value;
    }),
    IsBoolean(),
  );
}

/** @internal An optional variable restricted to a set of words. */
export function OneOfVar(values: readonly string[]): PropertyDecorator {
  return compose(`one of ${values.join(', ')}`, IsIn([...values]));
}

/** @internal An optional non-empty string of bounded length. */
export function StringVar(maxLength: number, options: { secret?: boolean } = {}): PropertyDecorator {
  return (target, key) => {
    if (options.secret) SECRET.add(key);
    compose(`a non-empty string of at most ${maxLength} characters`, IsString(), Length(1, maxLength))(target, key);
  };
}

/** @internal An optional string checked by a predicate; its value is never echoed. */
export function SecretVar(expected: string, isValid: (value: string) => boolean): PropertyDecorator {
  return (target, key) => {
    SECRET.add(key);
    compose(
      expected,
      ValidateBy({ name: key, validator: { validate: (v: unknown) => typeof v === 'string' && isValid(v) } }),
    )(target, key);
  };
}
