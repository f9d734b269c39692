/** Chain checks Node's `tls` fails when no trusted CA signed the server's certificate. */
const UNTRUSTED = new Set([
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'UNABLE_TO_GET_ISSUER_CERT',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'CERT_UNTRUSTED',
  'CERT_SIGNATURE_FAILURE',
]);

const HINTS: Record<string, string> = {
  ERR_TLS_CERT_ALTNAME_INVALID:
    "the server's TLS certificate does not name the host connected to; connect by a name the certificate " +
    'lists (DB_HOST, or the host of DATABASE_URL), or have the certificate reissued with that name',
  CERT_HAS_EXPIRED: "the server's TLS certificate has expired; have it renewed",
  CERT_NOT_YET_VALID: "the server's TLS certificate is not valid yet; check the clocks or the certificate",
};

const UNTRUSTED_HINT =
  "the server's TLS certificate is not signed by a trusted CA; set DB_SSL_CA to the CA certificate that " +
  'signed it (without DB_SSL_CA only the system CAs are trusted)';

/**
 * One line saying why the service could not start: for a TLS verification failure, what failed and
 * which variable to fix, followed by Node's own words; otherwise the error's message. Connection
 * errors from pg carry no password (the options builder never hands pg a URL), so the message is safe.
 */
export function describeStartupFailure(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  const code = (error as { code?: unknown } | null)?.code;
  if (typeof code === 'string') {
    const hint = UNTRUSTED.has(code) ? UNTRUSTED_HINT : HINTS[code];
    if (hint) return `TLS verification failed: ${hint} (${code}: ${message})`;
  }
  if (/does not support SSL/i.test(message)) {
    return `${message}: the server has TLS turned off (ssl = off in postgresql.conf); turn it on there`;
  }
  return message;
}
