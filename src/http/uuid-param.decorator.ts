import { Param, ParseUUIDPipe } from '@nestjs/common';
import { fieldsBadRequest } from './field-errors';

const HEX = '[0-9a-fA-F]';

/**
 * The uuids the API takes, as an OpenAPI `pattern` (ECMA-262, no flags): RFC 9562 (formerly 4122)
 * versions 1 to 8 in the standard variant, and the nil and max uuids, in either case. Exactly what
 * `ParseUUIDPipe` and class-validator's `IsUUID('all')` accept (`uuid-param.decorator.spec.ts`).
 */
export const UUID_PATTERN =
  `^(?:${HEX}{8}-${HEX}{4}-[1-8]${HEX}{3}-[89abAB]${HEX}{3}-${HEX}{12}` +
  '|00000000-0000-0000-0000-000000000000|[fF]{8}-[fF]{4}-[fF]{4}-[fF]{4}-[fF]{12})$';

/** A path parameter that must be a uuid; anything else is a 400 naming the parameter. */
export const UuidParam = (name = 'id'): ParameterDecorator =>
  Param(name, new ParseUUIDPipe({ exceptionFactory: () => fieldsBadRequest([[name, ['must be a uuid']]]) }));
