import { QueryFailedError } from 'typeorm';
import { CheckViolationError } from './check-violation.error';
import { errorResponse } from './database-exception.filter';
import { DatabaseUnavailableError } from './database-unavailable.error';
import { EntityValidationError } from './entity-validation.error';
import { ForeignKeyViolationError } from './foreign-key-violation.error';
import { NotNullViolationError } from './not-null-violation.error';
import { QueryTimeoutError } from './query-timeout.error';
import { translateDatabaseError } from './translate-database-error';
import { UniqueViolationError } from './unique-violation.error';
import { ReadOnlyTransactionError, TransactionOutcomeUnknownError } from '../transactions/transaction.errors';

const pgError = (fields: Record<string, string>) => Object.assign(new Error(fields.message ?? 'pg error'), fields);
const wrapped = (fields: Record<string, string>) =>
  new QueryFailedError('INSERT INTO secret_table VALUES ($1)', ['s3cret-value'], pgError(fields) as never);

describe('translateDatabaseError', () => {
  it.each([
    [
      { code: '23505', table: 'users', detail: 'Key (email)=(ada@example.com) already exists.' },
      UniqueViolationError,
      ['email'],
    ],
    [
      { code: '23503', table: 'tasks', detail: 'Key (assignee_id)=(x) is not present in table "users".' },
      ForeignKeyViolationError,
      ['assignee_id'],
    ],
    [{ code: '23502', table: 'users', column: 'email' }, NotNullViolationError, ['email']],
    [{ code: '23514', table: 'tasks', constraint: 'ck_tasks_priority' }, CheckViolationError, []],
    [{ code: '57014' }, QueryTimeoutError, []],
    [{ code: '08006' }, DatabaseUnavailableError, []],
    [{ code: '57P01' }, DatabaseUnavailableError, []],
    [{ code: '53300' }, DatabaseUnavailableError, []],
    [{ code: '57P02' }, DatabaseUnavailableError, []],
    [{ code: '57P03' }, DatabaseUnavailableError, []],
    [{ code: '25006', message: 'cannot execute INSERT in a read-only transaction' }, DatabaseUnavailableError, []],
    [{ code: '22P02', message: 'invalid input syntax for type uuid: "x"' }, EntityValidationError, ['value']],
    [{ code: 'ECONNREFUSED' }, DatabaseUnavailableError, []],
    [{ message: 'timeout exceeded when trying to connect' }, DatabaseUnavailableError, []],
    [new Error('Driver not Connected'), DatabaseUnavailableError, []],
    [
      new Error('Connection with postgres database is not established. Check connection configuration.'),
      DatabaseUnavailableError,
      [],
    ],
  ] as Array<[Record<string, string>, Function, string[]]>)(
    '%j becomes %p naming %j, wrapped by TypeORM or not',
    (fields, type, names) => {
      for (const error of [pgError(fields), wrapped(fields)]) {
        const typed = translateDatabaseError(error) as any;
        expect(typed).toBeInstanceOf(type);
        expect(typed.fields).toEqual(names);
        expect(typed.message).not.toMatch(/ada@example|s3cret|secret_table|ck_tasks|INSERT/);
        expect(typed.cause).toBeDefined();
      }
    },
  );

  it('leaves errors it does not know unchanged', () => {
    const error = new Error('something else');
    expect(translateDatabaseError(error)).toBe(error);
    expect((translateDatabaseError(pgError({ code: '40001' })) as Error).constructor).toBe(Error);
  });
});

describe('errorResponse', () => {
  it.each([
    [UniqueViolationError.onColumns('User', ['email']), 409],
    [QueryTimeoutError.cancelled(), 503],
    [DatabaseUnavailableError.because('down'), 503],
    [CheckViolationError.onConstraint('Task', ['priority']), 422],
    [NotNullViolationError.onColumn('Task', 'title'), 422],
    // A failover's window: COMMIT's answer lost is an outage too (the message says to verify first), not a 500.
    [TransactionOutcomeUnknownError.duringCommit(new Error('Connection terminated')), 503],
    [ReadOnlyTransactionError.writeRefused(Object.assign(new Error('read-only'), { code: '25006' })), 500],
  ] as const)('maps %p to %i without internals', (error, status) => {
    const body = errorResponse(error);
    expect(body.statusCode).toBe(status);
    expect(JSON.stringify(body)).not.toMatch(/stack|\n\s+at |SELECT|INSERT/);
  });

  it('answers a write refused by a read-only server (a standby, mid-failover) 503, without the statement', () => {
    const body = errorResponse(wrapped({ code: '25006', message: 'cannot execute INSERT in a read-only transaction' }));
    expect(body).toEqual({
      statusCode: 503,
      error: 'Service Unavailable',
      message: 'the database is unavailable: the server takes no writes now (read-only, e.g. a standby)',
      fields: [],
    });
  });

  it('turns an untranslated QueryFailedError into its typed status, and anything unknown into a bare 500', () => {
    expect(errorResponse(wrapped({ code: '23505', detail: 'Key (email)=(a@b.c) already exists.' })).statusCode).toBe(
      409,
    );
    expect(errorResponse(new TypeError('cannot read x of undefined'))).toEqual({
      statusCode: 500,
      error: 'Internal Server Error',
      message: 'internal error',
    });
  });

  it('keeps the 4xx of body-parser errors (malformed JSON, payload too large)', () => {
    expect(
      errorResponse(Object.assign(new SyntaxError('Unexpected token'), { status: 400, expose: true })).statusCode,
    ).toBe(400);
    expect(errorResponse(Object.assign(new Error('request entity too large'), { status: 413 })).statusCode).toBe(413);
  });
});
