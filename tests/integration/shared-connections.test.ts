import { connect, createServer, type AddressInfo, type Socket } from 'node:net';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { POOL_SIZE } from '../../src/probes/postgres/pool.js';
import { startCli } from '../support/cli.js';
import { startPostgres, type PostgresServer } from '../support/postgres.js';
import { startRedis, type RedisServer } from '../support/redis.js';
import { S3RVER_ACCESS_KEY, S3RVER_SECRET_KEY, startS3rver } from '../support/s3.js';
import { runItems } from '../support/run-checklist.js';
import { tempDir } from '../support/tmp.js';

const APP_PASSWORD = 'pool-app-Pw-3141';
const REDIS_PASSWORD = 'pool-redis-Pw-2718';

let server: PostgresServer;
let redis: RedisServer;
let appUrl: string;
let adminUrl: string;

beforeAll(async () => {
  [server, redis] = await Promise.all([startPostgres(), startRedis({ password: REDIS_PASSWORD })]);
  await server.createRole('app', APP_PASSWORD);
  await server.createRole('doomed', APP_PASSWORD);
  await server.createDatabase('socialflow', 'app');
  appUrl = server.urlFor({ user: 'app', password: APP_PASSWORD, database: 'socialflow' });
  adminUrl = server.url;
}, 60_000);

afterAll(async () => {
  await Promise.all([server?.stop(), redis?.stop()]);
});

const pgItem = (id: string, query: string, o: { url?: string; needs?: string[]; timeout?: string; expect?: string } = {}): string =>
  [
    `      - id: ${id}`,
    `        title: ${id}`,
    ...(o.needs ? [`        needs: [${o.needs.join(', ')}]`] : []),
    ...(o.timeout ? [`        timeout: ${o.timeout}`] : []),
    `        probe:`,
    `          kind: postgres`,
    `          url: ${o.url ?? '${APP_URL}'}`,
    `          query: ${JSON.stringify(query)}`,
    ...(o.expect ? [`          expect: [${o.expect}]`] : []),
    '',
  ].join('\n');

