import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface LoopbackServer {
  /** `http://127.0.0.1:<port>` */
  url: string;
  port: number;
  /** Requests answered so far. */
  requests: () => number;
  close: () => Promise<void>;
}

/** An HTTP server on 127.0.0.1 with an ephemeral port; `handler` gets the 1-based request number. */
export async function startLoopbackServer(
  handler: (n: number, req: IncomingMessage, res: ServerResponse) => void,
): Promise<LoopbackServer> {
  let count = 0;
  const server = createServer((req, res) => handler(++count, req, res));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    requests: () => count,
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** An HTTP server on 127.0.0.1 with an ephemeral port. */
export function startHttp(handler: (req: IncomingMessage, res: ServerResponse) => void): Promise<LoopbackServer> {
  return startLoopbackServer((_n, req, res) => handler(req, res));
}

export { sendJson } from './http-server.js';
