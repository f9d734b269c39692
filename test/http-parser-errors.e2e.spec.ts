import { clientErrorResponse } from '../src/http/client-error.hook';
import { http, startApiApp } from './support/api';
import { rawExchange, RawExchange } from './support/hostile-socket';
import { StartedTestApp } from './support/test-app';

/** Marks the client's bytes: an answer that contains it reflected the request. */
const CANARY = 'CANARY<script>x';
const head = (lines: string[]) => `${lines.join('\r\n')}\r\n\r\n`;

// Regression (issue 20): Node's parser answered these with an empty body, against the promise of
// `{ statusCode, error, message }` on every error.
describe("errors of Node's HTTP parser, over a raw socket", () => {
  let t: StartedTestApp;
  beforeAll(async () => {
    t = await startApiApp();
  });
  afterAll(() => t?.close());

  /** The last response on the connection is the parser's error, in the API's error body. */
  function expectParserError(exchange: RawExchange, status: number, message: RegExp): void {
    const last = exchange.responses.at(-1);
    if (!last) throw new Error(`no response; the server sent ${JSON.stringify(exchange.raw.slice(0, 200))}`);
    expect(last.status).toBe(status);
    expect(last.headers['content-type']).toBe('application/json; charset=utf-8');
    expect(last.headers.connection).toBe('close');
    const body = JSON.parse(last.body);
    expect(Object.keys(body)).toEqual(['statusCode', 'error', 'message']);
    expect(body).toMatchObject({ statusCode: status, error: expect.any(String) });
    expect(body.message).toMatch(message);
    expect(exchange.raw).not.toContain('CANARY');
    expect(exchange.raw).not.toContain('<script>');
  }

  it('a control byte in a header value: 400 naming the headers', async () => {
    const request = head(['GET /health/live HTTP/1.1', 'Host: x', `X-Actor: a\u0001${CANARY}`]);
    expectParserError(await rawExchange(t, request), 400, /^headers: /);
  });

  it('a control byte in a header name: 400 naming the headers', async () => {
    const request = head(['GET /health/live HTTP/1.1', 'Host: x', `X-${CANARY}\u0007: 1`]);
    expectParserError(await rawExchange(t, request), 400, /^headers: /);
  });

  it.each([
    ['not a number', ['Content-Length: 12abc']],
    ['two different lengths', ['Content-Length: 2', 'Content-Length: 3']],
    ['a length and chunked', ['Content-Length: 2', 'Transfer-Encoding: chunked']],
  ])('a lying Content-Length (%s): 400, nothing written', async (_case, headers) => {
    const before = await http(t).get('/users?count=true').expect(200);
    const request = head(['POST /users HTTP/1.1', 'Host: x', 'Content-Type: application/json', ...headers]);
    const exchange = await rawExchange(t, `${request}{"email":"${CANARY}@example.com","displayName":"x"}`);
    expectParserError(exchange, 400, /^(Content-Length|Transfer-Encoding): /);
    expect(exchange.responses).toHaveLength(1);
    const after = await http(t).get('/users?count=true').expect(200);
    expect(after.body.meta.totalItems).toBe(before.body.meta.totalItems);
  });

  it('a Content-Length shorter than the body: the rest is a malformed next request, answered 400', async () => {
    const request = head(['POST /users HTTP/1.1', 'Host: x', 'Content-Type: application/json', 'Content-Length: 2']);
    const exchange = await rawExchange(t, `${request}{}${CANARY} / HTTP/1.1\r\n\r\n`);
    // The parser refuses the rest in the same read, before the first request is answered: the
    // connection closes with the parser's answer alone, as Node's own handler would.
    expect(exchange.responses).toHaveLength(1);
    expectParserError(exchange, 400, /^request line: not a valid method/);
  });

  it('a Content-Length longer than the body, then the client stops sending: 400, no row', async () => {
    const before = await http(t).get('/users?count=true').expect(200);
    const request = head(['POST /users HTTP/1.1', 'Host: x', 'Content-Type: application/json', 'Content-Length: 500']);
    const exchange = await rawExchange(t, `${request}{"email":"${CANARY}@example.com"`, true);
    expectParserError(exchange, 400, /^request: /);
    const after = await http(t).get('/users?count=true').expect(200);
    expect(after.body.meta.totalItems).toBe(before.body.meta.totalItems);
  });

  it('headers over the server limit: 431', async () => {
    const request = head(['GET /health/live HTTP/1.1', 'Host: x', `X-Big: ${CANARY}${'a'.repeat(20_000)}`]);
    expectParserError(await rawExchange(t, request), 431, /^headers: larger/);
  });

  it.each([
    ['a method with a bad character', `G@T /health/live HTTP/1.1`, /^request line: /],
    ['a space in the target', `GET /health/${CANARY} x HTTP/1.1`, /^request: not valid HTTP/],
    ['an HTTP version that does not exist', `GET /health/live HTTP/9.${CANARY}`, /^request line: /],
    ['no request line at all', `${CANARY}`, /^request line: /],
  ])('a malformed request line (%s): 400', async (_case, line, message) => {
    expectParserError(await rawExchange(t, head([line, 'Host: x'])), 400, message);
  });

  it('the app still serves after every refused connection', async () => {
    await http(t).get('/health/live').expect(200);
  });

  it('builds the answer from the error code alone, with its status line and a matching Content-Length', () => {
    for (const [code, status] of [
      ['HPE_HEADER_OVERFLOW', 431],
      ['ERR_HTTP_REQUEST_TIMEOUT', 408],
      ['HPE_CHUNK_EXTENSIONS_OVERFLOW', 413],
      ['HPE_SOMETHING_NEW', 400],
      [undefined, 400],
    ] as const) {
      const response = clientErrorResponse(code);
      const [headers, body] = response.split('\r\n\r\n');
      expect(headers.split('\r\n')[0]).toMatch(new RegExp(`^HTTP/1\\.1 ${status} [A-Z]`));
      expect(headers).toContain(`Content-Length: ${Buffer.byteLength(body)}`);
      expect(JSON.parse(body)).toMatchObject({ statusCode: status });
    }
  });
});
