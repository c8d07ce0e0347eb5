import { Redis } from 'ioredis';
import { readdirSync, readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import redisProbe from '../../../src/probes/redis/index.js';
import { parseInfo } from '../../../src/probes/redis/info.js';
import { freePort, startSilentServer, type SilentServer } from '../../support/ports.js';
import { probeError, runProbe } from '../../support/probe-run.js';
import { runChecklistText } from '../../support/run-checklist.js';
import { certificateFiles, makeTestCertificates, type CertificateFiles } from '../../support/certs.js';
import { startLoadingRedis, startRedis, type RedisServer } from '../../support/redis.js';

const PASSWORD = 'Tr0ub4dor&3-redis-pw-7c1e';

let plain: RedisServer;
let secured: RedisServer;
let silent: SilentServer;

beforeAll(async () => {
  [plain, secured, silent] = await Promise.all([startRedis(), startRedis({ password: PASSWORD, appendonly: true }), startSilentServer()]);
  const admin = new Redis(secured.url, { lazyConnect: true });
  await admin.connect();
  await admin.del('celery', 'celery:high', 'not-a-queue');
  await admin.rpush('celery', 'a', 'b', 'c');
  await admin.hset('not-a-queue', 'field', 'value');
  await admin.acl('SETUSER', 'limited', 'on', `>${PASSWORD}-limited`, '~*', '+@all', '-config');
  admin.disconnect();
});

afterAll(async () => {
  await Promise.all([plain?.stop(), secured?.stop(), silent?.close()]);
});

describe('redis probe against a plain redis-server', () => {
  it('passes its default check and reports version, role, INFO fields and protected mode', async () => {
    const out = await runProbe('redis', { url: plain.url, config: ['maxmemory-policy', 'appendonly'] });
    expect(out.problems).toEqual([]);
    expect(out.observations).toMatchObject({
      pong: true,
      role: 'master',
      auth_required: false,
      protected_mode: true,
      config: { 'maxmemory-policy': 'noeviction', appendonly: 'no' },
      notes: [],
    });
    expect(out.observations.version).toMatch(/^\d+\.\d+\.\d+/);
    const info = out.observations.info as Record<string, Record<string, unknown>>;
    expect(info.server!.tcp_port).toBe(plain.port);
    expect(info.persistence!.aof_enabled).toBe(0);
    expect(info.memory!.maxmemory_policy).toBe('noeviction');
    expect(typeof out.observations.latency_ms).toBe('number');
    expect(out.summary).toContain(`at 127.0.0.1:${plain.port}`);
  });

  it('fails with "connection refused at host:port" when nothing listens', async () => {
    const port = await freePort();
    const message = (await probeError('redis', { url: `redis://127.0.0.1:${port}` })).error.message;
    expect(message).toBe(`connection refused at 127.0.0.1:${port}`);
  });

  it('reports the server wanting no password when the URL has one, instead of failing', async () => {
    const out = await runProbe('redis', { url: `redis://:${PASSWORD}@127.0.0.1:${plain.port}` });
    expect(out.problems).toEqual([]);
    expect(out.observations.auth_required).toBe(false);
    expect(out.observations.notes).toEqual(['the URL has a password but the server requires none']);
    expect(JSON.stringify(out)).not.toContain(PASSWORD);
  });
});

describe('redis probe against a redis-server with requirepass and appendonly', () => {
  it('observes auth_required, AOF persistence, queue lengths and masks requirepass', async () => {
    const out = await runProbe('redis', { url: secured.url, queues: ['celery', 'celery:high'], config: ['requirepass', 'appendonly'] });
    expect(out.problems).toEqual([]);
    expect(out.observations).toMatchObject({
      pong: true,
      auth_required: true,
      llen: { celery: 3, 'celery:high': 0 },
      config: { requirepass: '***', appendonly: 'yes' },
    });
    expect((out.observations.info as Record<string, Record<string, unknown>>).persistence!.aof_enabled).toBe(1);
    expect(JSON.stringify(out)).not.toContain(PASSWORD);
  });

  it('fails with NOAUTH when the URL has no password', async () => {
    const message = (await probeError('redis', { url: `redis://127.0.0.1:${secured.port}` })).error.message;
    expect(message).toBe(`NOAUTH: redis at 127.0.0.1:${secured.port} requires authentication and the URL has no password`);
  });

  it('fails with WRONGPASS and never shows the wrong password', async () => {
    const wrong = 'Wr0ng-pass-e1f4a9';
    const message = (await probeError('redis', { url: `redis://:${wrong}@127.0.0.1:${secured.port}` })).error.message;
    expect(message).toBe(`WRONGPASS invalid username-password pair for user default at 127.0.0.1:${secured.port}`);
    expect(message).not.toContain(wrong);
  });

  it('authenticates an ACL user given in the URL and notes that CONFIG GET is refused', async () => {
    const out = await runProbe('redis', {
      url: `redis://limited:${encodeURIComponent(`${PASSWORD}-limited`)}@127.0.0.1:${secured.port}`,
      config: ['maxmemory-policy'],
    });
    expect(out.problems).toEqual([]);
    expect(out.observations.config).toEqual({});
    expect(out.observations.protected_mode).toBeUndefined();
    expect(out.observations.notes).toEqual([
      expect.stringMatching(/^CONFIG GET refused \(NOPERM.*\): config\.\* and protected_mode not observed$/),
    ]);
  });

  it('fails its default check when a queue key is not a list', async () => {
    const out = await runProbe('redis', { url: secured.url, queues: ['celery', 'not-a-queue'] });
    expect(out.problems).toEqual(['queue key not-a-queue is not a list']);
    expect(out.observations.llen).toEqual({ celery: 3 });
  });

  it('selects the database given in the URL path', async () => {
    const out = await runProbe('redis', { url: `${secured.url}/3`, queues: ['celery'] });
    expect(out.observations.llen).toEqual({ celery: 0 });
  });
});

describe('redis probe over TLS (rediss://)', () => {
  let certs: CertificateFiles;
  let tls: RedisServer;

  beforeAll(async () => {
    const made = await makeTestCertificates();
    certs = certificateFiles(made.ca, made.valid);
    tls = await startRedis({ tls: certs, password: PASSWORD });
  });

  afterAll(async () => {
    await tls?.stop();
    certs?.remove();
  });

  it('connects when ca_file names the CA that signed the server certificate', async () => {
    const out = await runProbe('redis', { url: tls.url, ca_file: certs.caFile });
    expect(tls.url).toMatch(/^rediss:/);
    expect(out.problems).toEqual([]);
    expect(out.observations).toMatchObject({ pong: true, auth_required: true });
  });

  it('fails with a certificate message when the CA is not trusted, and passes with insecure: true', async () => {
    const message = (await probeError('redis', { url: tls.url })).error.message;
    expect(message).toMatch(
      new RegExp(`^certificate of 127\\.0\\.0\\.1:${tls.port} is (self-signed and not trusted|not signed by a trusted CA)$`),
    );
    const out = await runProbe('redis', { url: tls.url, insecure: true });
    expect(out.observations.pong).toBe(true);
  });

  it('hints at TLS when rediss:// meets a plain-text port', async () => {
    const message = (
      await probeError('redis', { url: `rediss://127.0.0.1:${plain.port}`, insecure: true }, { timeoutMs: 500, abortAtTimeout: false })
    ).error.message;
    expect(message).toBe(
      `connection to redis at 127.0.0.1:${plain.port} timed out after 500ms (with rediss://, check that this port serves TLS)`,
    );
  });
});

describe('redis probe timeouts and server states', () => {
  it('gives up on a server that accepts and never answers, with a "timed out" message', async () => {
    const started = Date.now();
    const message = (
      await probeError('redis', { url: `redis://:${PASSWORD}@127.0.0.1:${silent.port}` }, { timeoutMs: 300, abortAtTimeout: false })
    ).error.message;
    expect(message).toBe(`redis at 127.0.0.1:${silent.port} did not answer within 300ms (timed out)`);
    expect(Date.now() - started).toBeLessThan(5000);
    expect(silent.connections).toBeGreaterThan(0);
  });

  it('stops as soon as the signal aborts', async () => {
    const controller = new AbortController();
    setTimeout(() => controller.abort(new Error('interrupted by test')), 100);
    const started = Date.now();
    const message = (
      await probeError('redis', { url: `redis://127.0.0.1:${silent.port}` }, { timeoutMs: 60_000, signal: controller.signal })
    ).error.message;
    expect(message).toBe('interrupted by test');
    expect(Date.now() - started).toBeLessThan(5000);
  });

  it('says the server is still loading its dataset (LOADING)', async () => {
    const loading = await startLoadingRedis();
    try {
      const message = (await probeError('redis', { url: loading.url })).error.message;
      expect(message).toBe(
        `redis at 127.0.0.1:${loading.port} is still loading its dataset into memory (LOADING); retry when loading has finished`,
      );
    } finally {
      await loading.stop();
    }
  });

  it('rejects a URL that is not redis:// and never echoes its password', async () => {
    const message = (await probeError('redis', { url: `http://user:${PASSWORD}@example.com` })).error.message;
    expect(message).toBe('expected a redis:// or rediss:// URL, got http://');
    const bad = (await probeError('redis', { url: `redis://:${PASSWORD}@127.0.0.1:${secured.port}/zero` })).error.message;
    expect(bad).toBe(`expected a database number after the host in redis://:***@127.0.0.1:${secured.port}/zero, got "zero"`);
  });
});

describe('redis probe through the runner', () => {
  const checklist = (timeout: string): string => `
id: redis-e2e
title: Redis end to end
vars:
  REDIS_URL: { secret: true }
sections:
  - id: redis
    title: Redis
    items:
      - id: redis-ping
        title: Test Redis connectivity
        probe: { kind: redis }
      - id: redis-auth-persistence
        title: Redis authentication and persistence
        probe:
          kind: redis
          queues: [celery]
          expect:
            - auth_required == true
            - info.persistence.aof_enabled == 1
            - llen.celery < 100
      - id: redis-maxmemory
        title: Redis max memory policy set
        probe:
          kind: redis
          expect: ['info.memory.maxmemory_policy == "allkeys-lru"']
      - id: redis-hung
        title: A redis that never answers
        timeout: ${timeout}
        probe:
          kind: redis
          url: redis://127.0.0.1:\${HUNG_PORT}
`;

  it('judges items from the default REDIS_URL, masks the password and ends a hung item with "timed out"', async () => {
    const started = Date.now();
    const log = await runChecklistText(checklist('400ms'), { REDIS_URL: secured.url, HUNG_PORT: String(silent.port) });
    const byId = Object.fromEntries(log.items.map((i) => [i.id, i]));
    expect(byId['redis-ping']!.status).toBe('pass');
    expect(byId['redis-auth-persistence']!.status).toBe('pass');
    expect(byId['redis-maxmemory']).toMatchObject({
      status: 'fail',
      message: 'info.memory.maxmemory_policy == "allkeys-lru" (got "noeviction")',
    });
    expect(byId['redis-hung']).toMatchObject({ status: 'fail', message: 'timed out after 400ms' });
    expect(Date.now() - started).toBeLessThan(10_000);
    expect(JSON.stringify(log)).not.toContain(PASSWORD);
  });
});

describe('redis probe module', () => {
  it('imports ioredis only inside run(), so other commands do not load it', () => {
    const folder = new URL('../../../src/probes/redis/', import.meta.url);
    for (const file of readdirSync(folder)) {
      const source = readFileSync(new URL(file, folder), 'utf8');
      expect(source, file).not.toMatch(/^import (?!type )[^;]*from 'ioredis'/m);
    }
    expect(readFileSync(new URL('index.ts', folder), 'utf8')).toContain("await import('ioredis')");
  });

  it('describes every parameter and defaults url to ${REDIS_URL}', () => {
    const shape = redisProbe.params.shape;
    for (const [name, field] of Object.entries(shape)) expect(field.description, name).toBeTruthy();
    expect(redisProbe.params.parse({}).url).toBe('${REDIS_URL}');
  });

  it('parses INFO into sections with numbers and key=value lists', () => {
    const info = parseInfo(
      '# Server\r\nredis_version:7.2.4\r\nuptime_in_seconds:42\r\n\r\n# Keyspace\r\ndb0:keys=3,expires=1,avg_ttl=0\r\n',
    );
    expect(info).toEqual({
      server: { redis_version: '7.2.4', uptime_in_seconds: 42 },
      keyspace: { db0: { keys: 3, expires: 1, avg_ttl: 0 } },
    });
  });
});
