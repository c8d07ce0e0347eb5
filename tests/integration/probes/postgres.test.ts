import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ProbeError } from '../../../src/errors.js';
import postgres from '../../../src/probes/postgres/index.js';
import type { RunLog } from '../../../src/runner/types.js';
import { runCli } from '../../support/cli.js';
import { probeError, runProbe, type ProbeCall } from '../../support/probe-run.js';
import { startPostgres, type PostgresServer } from '../../support/postgres.js';
import { freePort, startSilentServer, type SilentServer } from '../../support/ports.js';
import { tempDir } from '../../support/tmp.js';
import { runChecklistText } from '../../support/run-checklist.js';

const APP_PASSWORD = 'app-s3cret-Pw';
const WRONG_PASSWORD = 'wr0ng-Hunter2-pw';

let server: PostgresServer;
let appUrl: string;

/** The probe with its own timers: its timeout messages are what these tests read. */
const probe = (params: Record<string, unknown>, o: ProbeCall = {}) => runProbe(postgres, params, { abortAtTimeout: false, ...o });
const failure = async (params: Record<string, unknown>, o: ProbeCall = {}): Promise<Error> =>
  (await probeError(postgres, params, { abortAtTimeout: false, ...o })).error;

beforeAll(async () => {
  server = await startPostgres();
  await server.createRole('app', APP_PASSWORD);
  await server.createDatabase('socialflow', 'app');
  await server.sql(
    `create table posts (id bigint primary key, author_id bigint, title text, body text, created_at timestamptz default now(), search tsvector);
     create index ix_posts_search on posts using gin (search);
     do $$ begin for i in 1..31 loop execute format('create index ix_posts_%s on posts (author_id, created_at)', i); end loop; end $$;
     alter table posts owner to app;`,
    [],
    'socialflow',
  );
  appUrl = server.urlFor({ user: 'app', password: APP_PASSWORD, database: 'socialflow' });
});

afterAll(async () => {
  await server?.stop();
});

