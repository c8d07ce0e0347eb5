import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { makeTestCertificates } from '../tests/support/certs.js';
import { GIT_ENV, gitSandbox } from '../tests/support/git-repo.js';
import { sendJson, startHttpServer, type TestHttpServer } from '../tests/support/http-server.js';
import { startPostgres, type PostgresServer } from '../tests/support/postgres.js';
import { startRedis, type RedisServer } from '../tests/support/redis.js';
import { ROOT } from './measure.js';
import { S3RVER_ACCESS_KEY, S3RVER_SECRET_KEY, startS3rver, type S3rverInstance } from '../tests/support/s3.js';

export const RELEASE = '1.4.0';
const APP_PASSWORD = 'bench-app-password-4c1d';
const REDIS_PASSWORD = 'bench-redis-password-9e2f';
const ALEMBIC_FIXTURE = join(ROOT, 'tests', 'fixtures', 'alembic', 'linear-history');

export interface Stack {
  /** The project's repository (alembic.ini, migrations, CHANGELOG.md, tagged v1.4.0): both runs start here. */
  repo: string;
  /** The variables both runs get. */
  env: Record<string, string>;
  stop(): Promise<void>;
}

/**
 * Starts PostgreSQL (an app database at the Alembic head), Redis (password, AOF, a celery queue), s3rver
 * (media and backup buckets), an HTTP and an HTTPS API server, all on 127.0.0.1, and a tagged git repository.
 * The helpers are the test suite's; their temp folders go under process.env.TMPDIR, which the caller owns.
 */
