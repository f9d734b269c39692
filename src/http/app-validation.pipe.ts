import { ArgumentMetadata, Injectable, ValidationPipe } from '@nestjs/common';
import { fieldsBadRequest, validationEntries } from './field-errors';
import { jsonProblem } from './json-value';

/**
 * Deepest nesting a request body may have. class-transformer copies bodies recursively, so a
 * 100 kB `{"a":{"a":…}}` would overflow its stack (a 500) if it got that far.
 */
export const MAX_BODY_DEPTH = 32;

/**
 * The application's one validation pipe: DTOs with `whitelist`, `forbidNonWhitelisted` and
 * `transform`; every failure is a 400 naming the fields (`{ message, fields: { email: [...] } }`).
 * Bodies are first checked for nesting depth and reserved keys (`__proto__`, `constructor`,
 * `toString`, …), which class-transformer would otherwise drop silently.
 */
@Injectable()
export class AppValidationPipe extends ValidationPipe {
  constructor() {
    super({
      whitelist: true,
      forbidNonWhitelisted: true,
      transform: true,
      exceptionFactory: (errors) => fieldsBadRequest(validationEntries(errors)),
    });
  }

  override async transform(value: unknown, metadata: ArgumentMetadata): Promise<unknown> {
    if (metadata.type === 'body') {
      if (Array.isArray(value)) throw fieldsBadRequest([['body', ['must be a JSON object']]]);
      const problem = jsonProblem(value, { maxDepth: MAX_BODY_DEPTH });
      if (problem) throw fieldsBadRequest([[problem[0] || 'body', [problem[1]]]]);
    }
    return super.transform(value, metadata);
  }
}