describe('postgres probe against a real server', () => {
  it('connects, runs select 1 and reports the server version', async () => {
    const outcome = await probe({ url: appUrl });
    expect(outcome.problems).toEqual([]);
    expect(outcome.observations).toMatchObject({ connected: true, value: 1, row_count: 1, rows: [{ '?column?': 1 }] });
    expect(outcome.observations.server_version).toMatch(/^\d+\.\d+/);
    expect(outcome.observations.server_version_num).toBeGreaterThanOrEqual(100000);
    expect(outcome.observations.latency_ms).toBeTypeOf('number');
    expect(outcome.summary).toMatch(/^connected to PostgreSQL \d+\.\d+ at postgresql:\/\/app@127\.0\.0\.1:\d+\/socialflow in \d+ms$/);
  });

  it('accepts SQLAlchemy-style driver suffixes (+asyncpg, +psycopg2)', async () => {
    for (const scheme of ['postgresql+asyncpg', 'postgresql+psycopg2', 'postgres']) {
      const outcome = await probe({ url: appUrl.replace(/^postgresql/, scheme) });
      expect(outcome.observations.connected).toBe(true);
    }
  });

  it('counts indexes as a number and finds the full-text GIN index on a tsvector column', async () => {
    const count = await probe({ url: appUrl, query: "select count(*) from pg_indexes where schemaname = 'public'" });
    expect(count.observations.value).toBe(33);
    const gin = await probe({
      url: appUrl,
      query: `select i.relname as index, a.amname as method, t.typname as type
                from pg_index x join pg_class i on i.oid = x.indexrelid join pg_am a on a.oid = i.relam
                join pg_attribute att on att.attrelid = x.indrelid and att.attnum = any(x.indkey) join pg_type t on t.oid = att.atttypid
               where a.amname = 'gin' and t.typname = 'tsvector'`,
    });
    expect(gin.observations).toMatchObject({
      row_count: 1,
      value: 'ix_posts_search',
      rows: [{ index: 'ix_posts_search', method: 'gin', type: 'tsvector' }],
    });
  });

  it('tells an application role from a superuser', async () => {
    const query = 'select rolsuper from pg_roles where rolname = current_user';
    expect((await probe({ url: appUrl, query })).observations.value).toBe(false);
    expect((await probe({ url: server.url, query })).observations.value).toBe(true);
  });

  it('reads replicas from pg_stat_replication and compares max_connections with a pool size passed as a parameter', async () => {
    expect((await probe({ url: appUrl, query: 'select count(*) from pg_stat_replication' })).observations.value).toBe(0);
    const settings = await probe({
      url: appUrl,
      query:
        "select current_setting('max_connections')::int as max_connections, current_setting('max_connections')::int >= $1::int * $2::int as fits",
      params: ['10', 2],
    });
    expect(settings.observations.rows).toEqual([{ max_connections: 30, fits: true }]);
    const tooSmall = await probe({ url: appUrl, query: "select current_setting('max_connections')::int >= $1::int", params: ['40'] });
    expect(tooSmall.observations.value).toBe(false);
  });

  it('keeps at most 100 rows but counts them all', async () => {
    const outcome = await probe({ url: appUrl, query: 'select n from generate_series(1, 150) as n' });
    expect(outcome.observations.rows).toHaveLength(100);
    expect(outcome.observations.row_count).toBe(150);
    expect(outcome.observations.value).toBe(1);
  });

  it('reports null as the value of a query without rows', async () => {
    const outcome = await probe({ url: appUrl, query: 'select id from posts' });
    expect(outcome.observations).toMatchObject({ value: null, row_count: 0, rows: [] });
  });

  it('fills what the URL leaves out from the libpq PG* variables', async () => {
    const env = { PGHOST: '127.0.0.1', PGPORT: String(server.port), PGUSER: 'app', PGPASSWORD: APP_PASSWORD, PGDATABASE: 'socialflow' };
    expect((await probe({ url: '', query: 'select current_database()' }, { env })).observations.value).toBe('socialflow');
    const noPassword = server.urlFor({ user: 'app', database: 'socialflow' });
    expect((await probe({ url: noPassword }, { env: { PGPASSWORD: APP_PASSWORD } })).observations.connected).toBe(true);
  });

  it('fails on a wrong password with one line that never contains the password', async () => {
    const url = server.urlFor({ user: 'app', password: WRONG_PASSWORD, database: 'socialflow' });
    const error = await failure({ url });
    expect(error.message).toBe(`postgresql://app@127.0.0.1:${server.port}/socialflow: password authentication failed for user app`);
    expect(error).not.toBeInstanceOf(ProbeError);
    expect(JSON.stringify({ message: error.message, stack: error.stack })).not.toContain(WRONG_PASSWORD);
  });

  it('names a database that does not exist', async () => {
    const error = await failure({ url: server.urlFor({ user: 'app', password: APP_PASSWORD, database: 'no_such_db' }) });
    expect(error.message).toBe(`postgresql://app@127.0.0.1:${server.port}/no_such_db: database "no_such_db" does not exist`);
  });

  it('says the connection was refused, with host and port', async () => {
    const port = await freePort();
    const error = await failure({ url: `postgresql://app:${WRONG_PASSWORD}@127.0.0.1:${port}/socialflow` });
    expect(error.message).toBe(`connection refused at 127.0.0.1:${port}`);
  });

  it('says when sslmode=require meets a server without TLS', async () => {
    const error = await failure({ url: `${appUrl}?sslmode=require` });
    expect(error.message).toBe(`127.0.0.1:${server.port} does not accept SSL connections (sslmode=require)`);
  });

  it('fails a query on a missing table, and errors on SQL with a syntax error', async () => {
    const missing = await failure({ url: appUrl, query: 'select count(*) from no_such_table' });
    expect(missing.message).toBe(
      `query failed on postgresql://app@127.0.0.1:${server.port}/socialflow: relation "no_such_table" does not exist`,
    );
    expect(missing).not.toBeInstanceOf(ProbeError);
    const syntax = await failure({ url: appUrl, query: 'selec 1' });
    expect(syntax).toBeInstanceOf(ProbeError);
    expect(syntax.message).toBe('query has a syntax error: syntax error at or near "selec"');
  });

  it('cancels a slow query through statement_timeout', async () => {
    const error = await failure({ url: appUrl, query: 'select pg_sleep(10)' }, { timeoutMs: 1500 });
    expect(error.message).toBe(
      `query failed on postgresql://app@127.0.0.1:${server.port}/socialflow: query cancelled by statement_timeout after 1.5s`,
    );
  });

  it('refuses URLs that are not PostgreSQL, masking their password', async () => {
    const error = await failure({ url: `mysql://app:${WRONG_PASSWORD}@db:3306/x` });
    expect(error).toBeInstanceOf(ProbeError);
    expect(error.message).toBe('not a PostgreSQL URL: mysql://app:***@db:3306/x (expected postgresql://user:password@host:5432/database)');
  });

  it('needs a query for params', () => {
    expect(postgres.params.safeParse({ url: appUrl, params: [1] }).success).toBe(false);
  });
});

