import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';

/** What a keyset cursor carries: the last row's sort-key values and the query it belongs to. */
export interface CursorPayload {
  /** Sort-key values of the last row of the page, as text, tie-breaker last. */
  keys: string[];
  /** Signature of the sort and filters the cursor was made for. */
  query: string;
}

/**
 * Opaque, tamper-evident cursors: base64url(JSON) + "." + HMAC-SHA256. A forged, truncated or
 * foreign cursor fails `decode`; one made for another sort or filter fails the query check.
 */
export class CursorCodec {
  private readonly key: Buffer;

  /** `secret`: share it between replicas (`PAGINATION_CURSOR_SECRET`) so cursors survive a hop. */
  constructor(secret?: string) {
    this.key = secret ? Buffer.from(secret, 'utf8') : randomBytes(32);
  }

  encode(payload: CursorPayload): string {
    const body = Buffer.from(JSON.stringify([payload.keys, payload.query]), 'utf8').toString('base64url');
    return `${body}.${this.sign(body)}`;
  }

  /** The payload, or `undefined` when the token is not one this codec signed. */
  decode(token: string): CursorPayload | undefined {
    const [body, signature, extra] = token.split('.');
    if (!body || !signature || extra !== undefined) return undefined;
    const expected = Buffer.from(this.sign(body));
    const given = Buffer.from(signature);
    if (expected.length !== given.length || !timingSafeEqual(expected, given)) return undefined;
    try {
      const [keys, query] = JSON.parse(Buffer.from(body, 'base64url').toString('utf8')) as [unknown, unknown];
      if (!Array.isArray(keys) || !keys.every((k) => typeof k === 'string') || typeof query !== 'string')
        return undefined;
      return { keys, query };
    } catch {
      return undefined;
    }
  }

  private sign(body: string): string {
    return createHmac('sha256', this.key).update(body).digest('base64url');
  }
}