export async function startStack(): Promise<Stack> {
  const stops: (() => Promise<void> | void)[] = [];
  const stop = async (): Promise<void> => {
    for (const s of stops.reverse()) await s();
  };
  try {
    const certs = await makeTestCertificates();
    const sandbox = gitSandbox();
    stops.push(() => sandbox.remove());
    const caFile = join(sandbox.root, 'ca.crt');
    writeFileSync(caFile, certs.ca.cert);

    const pg: PostgresServer = await startPostgres();
    stops.push(() => pg.stop());
    await pg.createRole('app', APP_PASSWORD);
    await pg.createDatabase('socialflow', 'app');
    const databaseUrl = pg.urlFor({ user: 'app', password: APP_PASSWORD, database: 'socialflow' });

    const redis: RedisServer = await startRedis({ password: REDIS_PASSWORD, appendonly: true });
    stops.push(() => redis.stop());
    const { Redis } = await import('ioredis');
    const client = new Redis(redis.url, { lazyConnect: true });
    await client.connect();
    await client.rpush('celery', 'task-1', 'task-2', 'task-3');
    client.disconnect();

    const s3: S3rverInstance = await startS3rver(['socialflow-media', 'socialflow-backups']);
    stops.push(() => s3.close());
    await putObjects(s3.endpoint, [
      ['socialflow-backups', 'db/socialflow-2026-01-01.dump', 'old backup'],
      ['socialflow-backups', 'db/socialflow-latest.dump', 'latest backup'],
      ['socialflow-media', 'uploads/avatar-1.png', 'png'],
    ]);

    let httpsPort = 0;
    const api = (secure: boolean) => (req: import('node:http').IncomingMessage, res: import('node:http').ServerResponse) => {
      const url = req.url ?? '/';
      const cors: Record<string, string> =
        req.headers.origin === 'https://app.socialflow.io' ? { 'access-control-allow-origin': req.headers.origin } : {};
      const hsts: Record<string, string> = secure ? { 'strict-transport-security': 'max-age=63072000; includeSubDomains' } : {};
      if (url === '/health') return sendJson(res, 200, { status: 'healthy', checks: { db: 'ok', redis: 'ok' } }, { ...cors, ...hsts });
      if (url === '/ready') return sendJson(res, 200, { ready: true }, hsts);
      if (url === '/api/v1/version') return sendJson(res, 200, { version: RELEASE }, hsts);
      if (url === '/app' && !secure) {
        res.writeHead(301, { location: `https://127.0.0.1:${httpsPort}/app` });
        return void res.end();
      }
      sendJson(res, 404, { detail: 'Not Found' }, hsts);
    };
    const https: TestHttpServer = await startHttpServer(api(true), { tls: certs.valid });
    httpsPort = https.port;
    stops.push(() => https.close());
    const http: TestHttpServer = await startHttpServer(api(false));
    stops.push(() => http.close());

    const repo = sandbox.repo('socialflow', {
      ...fixtureFiles(ALEMBIC_FIXTURE),
      'CHANGELOG.md': `# Changelog\n\n## ${RELEASE}\n\n- Search index on posts.\n`,
      '.gitignore': '.sfdeploy/\n__pycache__/\n',
    });
    repo.git('tag', `v${RELEASE}`);
    execFileSync('alembic', ['-c', 'alembic.ini', 'upgrade', 'head'], {
      cwd: repo.dir,
      env: { PATH: process.env.PATH ?? '/usr/bin:/bin', DATABASE_URL: databaseUrl, PYTHONDONTWRITEBYTECODE: '1' },
      stdio: 'pipe',
    });

    const env: Record<string, string> = {
      PATH: process.env.PATH ?? '/usr/bin:/bin',
      HOME: sandbox.root,
      LANG: 'C.UTF-8',
      NO_COLOR: '1',
      PYTHONDONTWRITEBYTECODE: '1',
      AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
      ...GIT_ENV,
      DATABASE_URL: databaseUrl,
      // redis-cli 7.0 sends an empty user name for redis://:password@ and is refused: name the default user
      REDIS_URL: `redis://default:${REDIS_PASSWORD}@127.0.0.1:${redis.port}/0`,
      PG_PORT: String(pg.port),
      REDIS_PORT: String(redis.port),
      ALEMBIC_CONFIG: 'alembic.ini',
      AWS_ENDPOINT_URL: s3.endpoint,
      AWS_ACCESS_KEY_ID: S3RVER_ACCESS_KEY,
      AWS_SECRET_ACCESS_KEY: S3RVER_SECRET_KEY,
      AWS_REGION: 'us-east-1',
      AWS_S3_BUCKET: 'socialflow-media',
      BACKUP_BUCKET: 'socialflow-backups',
      API_BASE_URL: http.url,
      API_HTTPS_URL: https.url,
      HTTPS_PORT: String(https.port),
      TLS_CA_FILE: caFile,
      RELEASE,
      SECRET_KEY: 'b7f2c9e4a1d8f3e6c5b0a9d2e7f4c1b8a3d6e9f2',
      JWT_SECRET_KEY: '3f9a1c7e5b2d8f4a6c0e9b3d7f1a5c8e2b6d0f4a9c3e7b1d5f8a2c6e0b4d9f3a',
      STRIPE_API_KEY: 'sk_live_51Hb3nchM4rkK3yN0tR34lQ7v2Lx9Wd4',
      CORS_ORIGINS: 'https://app.socialflow.io,https://admin.socialflow.io',
      DEBUG: 'false',
    };
    return { repo: repo.dir, env, stop };
  } catch (e) {
    await stop();
    throw e;
  }
}

/** The files of a fixture folder, by path relative to it. */
function fixtureFiles(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  const walk = (d: string): void => {
    for (const name of readdirSync(d)) {
      const full = join(d, name);
      if (statSync(full).isDirectory()) walk(full);
      else out[relative(dir, full)] = readFileSync(full, 'utf8');
    }
  };
  walk(dir);
  return out;
}

async function putObjects(endpoint: string, objects: [bucket: string, key: string, body: string][]): Promise<void> {
  const { S3Client, PutObjectCommand } = await import('@aws-sdk/client-s3');
  const client = new S3Client({
    endpoint,
    region: 'us-east-1',
    forcePathStyle: true,
    credentials: { accessKeyId: S3RVER_ACCESS_KEY, secretAccessKey: S3RVER_SECRET_KEY },
  });
  try {
    for (const [Bucket, Key, Body] of objects) await client.send(new PutObjectCommand({ Bucket, Key, Body }));
  } finally {
    client.destroy();
  }
}
