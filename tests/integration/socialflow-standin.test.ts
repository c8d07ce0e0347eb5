/**
 * `sfdeploy check pre` against a stand-in of the Social Flow backend as it really is: its health routes (307 from
 * the slashless route; HTTP 200 with `not_ready` / `degraded` in the body when a dependency is down), a Redis
 * broker holding its Celery queues (`celery` backed up), and an env file with the application's own variable
 * names (SECRET_KEY, STRIPE_SECRET_KEY, BACKEND_CORS_ORIGINS, ALLOWED_HOSTS as JSON) left at the template values
 * of its production example. Nothing that is broken may pass.
 */
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ItemResult, RunLog } from '../../src/runner/types.js';
import { runCli, type CliResult } from '../support/cli.js';
import { fastApiHealth } from '../support/fastapi-health.js';
import { gitSandbox, GIT_ENV, type TestRepo } from '../support/git-repo.js';
import { startHttpServer, type TestHttpServer } from '../support/http-server.js';
import { startRedis, type RedisServer } from '../support/redis.js';
import { tempDir } from '../support/tmp.js';

const REDIS_PASSWORD = 'q8Lr2Vn6Tz4Xb1Mw-broker';
const ALLOWED_ORIGINS = ['https://app.socialflow.com', 'https://socialflow.com'];

/** The application's variable names with the template values its production example ships. */
const APP_ENV_FILE = [
  '\uFEFF# production settings of the Social Flow backend',
  'ENVIRONMENT=production',
  'DEBUG=false',
  'SECRET_KEY=your-super-secret-key-change-this-in-production',
  'JWT_SECRET_KEY=9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08',
  'JWT_ALGORITHM=HS256',
  'DATABASE_URL=postgresql+asyncpg://postgres:your-database-password@postgres:5432/socialflow',
  'POSTGRES_PASSWORD=your-database-password',
  'REDIS_PASSWORD=your-redis-password',
  'AWS_REGION=us-east-1',
  'AWS_ACCESS_KEY_ID=AKIAIOSFODNN7EXAMPLE',
  'AWS_SECRET_ACCESS_KEY=wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY',
  'AWS_S3_BUCKET=socialflow-media-production',
  'AWS_CLOUDFRONT_DOMAIN=cdn.socialflow.com',
  'STRIPE_SECRET_KEY=sk_live_your-stripe-secret-key',
  'STRIPE_WEBHOOK_SECRET=whsec_your-webhook-secret',
  'SENDGRID_API_KEY=SG.your-sendgrid-api-key',
  'TWILIO_ACCOUNT_SID=your-twilio-account-sid',
  'TWILIO_AUTH_TOKEN=your-twilio-auth-token',
  'GOOGLE_CLIENT_ID=your-google-client-id',
  'GOOGLE_CLIENT_SECRET=your-google-client-secret',
  'FACEBOOK_APP_ID=your-facebook-app-id',
  'FACEBOOK_APP_SECRET=your-facebook-app-secret',
  'SENTRY_DSN=https://your-sentry-dsn@sentry.io/project-id',
  'SENTRY_ENVIRONMENT=production',
  'FIREBASE_CREDENTIALS={"type":"service_account","project_id":"your-project"}',
  'BACKEND_CORS_ORIGINS=["https://app.socialflow.com","https://socialflow.com"]',
  'ALLOWED_HOSTS=["*"]',
  'API_V1_PREFIX=/api/v1',
  '',
].join('\n');

/** Items that honestly hold in this stand-in (and why); every other automated item must not pass. */
const HONEST_PASSES: Record<string, string> = {
  'code-committed': 'the checkout is clean (.env is ignored)',
  'code-no-secrets': 'no tracked file holds a key (the template values sit in the untracked .env)',
  'sec-cors': "a preflight from a foreign origin gets Starlette CORSMiddleware's 400 without Access-Control-Allow-Origin",
  'env-file-not-committed': '.env is ignored and untracked',
  'env-redis-url': 'REDIS_URL (from the process environment) is a real redis:// URL',
  'env-environment-production': 'ENVIRONMENT=production',
  'env-debug-off': 'DEBUG=false',
  'env-cors-origins': 'BACKEND_CORS_ORIGINS is a JSON list of https origins',
  'redis-deployed': 'the broker answers',
  'redis-auth': 'the broker requires its password',
  'redis-connectivity': 'PONG',
  'sec-redis-protected-mode': 'redis-server runs in protected mode',
  'cicd-workflow': '.github/workflows exists',
};

