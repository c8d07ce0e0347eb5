import { z } from 'zod';
import { describeNetworkError } from '../../util/network-error.js';
import { duration, port } from '../params.js';
import { defineProbe } from '../types.js';
import { formatDuration } from '../../util/duration.js';

const params = z.strictObject({
  host: z.string().min(1, 'expected a host name or address').describe('Host to connect to.'),
  port: port().describe('TCP port.'),
  connect_timeout: duration()
    .optional()
    .describe(
      'Give up connecting after this long and observe connected == false (for "must not be reachable" checks). Default: the item\'s timeout, which fails the item.',
    ),
});

/** Opens a TCP connection and closes it. */
export default defineProbe({
  kind: 'tcp',
  summary: 'Checks that a TCP port accepts connections, and how fast.',
  docs: 'https://nodejs.org/api/net.html#netcreateconnectionoptions-connectlistener',
  params,
  example: { host: 'db.internal', port: 5432 },
  observations: {
    connected: 'true when the connection was accepted; false when refused, unresolvable or past connect_timeout',
    latency_ms: 'time to establish the connection, in milliseconds',
    address: 'the address connected to',
    error: 'why the connection failed; null when connected',
  },
  defaultCheck: 'connected == true',
  async run(p, ctx) {
    const net = await import('node:net');
    const where = `${net.isIP(p.host) === 6 ? `[${p.host}]` : p.host}:${p.port}`;
    const began = performance.now();
    const result = await new Promise<{ address: string | null; error: string | null }>((resolve, reject) => {
      if (ctx.signal.aborted) return reject(new Error(`${where}: aborted before connecting`));
      const socket = net.connect({ host: p.host, port: p.port });
      let timer: NodeJS.Timeout | undefined;
      const done = (): void => {
        clearTimeout(timer);
        ctx.signal.removeEventListener('abort', onAbort);
        socket.destroy();
      };
      const onAbort = (): void => {
        done();
        const reason = ctx.signal.reason instanceof Error ? ctx.signal.reason.message : 'aborted';
        reject(new Error(`no answer from ${where}: ${reason}`));
      };
      ctx.signal.addEventListener('abort', onAbort, { once: true });
      if (p.connect_timeout !== undefined) {
        timer = setTimeout(() => {
          done();
          resolve({ address: null, error: `no answer from ${where} within ${formatDuration(p.connect_timeout!)}` });
        }, p.connect_timeout);
      }
      socket.once('connect', () => {
        const address = socket.remoteAddress ?? null;
        done();
        resolve({ address, error: null });
      });
      socket.once('error', (e) => {
        done();
        resolve({ address: null, error: describeNetworkError(e, where) });
      });
    });
    const latency = Math.round(performance.now() - began);
    if (result.error !== null) {
      return { observations: { connected: false, latency_ms: null, address: null, error: result.error }, problems: [result.error] };
    }
    return {
      observations: { connected: true, latency_ms: latency, address: result.address, error: null },
      summary: `connected to ${where} in ${latency}ms`,
    };
  },
});
