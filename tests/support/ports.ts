import { createServer, type Server, type Socket } from 'node:net';

/** A loopback port that was free a moment ago (the kernel picks it); nothing listens on it now. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

/** A loopback port nothing listens on: connecting to it is refused. */
export const closedPort = (): Promise<number> => freePort();

/** A loopback TCP server that accepts connections and never sends a byte: a hung service. */
export interface SilentServer {
  host: string;
  port: number;
  /** `127.0.0.1:<port>` or `[::1]:<port>` */
  address: string;
  /** Connections accepted so far. */
  readonly connections: number;
  close(): Promise<void>;
}

/** A probe that talks to it must give up when its signal aborts (its timeout), never hang. */
export function startSilentServer(host: '127.0.0.1' | '::1' = '127.0.0.1'): Promise<SilentServer> {
  const sockets = new Set<Socket>();
  let accepted = 0;
  const server: Server = createServer((socket) => {
    accepted++;
    sockets.add(socket);
    socket.on('error', () => undefined);
    socket.on('close', () => sockets.delete(socket));
  });
  return new Promise((resolve, reject) => {
    server.on('error', reject);
    server.listen(0, host, () => {
      const { port } = server.address() as { port: number };
      resolve({
        host,
        port,
        address: host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`,
        get connections() {
          return accepted;
        },
        close: () =>
          new Promise<void>((done) => {
            for (const s of sockets) s.destroy();
            server.close(() => done());
          }),
      });
    });
  });
}
