import { describeStartupFailure } from './startup-failure';

const tlsError = (code: string, message: string) => Object.assign(new Error(message), { code });

describe('describeStartupFailure', () => {
  it.each([
    [
      'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
      'unable to verify the first certificate',
      /not signed by a trusted CA; set DB_SSL_CA/,
    ],
    ['SELF_SIGNED_CERT_IN_CHAIN', 'self-signed certificate in certificate chain', /set DB_SSL_CA/],
    ['DEPTH_ZERO_SELF_SIGNED_CERT', 'self-signed certificate', /set DB_SSL_CA/],
    [
      'ERR_TLS_CERT_ALTNAME_INVALID',
      "Hostname/IP does not match certificate's altnames",
      /does not name the host .*DB_HOST/,
    ],
    ['CERT_HAS_EXPIRED', 'certificate has expired', /has expired; have it renewed/],
  ])('%s: says what failed and what to set, then Node’s words', (code, message, hint) => {
    const text = describeStartupFailure(tlsError(code, message));
    expect(text).toMatch(/^TLS verification failed: /);
    expect(text).toMatch(hint);
    expect(text).toContain(`(${code}: ${message})`);
  });

  it('a server with TLS off', () => {
    expect(describeStartupFailure(new Error('The server does not support SSL connections'))).toMatch(
      /TLS turned off .*turn it on there/,
    );
  });

  it.each([
    [Object.assign(new Error('password authentication failed for user "app"'), { code: '28P01' })],
    [Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:1'), { code: 'ECONNREFUSED' })],
    ['a string'],
  ])('anything else: the message as it is (%s)', (error) => {
    expect(describeStartupFailure(error)).toBe(error instanceof Error ? error.message : error);
  });
});
