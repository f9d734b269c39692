import { connect } from 'node:net';
import type { Client } from 'pg';

/** Protocol code of a CancelRequest (1234 << 16 | 5678). */
const CANCEL_REQUEST_CODE = 80_877_102;
const CANCEL_SOCKET_TIMEOUT_MS = 1_000;

/**
 * @internal Asks the server to cancel the statement `client`'s session is running, as libpq's
 * `PQcancel` does: a CancelRequest on a fresh socket, which takes no connection slot and needs
 * no password. pg has no public API for it (`Client#cancel` wants the Query object). Best effort:
 * resolves once the server has closed the socket, on an error, or after a second; never rejects.
 */
export function sendCancelRequest(client: Client): Promise<void> {
  const { processID, secretKey } = client as unknown as { processID: number | null; secretKey: number | null };
  if (processID === null || secretKey === null || !client.host) return Promise.resolve();
  return new Promise((resolve) => {
    const socket = client.host.startsWith('/')
      ? connect(`${client.host}/.s.PGSQL.${client.port}`)
      : connect(client.port, client.host);
    socket.setTimeout(CANCEL_SOCKET_TIMEOUT_MS, () => socket.destroy());
    socket.once('error', () => socket.destroy());
    socket.once('close', () => resolve());
    socket.once('connect', () => {
      const message = Buffer.alloc(16);
      message.writeInt32BE(16, 0);
      message.writeInt32BE(CANCEL_REQUEST_CODE, 4);
      message.writeInt32BE(processID, 8);
      message.writeInt32BE(secretKey, 12);
      socket.end(message);
    });
  });
}
