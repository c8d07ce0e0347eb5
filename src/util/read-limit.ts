import type { Socket } from 'node:net';

/** A server sent more than a probe reads from one connection; the socket was closed. */
export class ReadLimitError extends Error {
  constructor(where: string, limit: number, what: string) {
    super(`${where} sent more than ${Math.round(limit / 1024 / 1024)} MiB (${what}); the connection was closed`);
    this.name = 'ReadLimitError';
  }
}

/**
 * Bounds what a client buffers from a server, whatever it announces: the bytes read from `socket` (and from any
 * socket later given to `add`, such as the TLS socket over it) count against one `limit`; past it, the socket is
 * destroyed with a ReadLimitError. Clients such as pg and ioredis keep a message until it is complete, so a peer
 * announcing a 1.5 GB reply, or streaming garbage, would otherwise grow their buffers without end.
 */
export function limitReads(
  limit: number,
  error: () => ReadLimitError,
): { add(socket: Socket): void; exceeded(): ReadLimitError | undefined } {
  let total = 0;
  let failure: ReadLimitError | undefined;
  return {
    add(socket) {
      const push = socket.push.bind(socket);
      socket.push = (chunk: unknown, encoding?: BufferEncoding): boolean => {
        if (failure) return false;
        if (chunk !== null && chunk !== undefined) {
          total += (chunk as { length: number }).length;
          if (total > limit) {
            failure = error();
            socket.destroy(failure);
            return false;
          }
        }
        return push(chunk, encoding);
      };
    },
    exceeded: () => failure,
  };
}