describe('one run shares its PostgreSQL connections', () => {
  it(`nine items on one URL run on at most ${POOL_SIZE} server connections, each with its own latency`, async () => {
    const ids = Array.from({ length: 9 }, (_, i) => `pid-${i}`);
    const run = await runItems(ids.map((id) => pgItem(id, 'select pg_backend_pid()')).join(''), {
      env: { APP_URL: appUrl },
      concurrency: 9,
    });
    const pids = ids.map((id) => {
      const item = run.item(id);
      expect(item.status, item.message).toBe('pass');
      expect(item.observations?.latency_ms).toEqual(expect.any(Number));
      return item.observations?.value;
    });
    expect(pids.every((pid) => typeof pid === 'number')).toBe(true);
    expect(new Set(pids).size).toBeLessThanOrEqual(POOL_SIZE);
  });

  it('an item finds none of the session state an earlier item left on the shared connection', async () => {
    const run = await runItems(
      pgItem('sets', "select set_config('application_name', 'leaked', false), set_config('search_path', 'nowhere', false)") +
        pgItem('reads', "select current_setting('application_name') = 'sfdeploy' and current_setting('search_path') <> 'nowhere'", {
          needs: ['sets'],
          expect: 'value == true',
        }) +
        pgItem('opens', 'begin; select 1') +
        pgItem('after-open', 'select now() = statement_timestamp()', { needs: ['opens'], expect: 'value == true' }),
      { env: { APP_URL: appUrl }, concurrency: 1 },
    );
    for (const id of ['sets', 'reads', 'opens', 'after-open']) expect(run.item(id).status, `${id}: ${run.item(id).message}`).toBe('pass');
  });

  it('a backend terminated between two items is not reused: the next item runs on a new one', async () => {
    const run = await runItems(
      pgItem('before', 'select pg_backend_pid()') +
        pgItem('kill', "select count(pg_terminate_backend(pid)) from pg_stat_activity where usename = 'app'", {
          url: '${ADMIN_URL}',
          needs: ['before'],
        }) +
        pgItem('after', 'select pg_backend_pid()', { needs: ['kill'] }),
      { env: { APP_URL: appUrl, ADMIN_URL: adminUrl }, concurrency: 1 },
    );
    expect(run.item('kill').observations?.value).toBeGreaterThanOrEqual(1);
    expect(run.item('after').status, run.item('after').message).toBe('pass');
    expect(run.item('after').observations?.value).not.toBe(run.item('before').observations?.value);
  });

  it('a pooled connection that died unnoticed (the socket still open on our side) is retried once on a fresh one', async () => {
    // a proxy whose "cut" makes every open connection dead without telling the client: the next bytes the client
    // sends close it (as a peer that vanished would, with a reset), so the pool cannot see it coming
    const cutOff = new Set<Socket>();
    const clients = new Set<Socket>();
    const proxy = createServer((client) => {
      const upstream = connect(server.port, '127.0.0.1');
      clients.add(client);
      client.on('data', (d: Buffer) => {
        if (cutOff.has(client)) client.destroy();
        else upstream.write(d);
      });
      upstream.on('data', (d: Buffer) => client.write(d));
      const close = (): void => {
        client.destroy();
        upstream.destroy();
      };
      client.on('error', close).on('close', close);
      upstream.on('error', close).on('close', close);
    });
    const cutter = createServer((socket) => {
      for (const client of clients) cutOff.add(client);
      socket.end();
    });
    await Promise.all([proxy, cutter].map((s) => new Promise<void>((resolve) => s.listen(0, '127.0.0.1', resolve))));
    try {
      const proxied = appUrl.replace(`:${server.port}/`, `:${(proxy.address() as AddressInfo).port}/`);
      const cut = `      - id: cut\n        title: cut\n        needs: [before]\n        probe: { kind: tcp, host: 127.0.0.1, port: ${(cutter.address() as AddressInfo).port} }\n`;
      const run = await runItems(
        pgItem('before', 'select pg_backend_pid()') + cut + pgItem('after', 'select pg_backend_pid()', { needs: ['cut'] }),
        {
          env: { APP_URL: proxied },
          concurrency: 1,
        },
      );
      expect(run.item('cut').status, run.item('cut').message).toBe('pass');
      expect(run.item('after').status, run.item('after').message).toBe('pass');
      expect(run.item('after').observations?.value).not.toBe(run.item('before').observations?.value);
    } finally {
      for (const client of clients.keys()) client.destroy();
      await Promise.all([proxy, cutter].map((s) => new Promise((resolve) => s.close(resolve))));
    }
  });

  it('a role refused after its backend was terminated fails the next item: no pass on the stale connection', async () => {
    const doomedUrl = server.urlFor({ user: 'doomed', password: APP_PASSWORD, database: 'socialflow' });
    const run = await runItems(
      pgItem('before', 'select 1', { url: '${DOOMED_URL}' }) +
        pgItem(
          'lock-out',
          "alter role doomed nologin; select count(pg_terminate_backend(pid)) from pg_stat_activity where usename = 'doomed'",
          { url: '${ADMIN_URL}', needs: ['before'] },
        ) +
        pgItem('after', 'select 1', { url: '${DOOMED_URL}', needs: ['lock-out'] }),
      { env: { DOOMED_URL: doomedUrl, ADMIN_URL: adminUrl }, concurrency: 1 },
    );
    expect(run.item('before').status).toBe('pass');
    expect(run.item('lock-out').status, run.item('lock-out').message).toBe('pass');
    expect(run.item('after').status).toBe('fail');
    expect(run.item('after').message).toMatch(/not permitted to log in/);
  });

  it(`${POOL_SIZE} hung queries do not hold up a quick item on the same URL past its own timeout`, async () => {
    const hung = Array.from({ length: POOL_SIZE }, (_, i) => pgItem(`hung-${i}`, 'select pg_sleep(30)', { timeout: '3s' })).join('');
    const run = await runItems(hung + pgItem('quick', 'select 1', { timeout: '2s' }), {
      env: { APP_URL: appUrl },
      concurrency: POOL_SIZE + 1,
    });
    expect(run.item('quick').status, run.item('quick').message).toBe('pass');
    for (let i = 0; i < POOL_SIZE; i++) expect(run.item(`hung-${i}`).message).toMatch(/timed out after 3s/);
  });
});

describe('one run shares its Redis connection', () => {
  it('six redis items on one URL open one connection to the server', async () => {
    const url = redis.url.replace('redis://:', 'redis://default:');
    const admin = new Redis(`${url}`, { lazyConnect: true });
    await admin.connect();
    try {
      const received = async (): Promise<number> => Number(/total_connections_received:(\d+)/.exec(await admin.info('stats'))?.[1]);
      const before = await received();
      const ids = Array.from({ length: 6 }, (_, i) => `redis-${i}`);
      const yaml = ids
        .map(
          (id) =>
            `      - id: ${id}\n        title: ${id}\n        probe:\n          kind: redis\n          url: \${REDIS_URL}\n          queues: [celery]\n`,
        )
        .join('');
      const run = await runItems(yaml, { env: { REDIS_URL: url }, concurrency: 6 });
      for (const id of ids) {
        expect(run.item(id).status, run.item(id).message).toBe('pass');
        expect(run.item(id).observations?.auth_required).toBe(true);
        expect(run.item(id).observations?.latency_ms).toEqual(expect.any(Number));
      }
      expect((await received()) - before).toBe(1);
    } finally {
      admin.disconnect();
    }
  });
});

const redisItem = (id: string, needs?: string): string =>
  `      - id: ${id}\n        title: ${id}\n${needs ? `        needs: [${needs}]\n` : ''}        probe:\n          kind: redis\n          url: \${REDIS_URL}\n`;
