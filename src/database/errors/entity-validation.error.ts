import type { ValidationError } from 'class-validator';
import { DatabaseError } from './database.error';

/** Field name → messages. */
export type FieldErrors = Record<string, string[]>;

/** Values failed validation before reaching the database; nothing was written. */
export class EntityValidationError extends DatabaseError {
  constructor(
    entity: string,
    /** Messages per field. */
    readonly errors: FieldErrors,
    cause?: unknown,
  ) {
    super(`invalid ${entity}: ${Object.keys(errors).join(', ')}`, { entity, fields: Object.keys(errors), cause });
  }

  /** From class-validator's errors (nested properties joined with dots). */
  static fromValidation(entity: string, errors: ValidationError[]): EntityValidationError {
    const fields: FieldErrors = {};
    const walk = (list: ValidationError[], prefix: string) => {
      for (const e of list) {
        const path = prefix + e.property;
        if (e.constraints) fields[path] = Object.values(e.constraints);
        if (e.children?.length) walk(e.children, `${path}.`);
      }
    };
    walk(errors, '');
    return new EntityValidationError(entity, fields);
  }

  /** One field with one message. */
  static field(entity: string, field: string, message: string, cause?: unknown): EntityValidationError {
    return new EntityValidationError(entity, { [field]: [message] }, cause);
  }
}
