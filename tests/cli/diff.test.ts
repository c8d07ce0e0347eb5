import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunDiff } from '../../src/runlog/diff.js';
import { REPO_ROOT, runCli } from '../support/cli.js';
import { sendJson, startHttpServer, type TestHttpServer } from '../support/http-server.js';
import { tempDir } from '../support/tmp.js';

const FIXTURES = join(REPO_ROOT, 'tests/fixtures/diff-two-versions');

describe('sfdeploy diff on two recorded runs', () => {
  let tmp: ReturnType<typeof tempDir>;
  let server: TestHttpServer;
  let ids: string[];

  beforeAll(async () => {
    tmp = tempDir();
    // healthy with p95 120 for the first run, degraded with p95 340 for the second
    server = await startHttpServer((_req, res, n) =>
      n === 1
        ? sendJson(res, 200, { status: 'healthy', latency: { p95: 120 }, queue: { depth: 3 } })
        : sendJson(res, 503, { status: 'degraded', latency: { p95: 340 }, queue: { depth: 3 } }),
    );
    const check = (file: string, release: string) =>
      runCli(
        ['check', join(FIXTURES, file), '--ci', '--log-dir', tmp.path('runs'), '--var', `SERVER=${server.url}`, '--release', release],
        { cwd: tmp.dir },
      );
    expect((await check('v1.yaml', 'v1')).code).toBe(0);
    expect((await check('v2.yaml', 'v2')).code).toBe(1);
    const listed = await runCli(['runs', '--json', '--log-dir', tmp.path('runs')]);
    ids = (JSON.parse(listed.stdout) as { runId: string }[]).map((r) => r.runId).reverse();
  });
  afterAll(async () => {
    await server.close();
    tmp.remove();
  });

  it('lists status changes, new and removed items and changed numeric observations, and exits 0', async () => {
    const r = await runCli(['diff', ids[0]!, ids[1]!, '--log-dir', tmp.path('runs')]);
    expect(r.code).toBe(0);
    const lines = r.stdout.split('\n');
    expect(lines[0]).toMatch(new RegExp(`^A  ${ids[0]}  \\d{4}-\\d\\d-\\d\\d \\d\\d:\\d\\d:\\d\\dZ  api · release v1  passed$`));
    expect(lines[1]).toMatch(new RegExp(`^B  ${ids[1]}  .*  api · release v2  failed$`));
    expect(lines[2]).toMatch(/^The checklist changed between the runs \(sha256 [0-9a-f]{12} → [0-9a-f]{12}\)\.$/);
    const block = (title: string): string[] => {
      const start = lines.findIndex((l) => l.startsWith(title));
      const end = lines.indexOf('', start);
      return lines.slice(start, end);
    };
    expect(block('Status changes')).toEqual([
      'Status changes (1)',
      '  health        pass → fail  Health endpoint healthy',
      '                status == 200 (got 503)',
    ]);
    expect(block('New items')).toEqual(['New items (1)', '  + new-check     pass  New check']);
    expect(block('Removed items')).toEqual(['Removed items (1)', '  - legacy-check  pass  Legacy check']);
    const observed = block('Observation changes').filter((l) => !/\s(latency_ms|latency\.\w+)\s/.test(l));
    expect(observed.slice(1)).toEqual([
      '  health        status            200 → 503',
      '  health        json.latency.p95  120 → 340  (+220, +183%)',
    ]);
    expect(r.stdout).not.toContain('json.queue.depth');
    expect(lines.at(-2)).toBe('1 item kept their status.');
  });

  it('prints the same comparison as JSON', async () => {
    const r = await runCli(['diff', ids[0]!, ids[1]!, '--json', '--log-dir', tmp.path('runs')]);
    expect(r.code).toBe(0);
    const d = JSON.parse(r.stdout) as RunDiff;
    expect(d.a).toMatchObject({ runId: ids[0], release: 'v1', verdict: 'passed' });
    expect(d.b).toMatchObject({ runId: ids[1], release: 'v2', verdict: 'failed' });
    expect(d.statusChanges).toEqual([
      { id: 'health', title: 'Health endpoint healthy', section: 'API', from: 'pass', to: 'fail', message: 'status == 200 (got 503)' },
    ]);
    expect(d.added).toEqual([{ id: 'new-check', title: 'New check', section: 'API', status: 'pass' }]);
    expect(d.removed).toEqual([{ id: 'legacy-check', title: 'Legacy check', section: 'API', status: 'pass' }]);
    expect(d.observationChanges.filter((o) => !/^latency(_ms|\.)/.test(o.path))).toEqual([
      { id: 'health', path: 'status', from: 200, to: 503 },
      { id: 'health', path: 'json.latency.p95', from: 120, to: 340 },
    ]);
    expect(d.unchangedStatus).toBe(1);
  });

  it('compares the last passed run with the latest one, which is "what changed since the last green deploy"', async () => {
    const named = await runCli(['diff', 'last-passed', 'latest', '--json', '--log-dir', tmp.path('runs')]);
    expect(named.code).toBe(0);
    expect(JSON.parse(named.stdout)).toMatchObject({ a: { runId: ids[0] }, b: { runId: ids[1] } });
    const back = await runCli(['diff', 'latest~1', 'latest', '--json', '--log-dir', tmp.path('runs')]);
    expect(JSON.parse(back.stdout)).toMatchObject({ a: { runId: ids[0] }, b: { runId: ids[1] } });
  });

  it('exits 2 when a run reference goes past the recorded history', async () => {
    const r = await runCli(['diff', 'latest~5', 'latest', '--log-dir', tmp.path('runs')]);
    expect(r.code).toBe(2);
    expect(r.stderr).toBe(`no run latest~5 in ${tmp.path('runs')}: only 2 runs recorded\n`);
  });
});
