import { createHash } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { summarize } from '../../src/runner/gate.js';
import type { ItemResult, ItemStatus, RunLog } from '../../src/runner/types.js';

/** The post-deployment checklist a generated window was "run" from: thresholds in its conditions. */
export const WINDOW_CHECKLIST = `id: post-watch
title: Post-deployment monitoring
sections:
  - id: hours-1-4
    title: Hours 1-4
    items:
      - id: api-health
        title: Health endpoint every 5 minutes
        probe: { kind: http, url: "http://127.0.0.1:9/health", samples: 20, expect: [status == 200, latency.p95 < 200ms] }
      - id: error-rate
        title: Error rate below 1%
        probe: { kind: prometheus, url: "http://127.0.0.1:9", query: "rate5xx", expect: [value < 1%] }
      - id: queues
        title: Celery queues not backed up
        probe: { kind: redis, url: "redis://127.0.0.1:9", queues: [default, video_processing], expect: [llen.default < 1000] }
      - id: redis-memory
        title: Redis memory below 512 MB
        probe: { kind: redis, url: "redis://127.0.0.1:9", expect: [info.memory.used_memory < 512mb] }
      - id: user-feedback
        title: Monitor user feedback
        manual: { instructions: Read the support inbox. }
`;

export const WINDOW_START = Date.parse('2026-11-28T14:00:00.000Z');
export const WINDOW_EVERY_MS = 5 * 60_000;

/** Run `i` of the window is red when it falls in this stretch (inclusive): latency and error rate break their thresholds. */
export const RED_STRETCH = [4, 6] as const;

/** The numbers run `i` observed: deterministic, with a spike in the red stretch. */
export function observed(i: number): {
  p50: number;
  p95: number;
  p99: number;
  errorRate: number;
  queue: number;
  video: number;
  memory: number;
} {
  const red = i >= RED_STRETCH[0] && i <= RED_STRETCH[1];
  return {
    p50: 40 + (i % 3) * 5 + (red ? 80 : 0),
    p95: 120 + (i % 4) * 10 + (red ? 220 : 0),
    p99: 180 + (i % 5) * 10 + (red ? 400 : 0),
    errorRate: red ? 0.03 + i / 1000 : 0.002 + (i % 2) / 1000,
    queue: red ? 1200 + i * 10 : 20 + i * 3,
    video: 5 + (i % 4),
    memory: (200 + i * 4) * 1024 ** 2,
  };
}

function item(
  id: string,
  title: string,
  kind: string,
  status: ItemStatus,
  message: string,
  observations: Record<string, unknown>,
  at: string,
): ItemResult {
  return {
    id,
    title,
    section: 'hours-1-4',
    sectionTitle: 'Hours 1-4',
    kind,
    severity: 'high',
    optional: false,
    status,
    message,
    startedAt: at,
    durationMs: 12,
    attempts: [{ attempt: 1, status, message, startedAt: at, durationMs: 12 }],
    observations,
  };
}

/**
 * Writes `count` run logs of one watch, 5 minutes apart from 14:00Z, and the checklist they recorded (its real
 * SHA-256). Runs in RED_STRETCH fail on api-health, error-rate and queues. Returns the logs, oldest first.
 */
export function writeMonitoringWindow(
  dir: string,
  count = 12,
  watchId = '20261128T140000Z-0a0b0c',
): { runsDir: string; checklist: string; logs: RunLog[] } {
  const checklist = join(dir, 'post-watch.yaml');
  writeFileSync(checklist, WINDOW_CHECKLIST);
  const sha256 = createHash('sha256').update(WINDOW_CHECKLIST).digest('hex');
  const runsDir = join(dir, 'runs');
  mkdirSync(runsDir, { recursive: true });
  const logs: RunLog[] = [];
  for (let i = 0; i < count; i++) {
    const start = new Date(WINDOW_START + i * WINDOW_EVERY_MS);
    const at = start.toISOString();
    const o = observed(i);
    const red = i >= RED_STRETCH[0] && i <= RED_STRETCH[1];
    const items = [
      item(
        'api-health',
        'Health endpoint every 5 minutes',
        'http',
        red ? 'fail' : 'pass',
        red ? `latency.p95 < 200ms (got ${o.p95})` : `20 responses (200), p95 ${o.p95}ms`,
        {
          status: 200,
          latency_ms: o.p50,
          latency: { min: o.p50 - 10, p50: o.p50, p95: o.p95, p99: o.p99, max: o.p99 + 5 },
          json: { status: 'healthy' },
        },
        at,
      ),
      item(
        'error-rate',
        'Error rate below 1%',
        'prometheus',
        red ? 'fail' : 'pass',
        red ? `value < 1% (got ${o.errorRate})` : `value ${o.errorRate}`,
        { value: o.errorRate, samples: [] },
        at,
      ),
      item(
        'queues',
        'Celery queues not backed up',
        'redis',
        red ? 'fail' : 'pass',
        red ? `llen.default < 1000 (got ${o.queue})` : 'PONG',
        {
          pong: true,
          llen: { default: o.queue, video_processing: o.video },
        },
        at,
      ),
      item(
        'redis-memory',
        'Redis memory below 512 MB',
        'redis',
        'pass',
        'PONG',
        { pong: true, info: { memory: { used_memory: o.memory, maxmemory: 0 } } },
        at,
      ),
      { ...item('user-feedback', 'Monitor user feedback', 'manual', 'skip', 'not selected', {}, at), filtered: true },
    ];
    const summary = summarize(items, items.length, false);
    const log: RunLog = {
      schemaVersion: 1,
      runId: `${at.replace(/[-:]/g, '').replace(/\.\d+Z$/, 'Z')}-${(0xa00000 + i).toString(16)}`,
      status: summary.verdict,
      startedAt: at,
      finishedAt: new Date(start.getTime() + 2000).toISOString(),
      checklist: { id: 'post-watch', title: 'Post-deployment monitoring', path: checklist, sha256 },
      context: {
        release: 'v1.4.0',
        environment: 'production',
        gitSha: null,
        gitDirty: null,
        host: 'monitor-01',
        user: 'oncall',
        sfdeployVersion: '0.1.0',
        watch: { id: watchId, phase: 'Hours 1-4 (critical monitoring)' },
      },
      items,
      summary,
    };
    writeFileSync(join(runsDir, `${log.runId}.json`), `${JSON.stringify(log, null, 2)}\n`);
    logs.push(log);
  }
  return { runsDir, checklist, logs };
}
