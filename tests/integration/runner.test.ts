import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseChecklist } from '../../src/checklist/load.js';
import { runChecklist, type SignoffProvider } from '../../src/runner/run.js';
import type { ItemResult, RunListener, RunLog } from '../../src/runner/types.js';
import { RunLogWriter } from '../../src/runlog/write.js';
import { createPendingProvider } from '../support/pending-signoff.js';
import { createRedactor } from '../../src/util/redact.js';
import { startHttpServer, type TestHttpServer } from '../support/http-server.js';
import { startSilentServer, type SilentServer } from '../support/ports.js';

let http: TestHttpServer;
let inFlight = 0;
let maxInFlight = 0;
let flakyCalls = 0;
let silent: SilentServer;
let silentPort = 0;

beforeAll(async () => {
  http = await startHttpServer((req, res) => {
    const url = new URL(req.url!, 'http://x');
    if (url.pathname === '/slow') {
      inFlight++;
      maxInFlight = Math.max(maxInFlight, inFlight);
      setTimeout(
        () => {
          inFlight--;
          res.end('ok');
        },
        Number(url.searchParams.get('ms') ?? 150),
      );
      return;
    }
    if (url.pathname === '/flaky') {
      flakyCalls++;
      res.statusCode = flakyCalls < 3 ? 503 : 200;
      res.end(JSON.stringify({ status: flakyCalls < 3 ? 'starting' : 'healthy' }));
      return;
    }
    if (url.pathname === '/health') {
      res.setHeader('content-type', 'application/json');
      res.end(JSON.stringify({ status: url.searchParams.get('s') ?? 'healthy' }));
      return;
    }
    res.statusCode = 404;
    res.end();
  });
  silent = await startSilentServer();
  silentPort = silent.port;
});

afterAll(async () => {
  await http.close();
  await silent.close();
});

const checklistOf = (items: string, env: Record<string, string> = {}) =>
  parseChecklist(`id: t\ntitle: T\nsections:\n  - id: s\n    title: S\n    items:\n${items}`, 't.yaml', { env });

async function run(
  items: string,
  o: {
    env?: Record<string, string>;
    concurrency?: number;
    signoff?: SignoffProvider;
    listeners?: RunListener[];
    signal?: AbortSignal;
  } = {},
): Promise<RunLog> {
  const env = { BASE: http.url, ...o.env };
  return runChecklist({
    runId: 'test',
    checklist: checklistOf(items, env),
    context: { release: null, environment: null, gitSha: null, gitDirty: null, host: 'h', user: 'u', sfdeployVersion: '0' },
    concurrency: o.concurrency ?? 8,
    signoff: o.signoff ?? createPendingProvider(),
    signal: o.signal ?? new AbortController().signal,
    env,
    cwd: process.cwd(),
    redact: createRedactor(env),
    listeners: o.listeners ?? [],
  });
}

const byId = (log: RunLog) => Object.fromEntries(log.items.map((r) => [r.id, r])) as Record<string, ItemResult>;

