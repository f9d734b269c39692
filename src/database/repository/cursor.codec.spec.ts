import { createHmac } from 'node:crypto';
import { CursorCodec, KNOWN_CURSORS } from './cursor.codec';

const payload = (n: number) => ({
  keys: ['2026-11-30 12:34:56.123456+00', `id-${n}`],
  query: '[["createdAt","DESC"]]',
});

describe('CursorCodec', () => {
  it('decodes what it encoded, again and again', () => {
    const codec = new CursorCodec('secret');
    const token = codec.encode(payload(1));
    expect(codec.decode(token)).toEqual(payload(1));
    expect(codec.decode(token)).toEqual(payload(1));
  });

  it('decodes a token another codec with the same secret issued (another replica)', () => {
    const token = new CursorCodec('secret').encode(payload(2));
    const codec = new CursorCodec('secret');
    expect(codec.decode(token)).toEqual(payload(2));
    expect(codec.decode(token)).toEqual(payload(2));
  });

  it('refuses a forged or altered token, even once the genuine one is known', () => {
    const codec = new CursorCodec('secret');
    const token = codec.encode(payload(3));
    expect(codec.decode(token)).toBeDefined();
    const [body, signature] = token.split('.');
    const forged = Buffer.from(JSON.stringify([['1999-01-01', 'x'], payload(3).query])).toString('base64url');
    expect(codec.decode(`${forged}.${signature}`)).toBeUndefined();
    expect(codec.decode(`${body}.${signature.slice(1)}`)).toBeUndefined();
    expect(codec.decode(`${body}.${signature}.x`)).toBeUndefined();
    expect(new CursorCodec('other').decode(token)).toBeUndefined();
  });

  it('hands out payloads the caller cannot alter for the next decode', () => {
    const codec = new CursorCodec('secret');
    const given = payload(4);
    const token = codec.encode(given);
    given.keys[0] = 'changed';
    const first = codec.decode(token)!;
    first.keys[1] = 'changed too';
    expect(codec.decode(token)).toEqual(payload(4));
  });

  it('still verifies tokens it no longer remembers', () => {
    const codec = new CursorCodec('secret');
    const tokens = Array.from({ length: KNOWN_CURSORS + 10 }, (_, n) => codec.encode(payload(n)));
    expect(codec.decode(tokens[0])).toEqual(payload(0));
    expect(codec.decode(tokens.at(-1)!)).toEqual(payload(KNOWN_CURSORS + 9));
  });

  it.each([
    ['a short secret', 'secret'],
    ['a secret of one block', 'k'.repeat(64)],
    ['a secret longer than a block (hashed first)', 'long secret '.repeat(20)],
    ['a secret of non-ASCII text', 'clé secrète ✓'],
  ])('signs as HMAC-SHA256 does, with %s', (_, secret) => {
    const token = new CursorCodec(secret).encode(payload(5));
    const [body, signature] = token.split('.');
    expect(signature).toBe(createHmac('sha256', secret).update(body).digest('base64url'));
  });

  it('signs any text of a token as HMAC-SHA256 of its UTF-8 does: a non-ASCII body never signs as a genuine one', () => {
    const codec = new CursorCodec('secret') as unknown as { sign(body: string): string };
    // U+0141 is 0x41 ('A') as a Latin-1 byte, and base64url decoding would skip it.
    for (const body of ['\u0141BC', 'ABC', 'é✓\u{1F600}']) {
      expect(codec.sign(body)).toBe(createHmac('sha256', 'secret').update(body).digest('base64url'));
    }
  });
});
