import { fastApiHealth } from '../support/fastapi-health.js';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { parse } from 'yaml';
import { REPO_ROOT, runCli } from '../support/cli.js';
import { startHttpServer, type TestHttpServer } from '../support/http-server.js';
import { startPostgres, type PostgresServer } from '../support/postgres.js';
import { startRedis, type RedisServer } from '../support/redis.js';
import { tempDir } from '../support/tmp.js';
import type { ItemResult, RunLog } from '../../src/runner/types.js';

/** The bundled checklists under test, with the variables a first run must name as unset. */
const CHECKLISTS = {
  deploy: ['API_BASE_URL', 'PROMETHEUS_URL', 'DATABASE_URL', 'REDIS_URL', 'AWS_S3_BUCKET'],
  rollback: ['API_BASE_URL', 'PROMETHEUS_URL'],
  post: ['API_BASE_URL', 'PROMETHEUS_URL', 'DATABASE_URL', 'REDIS_URL'],
} as const;
type Name = keyof typeof CHECKLISTS;
const NAMES = Object.keys(CHECKLISTS) as Name[];

const fileOf = (name: Name) => join(REPO_ROOT, 'checklists', `${name}.yaml`);

interface RawItem {
  id: string;
  probe?: { kind: string; query?: string };
}

/** The PromQL of each prometheus item of a bundled checklist, by item id, as written in the file. */
function promQueries(name: Name): Record<string, string> {
  const doc = parse(readFileSync(fileOf(name), 'utf8')) as { sections: { items: RawItem[] }[] };
  const out: Record<string, string> = {};
  for (const item of doc.sections.flatMap((s) => s.items)) {
    if (item.probe?.kind === 'prometheus') out[item.id] = item.probe.query!;
  }
  return out;
}

const cleanups: (() => void)[] = [];
afterEach(() => cleanups.splice(0).forEach((f) => f()));

function workspace(): string {
  const t = tempDir();
  cleanups.push(t.remove);
  return t.dir;
}

/** `sfdeploy check <name> --ci --format json` from an empty folder (no .env), with only `env` set. */
async function check(
  name: Name,
  env: Record<string, string>,
  extra: string[] = [],
): Promise<{ code: number | null; log: RunLog; stderr: string }> {
  const dir = workspace();
  const r = await runCli(['check', name, '--ci', '--format', 'json', '--log-dir', join(dir, 'runs'), ...extra], { cwd: dir, env });
  let log: RunLog;
  try {
    log = JSON.parse(r.stdout) as RunLog;
  } catch {
    throw new Error(`check ${name} printed no JSON run log (exit ${r.code}):\n${r.stdout}\n${r.stderr}`);
  }
  return { code: r.code, log, stderr: r.stderr };
}

const byStatus = (log: RunLog, status: ItemResult['status']) =>
  log.items
    .filter((i) => i.status === status && !i.filtered)
    .map((i) => i.id)
    .sort();

describe('bundled deploy, rollback and post checklists', () => {
  it.each(NAMES)('%s.yaml validates', async (name) => {
    const r = await runCli(['validate', fileOf(name)]);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toContain(`✔ checklists/${name}.yaml ${name}:`);
  });

  it.each(NAMES)('%s: a first run with nothing configured names what is missing, skips the rest and times nothing out', async (name) => {
    const { code, log, stderr } = await check(name, {});
    expect(code).toBe(1);
    expect(log.items).toHaveLength(log.summary.total);

    const failing = log.items.filter((i) => i.status === 'fail');
    // Only the configuration items fail, each naming its one variable.
    for (const i of failing) {
      expect(i.kind, i.id).toBe('env');
      expect(i.message, i.id).toMatch(/^[A-Z][A-Z0-9_]* is not set$/);
    }
    expect(failing.map((i) => i.message.replace(/ is not set$/, '')).sort()).toEqual([...CHECKLISTS[name]].sort());
    const failed = new Set(failing.map((i) => i.id));

    for (const i of log.items) {
      expect(i.message, i.id).not.toMatch(/timed out/);
      expect(['error', 'warn', 'pass'], `${i.id}: ${i.status} ${i.message}`).not.toContain(i.status);
      if (i.status === 'skip') {
        const needs = /^needs ([a-z0-9-]+), which is failing$/.exec(i.message);
        if (needs) expect(failed.has(needs[1]!), `${i.id} skipped for ${needs[1]}`).toBe(true);
        else expect(i.message, i.id).toMatch(/^[A-Z][A-Z0-9_]* not set$/);
      } else if (i.kind === 'manual') {
        expect(i.status, i.id).toBe('pending');
      } else {
        expect(i.status, `${i.id}: ${i.message}`).toBe('fail');
      }
    }
    // Every automated item that is not a configuration item was skipped, not run against an unset host.
    const automated = log.items.filter((i) => i.kind !== 'manual' && i.kind !== 'env');
    expect(automated.length).toBeGreaterThan(0);
    for (const i of automated) expect(i.status, i.id).toBe('skip');
    expect(log.items.some((i) => i.kind === 'manual' && i.status === 'pending')).toBe(true);
    expect(stderr).toMatch(new RegExp(`Not set\\s+${CHECKLISTS[name].join(', ')} — set them`));
  });
});

