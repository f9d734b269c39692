import { isPermanentStartupFailure, isUnreachable } from './database-connection';

describe('what degraded start waits out', () => {
  it('an unreachable server, not one that answers with an error', () => {
    const refused = Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:5432'), { code: 'ECONNREFUSED' });
    expect(isUnreachable(refused)).toBe(true);
    expect(isUnreachable(new AggregateError([refused, refused]))).toBe(true);
    expect(isUnreachable(new Error('Connection terminated due to connection timeout'))).toBe(true);
    expect(isUnreachable(Object.assign(new Error('the database system is starting up'), { code: '57P03' }))).toBe(true);
    expect(isUnreachable(Object.assign(new Error('relation "x" already exists'), { code: '42P07' }))).toBe(false);
    expect(isUnreachable(new Error('No metadata for "X" was found'))).toBe(false);
    expect(
      isPermanentStartupFailure(Object.assign(new Error('password authentication failed'), { code: '28P01' })),
    ).toBe(true);
    expect(isPermanentStartupFailure(refused)).toBe(false);
    const wrongCa = Object.assign(new Error('unable to verify the first certificate'), {
      code: 'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
    });
    expect(isPermanentStartupFailure(wrongCa)).toBe(true);
    expect(isPermanentStartupFailure(new Error('The server does not support SSL connections'))).toBe(true);
  });
});
