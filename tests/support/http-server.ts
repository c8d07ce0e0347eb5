import { createServer as createHttpServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo, Socket } from 'node:net';
import type { KeyAndCert } from './certs.js';

/** Answers one request; `n` is its 1-based number. */
export type Handler = (req: IncomingMessage, res: ServerResponse, n: number) => void;

export interface TestHttpServer {
  /** `http://127.0.0.1:PORT` or `https://127.0.0.1:PORT` (or `[::1]`). */
  url: string;
  host: string;
  port: number;
  /** Requests received so far. */
  requestCount(): number;
  close(): Promise<void>;
}

export interface TestHttpServerOptions {
  /** Serve HTTPS with this key and certificate. */
  tls?: KeyAndCert;
  /** A loopback address: 127.0.0.1 (default) or ::1. */
  host?: '127.0.0.1' | '::1';
}

/** An in-process HTTP or HTTPS server on a free loopback port. */
export async function startHttpServer(handler: Handler, o: TestHttpServerOptions = {}): Promise<TestHttpServer> {
  const host = o.host ?? '127.0.0.1';
  let count = 0;
  const counted = (req: IncomingMessage, res: ServerResponse): void => handler(req, res, ++count);
  const server: Server = o.tls ? createHttpsServer({ key: o.tls.key, cert: o.tls.cert }, counted) : createHttpServer(counted);
  const sockets = new Set<Socket>();
  server.on('connection', (s: Socket) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  // a client that aborts its handshake must not crash the test process
  server.on('tlsClientError', () => undefined);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, host, () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  const shownHost = host.includes(':') ? `[${host}]` : host;
  return {
    url: `${o.tls ? 'https' : 'http'}://${shownHost}:${port}`,
    host,
    port,
    requestCount: () => count,
    close: () =>
      new Promise((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}

/** Reads a request body as text. */
export function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    let text = '';
    req.setEncoding('utf8');
    req.on('data', (c: string) => (text += c));
    req.on('end', () => resolve(text));
    req.on('error', reject);
  });
}

/** Answers with JSON. */
export function sendJson(res: ServerResponse, status: number, value: unknown, headers: Record<string, string> = {}): void {
  res.writeHead(status, { 'content-type': 'application/json', ...headers });
  res.end(JSON.stringify(value));
}