/** A Prometheus stand-in answering instant queries and the rules API in Prometheus's JSON format. */
interface FakePrometheusState {
  values: Record<string, string>;
  queries: string[];
}

function prometheusHandler(state: FakePrometheusState) {
  return (req: IncomingMessage, res: ServerResponse): void => {
    const url = new URL(req.url ?? '/', 'http://x');
    const send = (status: number, body: unknown) => {
      res.writeHead(status, { 'content-type': 'application/json' });
      res.end(JSON.stringify(body));
    };
    if (url.pathname === '/api/v1/query') {
      const query = url.searchParams.get('query') ?? '';
      state.queries.push(query);
      const value = state.values[query];
      const now = Date.now() / 1000;
      return send(200, {
        status: 'success',
        data: { resultType: 'vector', result: value === undefined ? [] : [{ metric: {}, value: [now, value] }] },
      });
    }
    if (url.pathname === '/api/v1/rules' && url.searchParams.get('type') === 'alert') {
      return send(200, {
        status: 'success',
        data: {
          groups: [
            {
              name: 'api',
              file: '/etc/prometheus/rules/api.yml',
              interval: 30,
              rules: [
                {
                  state: 'inactive',
                  name: 'HighErrorRate',
                  query: 'job:errors:rate5m > 0.01',
                  duration: 300,
                  labels: { severity: 'critical' },
                  annotations: {},
                  alerts: [],
                  health: 'ok',
                  type: 'alerting',
                },
              ],
            },
          ],
        },
      });
    }
    send(404, { status: 'error', errorType: 'not_found', error: 'not found' });
  };
}

describe('smoke and monitoring items against a loopback API and Prometheus', () => {
  let api: TestHttpServer;
  let prom: TestHttpServer;
  /**
   * healthy: the app's health routes, every dependency healthy; down: the load balancer answers 503 (no app);
   * degraded: Redis down behind the app, which still answers 200 with the truth in the body.
   */
  let apiHealth: 'healthy' | 'down' | 'degraded' = 'healthy';
  const promState: FakePrometheusState = { values: {}, queries: [] };
  const app = fastApiHealth();

  beforeAll(async () => {
    api = await startHttpServer((req, res) => {
      if (apiHealth === 'down') {
        res.writeHead(503, { 'content-type': 'text/plain' });
        return void res.end('no healthy upstream');
      }
      app.deps.redis = apiHealth === 'degraded' ? 'unhealthy' : 'healthy';
      if (app.handle(req, res)) return;
      res.writeHead(404, { 'content-type': 'application/json' });
      res.end('{"detail":"Not Found"}');
    });
    prom = await startHttpServer(prometheusHandler(promState));
  });
  afterAll(async () => {
    await Promise.all([api?.close(), prom?.close()]);
  });

  const env = () => ({ API_BASE_URL: api.url, PROMETHEUS_URL: prom.url });

  /** A healthy production: error rate 0.4%, p95 87 ms, no 5xx, no alert firing. */
  function healthyMetrics(name: Name): void {
    const q = promQueries(name);
    const values: Record<string, string> = {};
    const set = (id: string, v: string) => {
      expect(q[id], `${name}.yaml has no prometheus item ${id}`).toBeDefined();
      values[q[id]!] = v;
    };
    if (name === 'deploy') {
      set('error-rate', '0.004');
      set('no-alerts-triggered', '0');
      set('success-p95-latency', '87');
      set('success-error-rate', '0.004');
      set('success-no-5xx', '0');
    } else if (name === 'rollback') {
      set('verify-error-rate', '0.004');
    } else {
      set('error-rate-below-1-percent', '0.004');
    }
    promState.values = values;
    promState.queries = [];
  }

  const SELECTED: Record<Name, { items: string[]; health: string[]; errorRate: string[] }> = {
    deploy: {
      items: [
        'health-checks-passing',
        'smoke-health',
        'api-response-times',
        'error-rate',
        'no-alerts-triggered',
        'success-health-endpoints-200',
        'success-p95-latency',
        'success-error-rate',
        'success-no-5xx',
      ],
      health: ['health-checks-passing', 'smoke-health', 'success-health-endpoints-200'],
      errorRate: ['error-rate', 'success-error-rate'],
    },
    rollback: { items: ['verify-health', 'verify-error-rate'], health: ['verify-health'], errorRate: ['verify-error-rate'] },
    post: {
      items: ['health-every-5-minutes', 'error-rate-below-1-percent', 'automated-alerts'],
      health: ['health-every-5-minutes'],
      errorRate: ['error-rate-below-1-percent'],
    },
  };

  it.each(NAMES)(
    '%s: the items pass against a healthy API; an unhealthy health endpoint fails exactly the health items, a degraded body the body checks',
    async (name) => {
      const { items, health } = SELECTED[name];
      const configItems = ['env-api-base-url', 'env-prometheus-url'];
      apiHealth = 'healthy';
      healthyMetrics(name);

      const ok = await check(name, env(), ['--only', items.join(',')]);
      expect(
        byStatus(ok.log, 'pass'),
        JSON.stringify(ok.log.items.filter((i) => i.status !== 'pass' && !i.filtered).map((i) => [i.id, i.message])),
      ).toEqual([...items, ...configItems].sort());
      expect(ok.code).toBe(0);
      // Every PromQL query was sent to Prometheus exactly as written in the checklist.
      expect(new Set(promState.queries)).toEqual(new Set(Object.keys(promState.values)));

      apiHealth = 'down';
      const bad = await check(name, env(), ['--only', items.join(',')]);
      expect(bad.code).toBe(1);
      expect(byStatus(bad.log, 'fail')).toEqual([...health].sort());
      expect(byStatus(bad.log, 'pass')).toEqual([...items, ...configItems].filter((id) => !health.includes(id)).sort());
      for (const id of health) {
        expect(bad.log.items.find((i) => i.id === id)!.message).toMatch(/status == 200 \(got 503\)/);
      }

      // A 200 whose body says a dependency is down fails every health item, naming the dependency.
      apiHealth = 'degraded';
      const degraded = await check(name, env(), ['--only', items.join(',')]);
      expect(byStatus(degraded.log, 'fail')).toEqual([...health].sort());
      for (const id of health) {
        expect(degraded.log.items.find((i) => i.id === id)!.message).toContain('(json.checks.redis.status is "unhealthy")');
      }
    },
    90_000,
  ); // three runs, the failing ones wait for the health items' retries

  it.each(NAMES)(
    '%s: an error rate of 2.3 percent (and, for deploy, 5xx errors and a p95 of 350 ms) fails exactly those gates',
    async (name) => {
      const { items, errorRate } = SELECTED[name];
      apiHealth = 'healthy';
      healthyMetrics(name);
      const q = promQueries(name);
      for (const id of errorRate) promState.values[q[id]!] = '0.023';
      if (name === 'deploy') {
        promState.values[q['success-no-5xx']!] = '12';
        promState.values[q['success-p95-latency']!] = '350';
      }
      const expected = name === 'deploy' ? [...errorRate, 'success-no-5xx', 'success-p95-latency'] : errorRate;

      const r = await check(name, env(), ['--only', items.join(',')]);
      expect(r.code).toBe(1);
      expect(byStatus(r.log, 'fail')).toEqual([...expected].sort());
      for (const id of errorRate) expect(r.log.items.find((i) => i.id === id)!.message).toBe('value < 1% (got 0.023)');
      if (name === 'deploy') expect(r.log.items.find((i) => i.id === 'success-p95-latency')!.message).toBe('value < 200ms (got 350)');
    },
  );

  it('deploy: the SSL item fails on a plain-HTTP API, naming the scheme', async () => {
    apiHealth = 'healthy';
    const r = await check('deploy', env(), ['--only', 'ssl-certificate-verified']);
    expect(r.code).toBe(1);
    const ssl = r.log.items.find((i) => i.id === 'ssl-certificate-verified')!;
    expect(ssl.status).toBe('fail');
    expect(ssl.message).toContain(`url matches /^https:\\/\\// (got "${api.url}/api/v1/health/")`);
  });
});