const redisCli = (id: string, needs: string, args: string[]): string =>
  `      - id: ${id}\n        title: ${id}\n        needs: [${needs}]\n        probe:\n          kind: command\n          run: ${JSON.stringify(['redis-cli', '-u', '${REDIS_URL}', '--no-auth-warning', ...args])}\n`;

describe('a shared Redis connection the server closed', () => {
  it('is replaced: the next item runs on a new connection after CLIENT KILL', async () => {
    const url = redis.url.replace('redis://:', 'redis://default:');
    const admin = new Redis(url, { lazyConnect: true });
    await admin.connect();
    try {
      const received = async (): Promise<number> => Number(/total_connections_received:(\d+)/.exec(await admin.info('stats'))?.[1]);
      const before = await received();
      const run = await runItems(
        redisItem('before') +
          redisCli('kill', 'before', ['client', 'kill', 'type', 'normal', 'skipme', 'yes']) +
          redisItem('after', 'kill'),
        { env: { REDIS_URL: url }, concurrency: 1 },
      );
      expect(run.item('kill').status, run.item('kill').message).toBe('pass');
      expect(run.item('after').status, run.item('after').message).toBe('pass');
      // before's connection, redis-cli's, this test's own client reconnecting after the kill, and a new one for after
      expect((await received()) - before).toBe(4);
    } finally {
      admin.disconnect();
    }
  });

  it('fails the next item honestly when the server is gone', async () => {
    const doomed = await startRedis({ password: REDIS_PASSWORD });
    try {
      const url = doomed.url.replace('redis://:', 'redis://default:');
      const run = await runItems(
        redisItem('before') + redisCli('shutdown', 'before', ['shutdown', 'nosave']) + redisItem('after', 'shutdown'),
        {
          env: { REDIS_URL: url },
          concurrency: 1,
        },
      );
      expect(run.item('before').status).toBe('pass');
      expect(run.item('after').status).toBe('fail');
      expect(run.item('after').message).toMatch(/refused|closed/i);
    } finally {
      await doomed.stop();
    }
  });
});

describe('one run shares its S3 client', () => {
  it('four s3 items on one endpoint and key, one after another, use one keep-alive connection', async () => {
    const s3rver = await startS3rver(['media']);
    let connections = 0;
    const proxy = createServer((socket) => {
      connections++;
      const upstream = connect(s3rver.port, '127.0.0.1');
      socket.pipe(upstream).pipe(socket);
      const close = (): void => {
        socket.destroy();
        upstream.destroy();
      };
      socket.on('error', close).on('close', close);
      upstream.on('error', close).on('close', close);
    });
    await new Promise<void>((resolve) => proxy.listen(0, '127.0.0.1', resolve));
    try {
      const endpoint = `http://127.0.0.1:${(proxy.address() as AddressInfo).port}`;
      const ids = ['s3-0', 's3-1', 's3-2', 's3-3'];
      const yaml = ids
        .map(
          (id) =>
            `      - id: ${id}\n        title: ${id}\n        probe:\n          kind: s3\n          bucket: media\n          endpoint: ${endpoint}\n`,
        )
        .join('');
      const run = await runItems(yaml, {
        env: { AWS_ACCESS_KEY_ID: S3RVER_ACCESS_KEY, AWS_SECRET_ACCESS_KEY: S3RVER_SECRET_KEY },
        concurrency: 1,
      });
      for (const id of ids) expect(run.item(id).status, run.item(id).message).toBe('pass');
      expect(connections).toBe(1);
    } finally {
      await new Promise((resolve) => proxy.close(resolve));
      await s3rver.close();
    }
  });
});

describe('an interrupted run', () => {
  it('closes its shared connections, idle and busy, and exits 130 while a query hangs', async () => {
    const t = tempDir();
    let stopChild = (): void => undefined;
    try {
      const file = join(t.dir, 'hang.yaml');
      writeFileSync(
        file,
        `id: hang\ntitle: Hang\nsections:\n  - id: s\n    title: S\n    items:\n${pgItem('first', 'select 1')}${pgItem('idle', 'select 1', { url: '${ADMIN_URL}' })}${pgItem('hang', 'select pg_sleep(60)', { needs: ['first'], timeout: '60s' })}`,
      );
      const child = startCli(['check', file, '--ci', '--log-dir', join(t.dir, 'logs')], {
        env: { APP_URL: appUrl, ADMIN_URL: adminUrl },
        input: '',
        timeoutMs: 30_000,
      });
      const exited = child.done.then((r) => r.code);
      stopChild = () => child.kill('SIGKILL');
      // the hung query is running once the server shows it
      for (;;) {
        const rows = await server.sql<{ n: number }>(
          "select count(*)::int as n from pg_stat_activity where usename = 'app' and query like '%pg_sleep(60)%' and state = 'active'",
        );
        if (rows[0]!.n > 0) break;
        await new Promise((r) => setTimeout(r, 50));
      }
      child.kill('SIGINT');
      expect(await exited).toBe(130);
    } finally {
      stopChild();
      t.remove();
    }
  }, 30_000);
});
