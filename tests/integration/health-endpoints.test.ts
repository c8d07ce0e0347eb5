/**
 * The health items of the bundled checklists against a stand-in of the FastAPI app's health routes: 307 from
 * the slashless route, and 200 with `not_ready` / `degraded` in the body when a dependency is down.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ItemResult, RunLog } from '../../src/runner/types.js';
import { runCli } from '../support/cli.js';
import { fastApiHealth } from '../support/fastapi-health.js';
import { startHttpServer, type TestHttpServer } from '../support/http-server.js';
import { tempDir } from '../support/tmp.js';

const health = fastApiHealth();
let api: TestHttpServer;
const logs = tempDir();

beforeAll(async () => {
  api = await startHttpServer((req, res) => {
    if (health.handle(req, res)) return;
    res.writeHead(404).end();
  });
});

afterAll(async () => {
  await api?.close();
  logs.remove();
});

const HEALTH_ITEMS: Record<string, string[]> = {
  pre: ['lb-health'],
  deploy: ['health-checks-passing', 'smoke-health', 'success-health-endpoints-200'],
  post: ['health-every-5-minutes'],
  rollback: ['verify-health'],
};

async function run(checklist: string): Promise<ItemResult[]> {
  const ids = HEALTH_ITEMS[checklist]!;
  const r = await runCli(['check', checklist, '--only', ids.join(','), '--ci', '--format', 'json', '--log-dir', logs.dir], {
    env: { API_BASE_URL: api.url },
  });
  const log = JSON.parse(r.stdout) as RunLog;
  const items = log.items.filter((i) => ids.includes(i.id));
  expect(items.map((i) => i.id).sort()).toEqual([...ids].sort());
  return items;
}

describe('health items against the FastAPI health routes', () => {
  it.each(Object.keys(HEALTH_ITEMS))('%s: a healthy service passes', async (checklist) => {
    for (const k of Object.keys(health.deps)) health.deps[k as keyof typeof health.deps] = 'healthy';
    const items = await run(checklist);
    expect(items.filter((i) => i.status !== 'pass').map((i) => [i.id, i.status, i.message])).toEqual([]);
  });

  it.each(Object.keys(HEALTH_ITEMS))('%s: a dependency down (HTTP 200, the truth in the body) fails naming it', async (checklist) => {
    health.deps.redis = 'unhealthy';
    try {
      const items = await run(checklist);
      for (const item of items) {
        expect(item.status, item.id).toBe('fail');
        expect(item.message, item.id).toContain('json.checks.*.status == "healthy" (json.checks.redis.status is "unhealthy")');
      }
    } finally {
      health.deps.redis = 'healthy';
    }
  });

  it('deploy: Celery without workers makes the detailed items fail, the readiness item (database and Redis) pass', async () => {
    health.deps.celery = 'unhealthy';
    try {
      const items = Object.fromEntries((await run('deploy')).map((i) => [i.id, i]));
      expect(items['smoke-health']!.status).toBe('pass');
      expect(items['health-checks-passing']!.message).toContain('(got "degraded")');
      expect(items['health-checks-passing']!.message).toContain('json.checks.celery.status is "unhealthy"');
      expect(items['success-health-endpoints-200']!.status).toBe('fail');
    } finally {
      health.deps.celery = 'healthy';
    }
  });
});
