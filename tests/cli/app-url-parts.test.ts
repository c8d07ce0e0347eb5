/**
 * The Social Flow app builds its database and Redis URLs from parts (POSTGRES_*, REDIS_HOST/PORT/PASSWORD/DB) when
 * DATABASE_URL and REDIS_URL are unset: the bundled pre checklist does the same, against a real PostgreSQL and Redis.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunLog } from '../../src/runner/types.js';
import { runCli } from '../support/cli.js';
import { startPostgres, type PostgresServer } from '../support/postgres.js';
import { startRedis, type RedisServer } from '../support/redis.js';
import { tempDir } from '../support/tmp.js';

const DB_PASSWORD = 'Db-parts-pw-7Qx2';
const REDIS_PASSWORD = 'Redis-parts-pw-9Kd4';
const ITEMS = [
  'env-database-url',
  'env-redis-url',
  'db-created',
  'db-user-least-privilege',
  'db-connectivity',
  'redis-deployed',
  'redis-auth',
];

let pg: PostgresServer;
let redis: RedisServer;
const dir = tempDir();

beforeAll(async () => {
  [pg, redis] = await Promise.all([startPostgres(), startRedis({ password: REDIS_PASSWORD })]);
  await pg.createRole('social_app', DB_PASSWORD);
  await pg.createDatabase('social_flow', 'social_app');
});
afterAll(async () => {
  await Promise.all([pg?.stop(), redis?.stop()]);
  dir.remove();
});

async function runCheck(
  env: Record<string, string>,
  checklist = 'pre',
  only = ITEMS,
): Promise<{ code: number | null; items: Record<string, string>; all: string }> {
  const r = await runCli(['check', checklist, '--ci', '--format', 'json', '--only', only.join(','), '--log-dir', dir.path('runs')], {
    cwd: dir.dir,
    env,
  });
  const log = JSON.parse(r.stdout) as RunLog;
  return {
    code: r.code,
    items: Object.fromEntries(log.items.filter((i) => !i.filtered).map((i) => [i.id, `${i.status}: ${i.message}`])),
    all: r.stdout + r.stderr,
  };
}

const parts = (): Record<string, string> => ({
  POSTGRES_SERVER: '127.0.0.1',
  POSTGRES_PORT: String(pg.port),
  POSTGRES_USER: 'social_app',
  POSTGRES_PASSWORD: DB_PASSWORD,
  POSTGRES_DB: 'social_flow',
  REDIS_HOST: '127.0.0.1',
  REDIS_PORT: String(redis.port),
  REDIS_PASSWORD,
});

describe('check pre with only the parts of the URLs set, as the app reads them', () => {
  it('builds DATABASE_URL and REDIS_URL from them and passes on the real servers, never showing the passwords', async () => {
    const r = await runCheck(parts());
    expect(Object.entries(r.items).filter(([, v]) => !v.startsWith('pass'))).toEqual([]);
    expect(r.items['db-created']).toContain(`postgresql://social_app@127.0.0.1:${pg.port}/social_flow`);
    expect(r.code).toBe(0);
    expect(r.all).not.toContain(DB_PASSWORD);
    expect(r.all).not.toContain(REDIS_PASSWORD);
  });

  it('a part missing fails the URL items naming it, not only "is not set"', async () => {
    const { POSTGRES_PASSWORD: _, ...rest } = parts();
    const r = await runCheck(rest);
    expect(r.items['env-database-url']).toBe(
      'fail: DATABASE_URL is not set, nor every part its default is built from: POSTGRES_PASSWORD is not set',
    );
    expect(r.items['env-redis-url']).toMatch(/^pass/);
    expect(r.code).toBe(1);
  });

  it('deploy and post map the parts the same way', async () => {
    const deploy = await runCheck(parts(), 'deploy', [
      'env-database-url',
      'env-redis-url',
      'success-database-healthy',
      'success-redis-healthy',
    ]);
    expect(Object.values(deploy.items).filter((v) => !v.startsWith('pass'))).toEqual([]);
    expect(Object.keys(deploy.items)).toHaveLength(4);
    const post = await runCheck(parts(), 'post', ['env-database-url', 'env-redis-url']);
    expect(post.items).toMatchObject({
      'env-database-url': expect.stringMatching(/^pass/),
      'env-redis-url': expect.stringMatching(/^pass/),
    });
  });

  it('DATABASE_URL, when set, wins over the parts, as in the app', async () => {
    const r = await runCheck({
      ...parts(),
      POSTGRES_DB: 'no_such_db',
      DATABASE_URL: pg.urlFor({ user: 'social_app', password: DB_PASSWORD, database: 'social_flow' }),
    });
    expect(r.items['db-created']).toMatch(/^pass/);
  });
});
