/**
 * The Celery queue items against a real Redis holding the target's queues: the app routes tasks to
 * video_processing, ai_processing, analytics_processing, notifications and email, and everything else lands in
 * Celery's default queue `celery`.
 */
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunLog } from '../../src/runner/types.js';
import { runCli } from '../support/cli.js';
import { startRedis, type RedisServer } from '../support/redis.js';
import { runItems } from '../support/run-checklist.js';
import { tempDir } from '../support/tmp.js';

let redis: RedisServer;
let admin: Redis;
const logs = tempDir();

beforeAll(async () => {
  redis = await startRedis();
  admin = new Redis(redis.url);
});

afterAll(async () => {
  admin?.disconnect();
  await redis?.stop();
  logs.remove();
});

async function fill(lengths: Record<string, number>): Promise<void> {
  await admin.flushdb();
  for (const [queue, n] of Object.entries(lengths)) {
    for (let i = 0; i < n; i += 1000) await admin.rpush(queue, ...Array.from({ length: Math.min(1000, n - i) }, (_, j) => `t${i + j}`));
  }
}

async function checkQueues(checklist: string, env: Record<string, string> = {}) {
  const r = await runCli(
    [
      'check',
      checklist,
      '--only',
      checklist === 'pre' ? 'celery-queues' : 'celery-queues-draining',
      '--ci',
      '--format',
      'json',
      '--log-dir',
      logs.dir,
    ],
    { env: { REDIS_URL: redis.url, CELERY_APP: 'app.workers.celery_app', ...env } },
  );
  const log = JSON.parse(r.stdout) as RunLog;
  return log.items.find((i) => i.id === 'celery-queues' || i.id === 'celery-queues-draining')!;
}

describe('Celery queues in the bundled checklists', () => {
  it.each(['pre', 'deploy', 'post'])(
    '%s: 5,000 waiting tasks in the default queue celery fail, naming the queue and its length',
    async (name) => {
      await fill({ celery: 5000, video_processing: 2, email: 1 });
      const item = await checkQueues(name);
      expect(item.status).toBe('fail');
      expect(item.message).toBe('llen.* < 1000 (llen.celery is 5000)');
    },
  );

  it('watches every routed queue of the app (ai_processing, analytics_processing, email included)', async () => {
    await fill({ ai_processing: 1201, analytics_processing: 1202, email: 1203, notifications: 1204, video_processing: 1205 });
    expect((await checkQueues('pre')).message).toBe(
      'llen.* < 1000 (llen.video_processing is 1205, llen.ai_processing is 1201, llen.analytics_processing is 1202, llen.notifications is 1204, llen.email is 1203)',
    );
    await fill({ celery: 3, email: 999 });
    expect((await checkQueues('pre')).status).toBe('pass');
  });

  it('reads the queue list from CELERY_QUEUES (comma-separated)', async () => {
    await fill({ celery: 5000, reports: 1500 });
    const item = await checkQueues('pre', { CELERY_QUEUES: 'reports, celery' });
    expect(item.message).toBe('llen.* < 1000 (llen.reports is 1500, llen.celery is 5000)');
    expect(item.observations).toMatchObject({ llen: { reports: 1500, celery: 5000 } });
  });

  it('fetches a queue a condition names even when queues: does not list it', async () => {
    await fill({ celery: 42 });
    const { item } = await runItems(
      `      - id: q
        title: Q
        probe: { kind: redis, url: "${redis.url}", expect: ["llen.celery < 10", "config.maxmemory-policy exists"] }
`,
    );
    expect(item('q').message).toBe('llen.celery < 10 (got 42)');
  });
});
