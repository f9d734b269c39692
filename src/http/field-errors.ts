import { BadRequestException } from '@nestjs/common';
import type { ValidationError } from 'class-validator';

/** Field (or query parameter) name → what is wrong with it. */
export type FieldMessages = Record<string, string[]>;

/** Longest client-chosen name echoed in an error body. */
const MAX_ECHOED_NAME = 64;

/** @internal A client-chosen name, cut short enough to echo back. */
export function echoName(name: string): string {
  return name.length > MAX_ECHOED_NAME ? `${name.slice(0, MAX_ECHOED_NAME)}…` : name;
}

/**
 * A 400 that names every bad field: `{ message: 'email: must be an email address', fields: { email: [...] } }`.
 * `DatabaseExceptionFilter` passes `fields` through to the response.
 */
export function fieldsBadRequest(entries: Array<[string, string[]]>): BadRequestException {
  const named = entries.map(([name, messages]) => [echoName(name), messages] as [string, string[]]);
  const fields: FieldMessages = Object.fromEntries(named); // own keys, even `__proto__`
  const message = named.map(([name, messages]) => `${name || '""'}: ${messages.join(', ')}`).join('; ');
  return new BadRequestException({ message, fields });
}

function messagesOf(error: ValidationError, property: string): string[] {
  return Object.entries(error.constraints ?? {}).map(([constraint, text]) => {
    if (constraint === 'whitelistValidation') return 'is not a field of this body';
    if (constraint === 'unknownValue') return 'must be a JSON object';
    return text.startsWith(`${property} `) ? text.slice(property.length + 1) : text;
  });
}

/** class-validator's errors as `[field, messages]` pairs; nested properties are joined with dots. */
export function validationEntries(errors: ValidationError[], prefix = ''): Array<[string, string[]]> {
  return errors.flatMap((error) => {
    // No property: an error of the object itself (the body, or the parent field). A field named "" is a field.
    const path =
      error.property === undefined || error.property === null
        ? prefix.replace(/\.$/, '') || 'body'
        : `${prefix}${error.property}`;
    const own: Array<[string, string[]]> = error.constraints ? [[path, messagesOf(error, error.property ?? '')]] : [];
    return [...own, ...validationEntries(error.children ?? [], `${path}.`)];
  });
}
