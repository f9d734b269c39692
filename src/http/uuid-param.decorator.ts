import { Param, ParseUUIDPipe } from '@nestjs/common';
import { fieldsBadRequest } from './field-errors';

/** A path parameter that must be a uuid; anything else is a 400 naming the parameter. */
export const UuidParam = (name = 'id'): ParameterDecorator =>
  Param(name, new ParseUUIDPipe({ exceptionFactory: () => fieldsBadRequest([[name, ['must be a uuid']]]) }));