describe('postgres probe against a server that never answers', () => {
  let silent: SilentServer;
  beforeAll(async () => {
    silent = await startSilentServer();
  });
  afterAll(async () => {
    await silent?.close();
  });

  it('gives up after its timeout instead of hanging', async () => {
    const started = Date.now();
    const error = await failure({ url: `postgresql://app:${WRONG_PASSWORD}@${silent.address}/db` }, { timeoutMs: 400 });
    expect(error.message).toBe(`connection to ${silent.address} timed out after 400ms`);
    expect(Date.now() - started).toBeLessThan(5000);
  });

  it('closes the connection at once when aborted', async () => {
    const controller = new AbortController();
    const started = Date.now();
    const pending = failure({ url: `postgresql://app@${silent.address}/db` }, { signal: controller.signal, timeoutMs: 60_000 });
    setTimeout(() => controller.abort(), 100);
    const error = await pending;
    expect(error.message).toMatch(/aborted/);
    expect(Date.now() - started).toBeLessThan(5000);
  });
});

describe('postgres items in a checklist', () => {
  function checklist(items: string): string {
    return `id: db\ntitle: Database\nsections:\n  - id: database\n    title: Database\n    items:\n${items}`;
  }

  const run = (source: string, env: Record<string, string | undefined>): Promise<RunLog> => runChecklistText(source, env);

  let silent: SilentServer;
  beforeAll(async () => {
    silent = await startSilentServer();
  });
  afterAll(async () => {
    await silent?.close();
  });

  it('uses DATABASE_URL by default and judges expect: conditions on the observations', async () => {
    const source = checklist(`
      - id: db-connect
        title: Database reachable
        probe: { kind: postgres }
      - id: db-indexes
        title: 32 indexes
        probe:
          kind: postgres
          query: select count(*) from pg_indexes where schemaname = 'public'
          expect: [value >= 32]
      - id: db-not-superuser
        title: App role is not superuser
        probe:
          kind: postgres
          query: select rolsuper from pg_roles where rolname = current_user
          expect: [value == false]
      - id: db-replicas
        title: At least one replica streams
        probe:
          kind: postgres
          query: select count(*) from pg_stat_replication
          expect: [value >= 1]
`);
    const log = await run(source, { DATABASE_URL: appUrl });
    const byId = Object.fromEntries(log.items.map((i) => [i.id, i]));
    expect(byId['db-connect']).toMatchObject({ status: 'pass' });
    expect(byId['db-connect']!.message).toMatch(/^connected to PostgreSQL/);
    expect(byId['db-indexes']).toMatchObject({ status: 'pass', observations: { value: 33 } });
    expect(byId['db-not-superuser']).toMatchObject({ status: 'pass' });
    expect(byId['db-replicas']).toMatchObject({ status: 'fail', message: 'value >= 1 (got 0)' });
  });

  it('fails naming DATABASE_URL when it is not set', async () => {
    const log = await run(
      checklist(`
      - id: db-connect
        title: Database reachable
        probe: { kind: postgres }
`),
      {},
    );
    expect(log.items[0]).toMatchObject({ status: 'fail', message: 'DATABASE_URL is not set' });
  });

  it('ends an item against a silent server with "timed out after"', async () => {
    const started = Date.now();
    const log = await run(
      checklist(`
      - id: db-connect
        title: Database reachable
        timeout: 500ms
        probe: { kind: postgres }
`),
      { DATABASE_URL: `postgresql://app:${WRONG_PASSWORD}@${silent.address}/socialflow` },
    );
    expect(log.items[0]).toMatchObject({ status: 'fail', message: 'timed out after 500ms' });
    expect(Date.now() - started).toBeLessThan(5000);
  });

  it('never shows a wrong password through the built CLI', async () => {
    const dir = tempDir({
      'db.yaml': checklist(`
      - id: db-connect
        title: Database reachable
        probe: { kind: postgres, url: "postgresql://app:${WRONG_PASSWORD}@127.0.0.1:${server.port}/socialflow" }
`),
    });
    try {
      const result = await runCli(['check', 'db.yaml', '--ci', '--format', 'json', '--log-dir', dir.path('runs')], { cwd: dir.dir });
      expect(result.stdout + result.stderr).toContain('password authentication failed for user app');
      expect(result.stdout + result.stderr).not.toContain(WRONG_PASSWORD);
      expect(result.code).toBe(1);
    } finally {
      dir.remove();
    }
  });
});
