import { connect } from 'node:net';
import type { StartedTestApp } from './test-app';

/** One HTTP response read off a raw socket. */
export interface RawResponse {
  status: number;
  /** Header names lower-cased. */
  headers: Record<string, string>;
  body: string;
}

/** What came back on a raw connection, up to the server closing it. */
export interface RawExchange {
  /** Every response on the connection, in order (keep-alive can carry several). */
  responses: RawResponse[];
  /** Everything the server sent, as latin1 text. */
  raw: string;
}

/** The responses in `raw`, split by their `Content-Length` (the app always sends one on errors). */
export function parseResponses(raw: string): RawResponse[] {
  const responses: RawResponse[] = [];
  let rest = raw;
  while (rest.startsWith('HTTP/')) {
    const end = rest.indexOf('\r\n\r\n');
    if (end < 0) break;
    const [statusLine, ...lines] = rest.slice(0, end).split('\r\n');
    const headers = Object.fromEntries(
      lines.map((line) => [line.slice(0, line.indexOf(':')).toLowerCase(), line.slice(line.indexOf(':') + 1).trim()]),
    );
    const length = Number(headers['content-length'] ?? rest.length - end - 4);
    responses.push({ status: Number(statusLine.split(' ')[1]), headers, body: rest.slice(end + 4, end + 4 + length) });
    rest = rest.slice(end + 4 + length);
  }
  return responses;
}

/**
 * Sends `bytes` as they are to the app's port and reads until the server closes the connection
 * (a test that never sees the close fails on Jest's timeout). `halfClose` ends the client's side
 * after sending, as a client that lied about its `Content-Length` would.
 */
export function rawExchange(t: StartedTestApp, bytes: string | Buffer, halfClose = false): Promise<RawExchange> {
  const { port, hostname } = new URL(t.baseUrl);
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    const socket = connect({ port: Number(port), host: hostname }, () => {
      socket.write(typeof bytes === 'string' ? Buffer.from(bytes, 'latin1') : bytes);
      if (halfClose) socket.end();
    });
    socket.on('data', (chunk: Buffer) => chunks.push(chunk));
    // The server may reset a connection it refused while the client still writes: what was read counts.
    socket.on('error', (error: NodeJS.ErrnoException) => (error.code === 'ECONNRESET' ? undefined : reject(error)));
    socket.on('close', () => {
      const raw = Buffer.concat(chunks).toString('latin1');
      resolve({ responses: parseResponses(raw), raw });
    });
  });
}