describe('runner', () => {
  it('never runs more probes at once than --concurrency allows', async () => {
    maxInFlight = 0;
    const items = Array.from(
      { length: 9 },
      (_, i) => `      - id: slow-${i}\n        title: Slow ${i}\n        probe: { kind: http, url: "\${BASE}/slow?ms=120" }\n`,
    ).join('');
    const log = await run(items, { concurrency: 3 });
    expect(log.summary.counts.pass).toBe(9);
    expect(maxInFlight).toBe(3);
  });

  it('reports results in checklist order whatever order they finish in', async () => {
    const log = await run(
      `      - id: first\n        title: First\n        probe: { kind: http, url: "\${BASE}/slow?ms=300" }\n      - id: second\n        title: Second\n        probe: { kind: http, url: "\${BASE}/slow?ms=10" }\n`,
    );
    expect(log.items.map((r) => r.id)).toEqual(['first', 'second']);
  });

  it('fails an item whose probe outlives its timeout, with the timeout in the message', async () => {
    const log = await run(
      `      - id: hang\n        title: Hang\n        timeout: 300ms\n        probe: { kind: http, url: "http://127.0.0.1:${silentPort}/" }\n`,
    );
    expect(byId(log).hang).toMatchObject({ status: 'fail', message: 'timed out after 300ms' });
  });

  it('retries a failing probe after the delay and records every attempt', async () => {
    flakyCalls = 0;
    const log = await run(
      `      - id: flaky\n        title: Flaky\n        retry: { attempts: 3, delay: 50ms }\n        probe: { kind: http, url: "\${BASE}/flaky", expect: [status == 200] }\n`,
    );
    const r = byId(log).flaky!;
    expect(r.status).toBe('pass');
    expect(r.attempts.map((a) => a.status)).toEqual(['fail', 'fail', 'pass']);
    expect(r.attempts[0]!.message).toBe('status == 200 (got 503)');
  });

  it('skips an item whose dependency failed, naming the dependency, and runs one whose dependency passed', async () => {
    const log = await run(
      `      - id: base-url\n        title: Base URL\n        probe: { kind: env, vars: [NOPE] }\n      - id: health\n        title: Health\n        needs: [base-url]\n        probe: { kind: http, url: "\${BASE}/health" }\n      - id: ok\n        title: OK\n        probe: { kind: env, vars: [BASE] }\n      - id: after-ok\n        title: After OK\n        needs: [ok]\n        probe: { kind: http, url: "\${BASE}/health", expect: [json.status == "healthy"] }\n`,
    );
    const r = byId(log);
    expect(r['base-url']).toMatchObject({ status: 'fail', message: 'NOPE is not set' });
    expect(r.health).toMatchObject({ status: 'skip', message: 'needs base-url, which is failing' });
    expect(r['after-ok']!.status).toBe('pass');
  });

  it('fails an item whose variable is unset, naming it, and warns instead when the item is optional', async () => {
    const log = await run(
      `      - id: a\n        title: A\n        probe: { kind: http, url: "\${API_BASE_URL}/health" }\n      - id: b\n        title: B\n        optional: true\n        probe: { kind: http, url: "\${API_BASE_URL}/health" }\n`,
    );
    expect(byId(log).a).toMatchObject({ status: 'fail', message: 'API_BASE_URL is not set' });
    expect(byId(log).b).toMatchObject({ status: 'warn', message: 'API_BASE_URL is not set' });
    expect(log.summary).toMatchObject({ verdict: 'failed', exitCode: 1, blocking: { failed: ['a'] } });
  });

  it('skips an item whose when: is empty, saying which variable is not set', async () => {
    const log = await run(
      `      - id: k8s\n        title: K8s\n        when: \${K8S_NAMESPACE}\n        probe: { kind: command, run: [kubectl, version] }\n`,
    );
    expect(byId(log).k8s).toMatchObject({ status: 'skip', message: 'K8S_NAMESPACE not set' });
    expect(log.summary.exitCode).toBe(0);
  });

  it('gates 3 when only manual sign-offs are pending, and 0 when they are signed', async () => {
    const items = `      - id: probe\n        title: Probe\n        probe: { kind: http, url: "\${BASE}/health" }\n      - id: approve\n        title: Approve\n        manual: { instructions: approve it }\n`;
    expect((await run(items)).summary).toMatchObject({ verdict: 'pending', exitCode: 3, blocking: { pending: ['approve'] } });
    const signing: SignoffProvider = {
      async resolve() {
        return {
          status: 'signed',
          message: 'signed by ana',
          signoff: { decision: 'confirmed', by: 'ana', at: 'now', host: 'h', source: 'prompt' },
        };
      },
    };
    expect((await run(items, { signoff: signing })).summary).toMatchObject({ verdict: 'passed', exitCode: 0 });
  });

  it('asks for a manual item only after the probes of its section have finished', async () => {
    const order: string[] = [];
    const signoff: SignoffProvider = {
      async resolve(item) {
        order.push(`prompt:${item.id}`);
        return { status: 'pending', message: 'later' };
      },
    };
    await run(
      `      - id: approve\n        title: Approve\n        manual: { instructions: approve it }\n      - id: slow\n        title: Slow\n        probe: { kind: http, url: "\${BASE}/slow?ms=200" }\n`,
      { signoff, listeners: [{ onItemEnd: (item) => order.push(`end:${item.id}`) }] },
    );
    expect(order).toEqual(['end:slow', 'prompt:approve', 'end:approve']);
  });

  it('asks humans in checklist order once the independent probes are done, and a probe may wait for a sign-off', async () => {
    const order: string[] = [];
    const signoff: SignoffProvider = {
      async resolve(item) {
        order.push(`prompt:${item.id}`);
        return { status: 'signed', message: 'ok', signoff: { decision: 'confirmed', by: 'ana', at: 'now', host: 'h', source: 'prompt' } };
      },
    };
    const log = await run(
      `      - id: slow\n        title: Slow\n        probe: { kind: http, url: "\${BASE}/slow?ms=250" }\n      - id: first-approval\n        title: First\n        manual: { instructions: one }\n      - id: after-approval\n        title: Probe after a sign-off\n        needs: [second-approval]\n        probe: { kind: http, url: "\${BASE}/health" }\n      - id: second-approval\n        title: Second\n        manual: { instructions: two }\n`,
      { signoff, listeners: [{ onItemEnd: (item) => order.push(`end:${item.id}`) }] },
    );
    expect(order).toEqual([
      'end:slow',
      'prompt:first-approval',
      'end:first-approval',
      'prompt:second-approval',
      'end:second-approval',
      'end:after-approval',
    ]);
    expect(log.summary.verdict).toBe('passed');
  });

  it('stops on abort: running probes are cancelled, finished items are kept, the run is interrupted', async () => {
    const controller = new AbortController();
    const log = await run(
      `      - id: quick\n        title: Quick\n        probe: { kind: http, url: "\${BASE}/health" }\n      - id: hang\n        title: Hang\n        timeout: 30s\n        probe: { kind: http, url: "http://127.0.0.1:${silentPort}/" }\n`,
      { signal: controller.signal, listeners: [{ onItemEnd: (item) => item.id === 'quick' && setTimeout(() => controller.abort(), 50) }] },
    );
    expect(log.status).toBe('interrupted');
    expect(log.summary).toMatchObject({ verdict: 'interrupted', exitCode: 130, notRun: 1 });
    expect(log.items.map((r) => r.id)).toEqual(['quick']);
  });

  it('masks secrets in messages and observations before anyone sees them', async () => {
    const seen: ItemResult[] = [];
    const log = await run(
      `      - id: echo\n        title: Echo\n        probe: { kind: command, run: [node, -e, "console.log(process.argv[1]); process.exit(1)", "\${DATABASE_URL} \${STRIPE_API_KEY}"] }\n`,
      {
        env: { DATABASE_URL: 'postgres://app:hunter2-secret@db:5432/x', STRIPE_API_KEY: 'sk_live_sentinel123' },
        listeners: [{ onItemEnd: (_i, r) => seen.push(r) }],
      },
    );
    const text = JSON.stringify(log) + JSON.stringify(seen);
    expect(text).not.toContain('hunter2-secret');
    expect(text).not.toContain('sk_live_sentinel123');
    expect(byId(log).echo!.observations.stdout).toBe('postgres://app:***@db:5432/x ***');
  });

  it('writes a valid run log after every item, and the final one says how the run ended', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'sfdeploy-runlog-'));
    const writer = new RunLogWriter(dir, 'rid');
    const snapshots: number[] = [];
    const log = await run(
      `      - id: a\n        title: A\n        probe: { kind: http, url: "\${BASE}/slow?ms=50" }\n      - id: b\n        title: B\n        probe: { kind: http, url: "\${BASE}/slow?ms=200" }\n`,
      {
        listeners: [
          { onRunStart: (l) => writer.schedule(l) },
          writer,
          {
            onItemEnd: () => {
              void writer.flush().then(() => snapshots.push((JSON.parse(readFileSync(writer.path, 'utf8')) as RunLog).items.length));
            },
          },
        ],
      },
    );
    await writer.flush(log);
    const final = JSON.parse(readFileSync(writer.path, 'utf8')) as RunLog;
    expect(snapshots.length).toBe(2);
    expect(snapshots[0]).toBeGreaterThanOrEqual(1);
    expect(final).toMatchObject({ status: 'passed', runId: 'test', summary: { exitCode: 0 } });
    expect(final.items).toHaveLength(2);
    expect(readdirSync(dir)).toEqual(['rid.json']);
    rmSync(dir, { recursive: true, force: true });
  });
});