describe('database and Redis items against a throwaway PostgreSQL and Redis', () => {
  let pg: PostgresServer;
  let redis: RedisServer;

  beforeAll(async () => {
    [pg, redis] = await Promise.all([startPostgres(), startRedis()]);
  });
  afterAll(async () => {
    await Promise.all([pg?.stop(), redis?.stop()]);
  });

  const env = () => ({ DATABASE_URL: pg.url, REDIS_URL: redis.url, CELERY_APP: 'app.workers.celery_app' });
  const ITEMS: Partial<Record<Name, string[]>> = {
    deploy: ['db-queries-performing', 'celery-queues-draining', 'success-database-healthy', 'success-redis-healthy'],
    post: ['db-connection-pool', 'celery-queues-draining'],
  };

  it('the queries run and pass on an idle database and empty queues; a backlog of 1000 tasks fails the queue items', async () => {
    for (const name of ['deploy', 'post'] as const) {
      const items = ITEMS[name]!;
      const r = await check(name, env(), ['--only', items.join(',')]);
      expect(
        byStatus(r.log, 'pass'),
        JSON.stringify(r.log.items.filter((i) => i.status !== 'pass' && !i.filtered).map((i) => [i.id, i.message])),
      ).toEqual([...items, 'env-database-url', 'env-redis-url'].sort());
    }
    const client = new Redis(redis.url);
    try {
      await client.rpush('video_processing', ...Array.from({ length: 1000 }, (_, i) => `task-${i}`));
    } finally {
      client.disconnect();
    }
    for (const name of ['deploy', 'post'] as const) {
      const r = await check(name, env(), ['--only', ITEMS[name]!.join(',')]);
      expect(byStatus(r.log, 'fail')).toEqual(['celery-queues-draining']);
      expect(r.log.items.find((i) => i.id === 'celery-queues-draining')!.message).toBe('llen.* < 1000 (llen.video_processing is 1000)');
    }
  }, 90_000);
});
