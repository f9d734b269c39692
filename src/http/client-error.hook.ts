import { STATUS_CODES } from 'node:http';
import type { Duplex } from 'node:stream';
import { Injectable, OnApplicationBootstrap } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';

/** What Node's HTTP parser reports (`error.code`), answered without quoting the request. */
const ANSWERS: Record<string, [status: number, message: string]> = {
  HPE_HEADER_OVERFLOW: [431, 'headers: larger than the server accepts'],
  HPE_CHUNK_EXTENSIONS_OVERFLOW: [413, 'Transfer-Encoding: chunk extensions larger than the server accepts'],
  ERR_HTTP_REQUEST_TIMEOUT: [408, 'request: not received in time'],
  HPE_INVALID_HEADER_TOKEN: [400, 'headers: a header name or value is not valid HTTP (a control character?)'],
  HPE_LF_EXPECTED: [400, 'headers: a line does not end with CRLF'],
  HPE_CR_EXPECTED: [400, 'headers: a line does not end with CRLF'],
  HPE_INVALID_CONTENT_LENGTH: [400, 'Content-Length: not a valid length'],
  HPE_UNEXPECTED_CONTENT_LENGTH: [400, 'Content-Length: repeated, or sent with Transfer-Encoding'],
  HPE_INVALID_TRANSFER_ENCODING: [400, 'Transfer-Encoding: not valid'],
  HPE_INVALID_CHUNK_SIZE: [400, 'Transfer-Encoding: a chunk size is not valid'],
  HPE_INVALID_METHOD: [400, 'request line: not a valid method'],
  HPE_INVALID_URL: [400, 'request line: not a valid target'],
  HPE_INVALID_VERSION: [400, 'request line: not a valid HTTP version'],
  HPE_INVALID_CONSTANT: [400, 'request: not valid HTTP'],
};
const DEFAULT_ANSWER: [number, string] = [400, 'request: not valid HTTP'];

/**
 * @internal The raw response to a request Node's HTTP parser refused (`clientError`): the status
 * Node would send (431, 413, 408 or 400) with the API's `{ statusCode, error, message }` body,
 * built from the error's code alone, never from the request's bytes.
 */
export function clientErrorResponse(code: string | undefined): string {
  const [statusCode, message] = (code && ANSWERS[code]) || DEFAULT_ANSWER;
  const error = STATUS_CODES[statusCode] ?? 'Bad Request';
  const body = JSON.stringify({ statusCode, error, message });
  return (
    `HTTP/1.1 ${statusCode} ${error}\r\nContent-Type: application/json; charset=utf-8\r\n` +
    `Content-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`
  );
}

type ServerSocket = Duplex & { _httpMessage?: { headersSent?: boolean } | null };

/** @internal Answers `error` on `socket` if nothing of a response was written yet, then closes it. */
export function answerClientError(error: NodeJS.ErrnoException, socket: ServerSocket): void {
  // As Node's default handler: a reset peer gets nothing; never corrupt a response in flight.
  if (error.code === 'ECONNRESET' || !socket.writable || socket._httpMessage?.headersSent) {
    socket.destroy();
    return;
  }
  socket.end(clientErrorResponse(error.code), () => socket.destroy());
}

/**
 * Registers {@link answerClientError} as the HTTP server's `clientError` listener at bootstrap, so
 * the requests Node's parser refuses before any route (a control byte in a header, a bad
 * `Content-Length`, oversized headers, a malformed request line) get the same JSON error body as
 * every other error instead of Node's empty one. A provider, so `main.ts` and the tests' apps both
 * get it.
 */
@Injectable()
export class ClientErrorHook implements OnApplicationBootstrap {
  constructor(private readonly adapterHost: HttpAdapterHost) {}

  onApplicationBootstrap(): void {
    const server = this.adapterHost.httpAdapter?.getHttpServer() as
      { on(event: 'clientError', listener: typeof answerClientError): void } | undefined;
    server?.on('clientError', answerClientError);
  }
}
