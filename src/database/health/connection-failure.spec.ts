import { DatabaseError } from 'pg';
import { describeConnectionFailure } from './connection-failure';

function serverError(code: string, message = 'server says no'): DatabaseError {
  const error = new DatabaseError(message, message.length, 'error');
  error.code = code;
  return error;
}

function nodeError(code: string, message = `connect ${code} 10.1.2.3:5432`): Error {
  return Object.assign(new Error(message), { code });
}

describe('describeConnectionFailure', () => {
  it.each([
    ['28P01', 'authentication failed (wrong password)'],
    ['28000', 'authentication rejected (unknown role or no pg_hba.conf entry)'],
    ['3D000', 'database does not exist'],
    ['53300', 'too many connections (the server has no free connection slot)'],
    ['57P03', 'the server is starting up or shutting down'],
    ['57014', 'timeout after 750 ms (cancelled by the server)'],
    ['08006', 'connection failure'],
    ['53200', 'the server is out of resources'],
    ['22012', 'the server reported an error'],
  ])('maps SQLSTATE %s to %j', (code, cause) => {
    expect(describeConnectionFailure(serverError(code), 750)).toEqual({ cause, code });
  });

  it.each([
    ['ECONNREFUSED', 'connection refused (no server listening)'],
    ['ENOTFOUND', 'host not found'],
    ['ETIMEDOUT', 'connection timed out'],
    ['ECONNRESET', 'connection lost'],
    ['EPIPE', 'connection lost'],
    ['EHOSTUNREACH', 'host unreachable'],
    ['DEPTH_ZERO_SELF_SIGNED_CERT', 'TLS failed: the server certificate was not trusted'],
    ['ERR_TLS_CERT_ALTNAME_INVALID', 'TLS failed: the server certificate does not name the host connected to'],
  ])('maps Node code %s to %j', (code, cause) => {
    expect(describeConnectionFailure(nodeError(code), 750)).toEqual({ cause, code });
  });

  it('finds the code inside the AggregateError of a happy-eyeballs connect', () => {
    const error = new AggregateError([nodeError('ECONNREFUSED'), nodeError('ECONNREFUSED')], '');
    expect(describeConnectionFailure(error, 750)).toEqual({
      cause: 'connection refused (no server listening)',
      code: 'ECONNREFUSED',
    });
  });

  it.each([
    ['timeout expired', 'timeout after 750 ms (connecting)'],
    ['Connection terminated due to connection timeout', 'timeout after 750 ms (connecting)'],
    ['The server does not support SSL connections', 'TLS failed: the server does not support TLS'],
    ['Connection terminated unexpectedly', 'connection lost'],
    ['Client has encountered a connection error and is not queryable', 'connection lost'],
  ])('maps pg message %j to %j', (message, cause) => {
    expect(describeConnectionFailure(new Error(message), 750).cause).toBe(cause);
  });

  it('never copies the error message: hosts, users and URLs stay out', () => {
    const error = new Error('getaddrinfo EAI_FAIL postgres://app:s3cret@db.internal:5432/app');
    const failure = describeConnectionFailure(error, 750);
    expect(failure).toEqual({ cause: 'unexpected error', code: undefined });
    expect(JSON.stringify(failure)).not.toMatch(/s3cret|db\.internal|postgres:/);
    expect(describeConnectionFailure(serverError('28P01', 'password authentication failed for user "app"'), 1)).toEqual(
      { cause: 'authentication failed (wrong password)', code: '28P01' },
    );
  });
});