let api: TestHttpServer;
let redis: RedisServer;
const health = fastApiHealth();
const sandbox = gitSandbox();
const logs = tempDir();
let app: TestRepo;
let run: CliResult;
let log: RunLog;
const item = (id: string): ItemResult => {
  const found = log.items.find((i) => i.id === id);
  if (!found) throw new Error(`no item ${id}`);
  return found;
};

beforeAll(async () => {
  [api, redis] = await Promise.all([
    startHttpServer((req, res) => {
      if (req.method === 'OPTIONS' && req.headers['access-control-request-method']) {
        const origin = String(req.headers.origin ?? '');
        if (!ALLOWED_ORIGINS.includes(origin))
          return void res.writeHead(400, { 'content-type': 'text/plain' }).end('Disallowed CORS origin');
        return void res.writeHead(200, { 'access-control-allow-origin': origin, vary: 'Origin' }).end('OK');
      }
      if (!health.handle(req, res)) res.writeHead(404, { 'content-type': 'application/json' }).end('{"detail":"Not Found"}');
    }),
    startRedis({ password: REDIS_PASSWORD }),
  ]);
  const broker = new Redis(redis.url);
  await broker.rpush('celery', ...Array.from({ length: 5000 }, (_, i) => `task-${i}`));
  await broker.rpush('video_processing', 'a', 'b');
  broker.disconnect();
  health.deps.database = 'unhealthy';

  app = sandbox.repo('social-flow-backend', {
    '.gitignore': '.env\n__pycache__/\n',
    '.github/workflows/ci.yml': 'name: ci\non: [push]\n',
    'app/main.py': 'app = None\n',
  });
  app.write('.env', APP_ENV_FILE);
  run = await runCli(
    ['check', 'pre', '--ci', '--format', 'json', '--log-dir', logs.dir, '--var', 'STRIPE_API_KEY=${STRIPE_SECRET_KEY}', '--timeout', '5s'],
    { cwd: app.dir, env: { ...GIT_ENV, API_BASE_URL: api.url, REDIS_URL: redis.url }, timeoutMs: 120_000 },
  );
  log = JSON.parse(run.stdout) as RunLog;
}, 180_000);

afterAll(async () => {
  await Promise.all([api?.close(), redis?.stop()]);
  sandbox.remove();
  logs.remove();
});

describe('sfdeploy check pre against a stand-in of the Social Flow backend', () => {
  it('passes only what honestly holds', () => {
    expect(run.code).toBe(1);
    const passed = log.items.filter((i) => i.status === 'pass').map((i) => i.id);
    expect(passed.filter((id) => !(id in HONEST_PASSES))).toEqual([]);
    expect(Object.keys(HONEST_PASSES).filter((id) => !passed.includes(id))).toEqual([]);
  });

  it('says which env file it read, in the header and the run log', () => {
    expect(run.stderr).toContain('env files read: .env');
    expect(log.context.envFiles).toEqual(['.env']);
  });

  it('fails each item the template values and the real app would have passed, naming the cause', () => {
    expect(item('env-jwt-secret').message).toContain('SECRET_KEY (read as JWT_SECRET_KEY) looks like a placeholder');
    expect(item('env-configured').message).toContain('SECRET_KEY (read as JWT_SECRET_KEY) looks like a placeholder');
    expect(item('env-configured').message).toContain('AWS_ACCESS_KEY_ID is an example value from vendor documentation');
    expect(item('env-stripe-live').message).toBe(
      'STRIPE_API_KEY looks like a placeholder, not a real value; STRIPE_SECRET_KEY (read as STRIPE_API_KEY) looks like a placeholder, not a real value',
    );
    expect(item('stripe-webhook-secret').message).toBe('STRIPE_WEBHOOK_SECRET looks like a placeholder, not a real value');
    expect(item('sendgrid').message).toBe('SENDGRID_API_KEY looks like a placeholder, not a real value');
    expect(item('env-allowed-hosts').message).toBe('ALLOWED_HOSTS contains the forbidden value "*"');
    expect(item('env-aws-credentials').status).toBe('fail');
    expect(item('lb-health').message).toContain('json.status == "ready" (got "not_ready")');
    expect(item('lb-health').message).toContain('json.checks.database.status is "unhealthy"');
    expect(item('celery-queues').message).toBe('llen.* < 1000 (llen.celery is 5000)');
    for (const id of ['twilio', 'oauth-google', 'oauth-facebook', 'firebase', 'sentry', 'mon-error-tracking'])
      expect(item(id).status, id).toBe('fail');
  });

  it('never prints or records a secret of the env file', () => {
    for (const secret of [REDIS_PASSWORD, '9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08']) {
      expect(run.stdout).not.toContain(secret);
      expect(run.stderr).not.toContain(secret);
    }
  });
});
