import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createServer, type AddressInfo, type Socket } from 'node:net';
import pg from 'pg';
import { startHttpServer, type TestHttpServer } from '../support/http-server.js';
import { startPostgres, type PostgresServer } from '../support/postgres.js';
import { startLoadingRedis } from '../support/redis.js';
import { runItems } from '../support/run-checklist.js';
import { startSilentServer, type SilentServer } from '../support/ports.js';
import type { ItemResult } from '../../src/runner/types.js';

/**
 * Faults of the services a checklist probes, through the real loader and runner, against real servers on
 * loopback. Every item must end within its timeout (+10 %, plus a fixed allowance for a loaded machine, read
 * from the durationMs the runner records) with one readable line, and must not hold up a healthy item.
 */

const TIMEOUT_MS = 1000;
const ALLOWANCE_MS = 300;
const DEADLINE_MS = TIMEOUT_MS * 1.1 + ALLOWANCE_MS;
/** A healthy loopback item, run beside the faults, must finish in a fraction of their timeout. */
const HEALTHY_MS = 300;

/** A loopback TCP server that answers every packet it receives with bytes of another protocol. */
interface GarbageServer {
  port: number;
  close(): Promise<void>;
}

async function startGarbageServer(reply: Buffer): Promise<GarbageServer> {
  const sockets = new Set<Socket>();
  const server = createServer((s) => {
    sockets.add(s);
    s.on('error', () => undefined);
    s.on('close', () => sockets.delete(s));
    s.on('data', () => s.write(reply));
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  return {
    port: (server.address() as AddressInfo).port,
    close: () =>
      new Promise((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}

/** What a web server says to a client speaking another protocol. */
const HTTP_400 = Buffer.from('HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\nConnection: keep-alive\r\n\r\n');

let silent: SilentServer;
let silent6: SilentServer;
let garbage: GarbageServer;
let resetting: TestHttpServer;
let healthy: TestHttpServer;
let full: PostgresServer;
const held: pg.Client[] = [];

beforeAll(async () => {
  [silent, silent6, garbage, full] = await Promise.all([
    startSilentServer(),
    startSilentServer('::1'),
    startGarbageServer(HTTP_400),
    startPostgres({ settings: { max_connections: 2, superuser_reserved_connections: 0 } }),
  ]);
  resetting = await startHttpServer((req, res) => {
    res.writeHead(200, { 'content-type': 'application/json', 'content-length': '4096' });
    res.write('{"status": "hea', () => req.socket.resetAndDestroy());
  });
  healthy = await startHttpServer((_req, res) => {
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end('{"status":"healthy"}');
  });
  // take every connection slot of the small cluster (over its socket, as the superuser)
  for (let i = 0; i < 2; i++) {
    const client = new pg.Client({ host: full.socketDir, port: full.port, user: 'postgres', database: 'postgres' });
    client.on('error', () => undefined);
    await client.connect();
    held.push(client);
  }
});

afterAll(async () => {
  await Promise.all(held.map((c) => c.end().catch(() => undefined)));
  await Promise.all([silent?.close(), silent6?.close(), garbage?.close(), resetting?.close(), healthy?.close(), full?.stop()]);
});

interface Fault {
  name: string;
  probe: () => string;
  message: () => string;
}

const FAULTS: Fault[] = [
  {
    name: 'http: accepts TCP and never answers',
    probe: () => `{ kind: http, url: "http://127.0.0.1:${silent.port}/health" }`,
    message: () => 'timed out after 1s',
  },
  {
    name: 'http on ::1: accepts TCP and never answers',
    probe: () => `{ kind: http, url: "http://[::1]:${silent6.port}/health" }`,
    message: () => 'timed out after 1s',
  },
  {
    name: 'postgres: accepts TCP and never answers',
    probe: () => `{ kind: postgres, url: "postgresql://app:app-pw@127.0.0.1:${silent.port}/app" }`,
    message: () => 'timed out after 1s',
  },
  {
    name: 'redis: accepts TCP and never answers',
    probe: () => `{ kind: redis, url: "redis://127.0.0.1:${silent.port}/0" }`,
    message: () => 'timed out after 1s',
  },
  {
    name: 'tls: accepts TCP and never answers the handshake',
    probe: () => `{ kind: tls, host: 127.0.0.1, port: ${silent.port} }`,
    message: () => 'timed out after 1s',
  },
  {
    name: 'http: resets the connection in the middle of the response',
    probe: () => `{ kind: http, url: "${resetting.url}/health" }`,
    message: () => `connection reset by 127.0.0.1:${resetting.port}`,
  },
  {
    name: 'postgres: another protocol answers on the port',
    probe: () => `{ kind: postgres, url: "postgresql://app:app-pw@127.0.0.1:${garbage.port}/app" }`,
    message: () => `127.0.0.1:${garbage.port} did not answer the SSL request like a PostgreSQL server (is it another service?)`,
  },
  {
    name: 'redis: another protocol answers on the port',
    probe: () => `{ kind: redis, url: "redis://127.0.0.1:${garbage.port}/0" }`,
    message: () => `127.0.0.1:${garbage.port} did not answer like a redis server (Protocol error, got "H" as reply type byte)`,
  },
  {
    name: 'postgres: every connection slot is taken (max_connections)',
    probe: () => `{ kind: postgres, url: "${full.url}" }`,
    message: () => `too many connections at 127.0.0.1:${full.port}: sorry, too many clients already`,
  },
  ...(
    [
      ['http', '{ kind: http, url: "http://api.sfdeploy-faults.invalid/health" }', 'api.sfdeploy-faults.invalid'],
      ['postgres', '{ kind: postgres, url: "postgresql://app:app-pw@db.sfdeploy-faults.invalid:5432/app" }', 'db.sfdeploy-faults.invalid'],
      ['redis', '{ kind: redis, url: "redis://cache.sfdeploy-faults.invalid:6379/0" }', 'cache.sfdeploy-faults.invalid'],
      ['tls', '{ kind: tls, host: api.sfdeploy-faults.invalid, port: 443 }', 'api.sfdeploy-faults.invalid'],
      ['tcp', '{ kind: tcp, host: api.sfdeploy-faults.invalid, port: 443 }', 'api.sfdeploy-faults.invalid'],
    ] as const
  ).map(([kind, probe, host]) => ({
    name: `${kind}: the host name does not resolve (.invalid, RFC 2606)`,
    probe: () => probe,
    message: () => `host not found: ${host}`,
  })),
];

const item = (id: string, probe: string): string =>
  `      - id: ${id}\n        title: ${id}\n        timeout: ${TIMEOUT_MS}ms\n        probe: ${probe}\n`;

function expectFailedInTime(result: ItemResult, message: string): void {
  expect({ status: result.status, message: result.message }).toEqual({ status: 'fail', message });
  expect(result.message).not.toContain('\n');
  expect(result.durationMs).toBeLessThanOrEqual(DEADLINE_MS);
}

describe(`each fault ends within its timeout (${TIMEOUT_MS}ms + 10% + ${ALLOWANCE_MS}ms) with one readable line`, () => {
  it.each(FAULTS.map((f) => [f.name, f] as const))('%s', async (_name, fault) => {
    const { item: result } = await runItems(item('fault', fault.probe()));
    expectFailedInTime(result('fault'), fault.message());
  });

  it('redis: still LOADING its dataset', async () => {
    const loading = await startLoadingRedis();
    try {
      const { item: result } = await runItems(item('fault', `{ kind: redis, url: "${loading.url}/0" }`));
      expectFailedInTime(
        result('fault'),
        `redis at 127.0.0.1:${loading.port} is still loading its dataset into memory (LOADING); retry when loading has finished`,
      );
    } finally {
      await loading.stop();
    }
  });
});

describe('faults run together', () => {
  it('every fault at once ends in time, and a healthy item beside them is not held up', async () => {
    const loading = await startLoadingRedis();
    const warnings: Error[] = [];
    const onWarning = (w: Error): void => void warnings.push(w);
    process.on('warning', onWarning);
    try {
      const faults = FAULTS.map((f) => ({ probe: f.probe(), message: f.message() }));
      faults.push({
        probe: `{ kind: redis, url: "${loading.url}/0" }`,
        message: `redis at 127.0.0.1:${loading.port} is still loading its dataset into memory (LOADING); retry when loading has finished`,
      });
      // the healthy items come last: with fewer slots than items they would wait for the faults
      const yaml =
        faults.map((f, i) => item(`fault-${i}`, f.probe)).join('') +
        item('healthy-http', `{ kind: http, url: "${healthy.url}/health", expect: ['json.status == "healthy"'] }`) +
        item('healthy-tcp', `{ kind: tcp, host: 127.0.0.1, port: ${healthy.port} }`);
      const started = performance.now();
      const { log, item: result } = await runItems(yaml, { concurrency: faults.length + 2 });
      const wall = performance.now() - started;

      faults.forEach((f, i) => expectFailedInTime(result(`fault-${i}`), f.message));
      for (const id of ['healthy-http', 'healthy-tcp']) {
        const r = result(id);
        expect(r.status, r.message).toBe('pass');
        expect(r.durationMs).toBeLessThan(HEALTHY_MS);
        // nor did it wait for a slot: it was done that soon after the run started
        expect(Date.parse(r.startedAt) + r.durationMs - Date.parse(log.startedAt)).toBeLessThan(HEALTHY_MS);
      }
      // the faults ran side by side, not one after another
      expect(wall).toBeLessThan(DEADLINE_MS + ALLOWANCE_MS);
      expect(log.summary.exitCode).toBe(1);
      expect(warnings.map((w) => `${w.name}: ${w.message}`)).toEqual([]);
    } finally {
      process.off('warning', onWarning);
      await loading.stop();
    }
  });
});
