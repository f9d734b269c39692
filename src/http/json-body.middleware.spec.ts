import { hasBody, isJsonBody } from './json-body.middleware';

describe('JsonBodyMiddleware rules', () => {
  it.each([
    [{}, false],
    [{ 'content-length': '0' }, false],
    [{ 'content-length': '12' }, true],
    [{ 'transfer-encoding': 'chunked' }, true],
  ])('hasBody(%j) is %s', (headers, expected) => {
    expect(hasBody(headers)).toBe(expected);
  });

  it.each([
    ['application/json', false, true],
    ['application/json; charset=utf-8', false, true],
    ['APPLICATION/JSON;charset=UTF-8', false, true],
    ['application/json ; charset=utf-8', false, true],
    ['application/merge-patch+json', true, true],
    ['application/vnd.api+json; charset=utf-8', true, true],
    // A +json type the app's parser did not read would reach the routes as an empty body.
    ['application/merge-patch+json', false, false],
    ['application/x-www-form-urlencoded', true, false],
    ['multipart/form-data; boundary=x', false, false],
    ['text/plain', false, false],
    ['text/json', false, false],
    ['application/jsonx', false, false],
    ['application/json-seq', false, false],
    ['application/+json', true, false],
    [undefined, false, false],
  ])('isJsonBody(%s, parsed: %s) is %s', (type, parsed, expected) => {
    expect(isJsonBody({ headers: { 'content-type': type }, readableEnded: parsed })).toBe(expected);
  });
});
