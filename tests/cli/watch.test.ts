import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { REPO_ROOT, runCli, startCli } from '../support/cli.js';
import { sendJson, startHttpServer, type TestHttpServer } from '../support/http-server.js';
import { tempDir } from '../support/tmp.js';

const CHECKLIST = join(REPO_ROOT, 'tests/fixtures/watch-health/checklist.yaml');
const TIMELINE = /^\d\d:\d\d:\d\dZ {2}(?:✔ passed|✖ FAILED|■ stopped|⏸ pending) · /;

/** Healthy for the first `healthy` requests, then 503 and degraded. */
const healthUntil = (healthy: number) =>
  startHttpServer((_req, res, n) =>
    n <= healthy ? sendJson(res, 200, { status: 'healthy' }) : sendJson(res, 503, { status: 'degraded' }),
  );

describe('watch mode', () => {
  let tmp: ReturnType<typeof tempDir>;
  let server: TestHttpServer;
  afterEach(async () => {
    await server?.close();
    tmp?.remove();
  });

  const runs = () => readdirSync(tmp.path('runs')).filter((f) => f.endsWith('.json'));

  it('runs every 1s for 3s, one timeline line and one run log per run, and exits 1 when the server goes unhealthy mid-window', async () => {
    tmp = tempDir();
    server = await healthUntil(2);
    const r = await runCli(
      ['check', CHECKLIST, '--every', '1s', '--for', '3s', '--log-dir', tmp.path('runs'), '--var', `SERVER=${server.url}`],
      { cwd: tmp.dir },
    );
    expect(r.code).toBe(1);
    const timeline = r.stdout.split('\n').filter((l) => TIMELINE.test(l));
    expect(timeline).toHaveLength(3);
    expect(timeline[0]).toMatch(/ {2}✔ passed · 1\/1 ok · api-health \d+ms$/);
    expect(timeline[1]).toMatch(/ {2}✔ passed · 1\/1 ok · api-health \d+ms$/);
    expect(timeline[2]).toMatch(/ {2}✖ FAILED · api-health · api-health \d+ms$/);
    expect(server.requestCount()).toBe(3);
    expect(runs()).toHaveLength(3);
    expect(r.stdout).toContain('1 automated item per run; 1 manual item is left to sfdeploy check');
    expect(r.stdout).toMatch(/Watch finished: 3 runs in \d+(?:\.\d)?s, 2 passed, 1 failed\./);
    expect(r.stdout).toMatch(/First failure at \d\d:\d\d:\d\dZ \(run \d{8}T\d{6}Z-[0-9a-f]+\): api-health/);
    expect(r.stdout).toMatch(/What changed: sfdeploy diff \S+ \S+/);
  });

  it('exits 0 when every run passed', async () => {
    tmp = tempDir();
    server = await healthUntil(100);
    const r = await runCli(
      ['check', CHECKLIST, '--every', '1s', '--for', '2s', '--log-dir', tmp.path('runs'), '--var', `SERVER=${server.url}`],
      { cwd: tmp.dir },
    );
    expect(r.code).toBe(0);
    expect(r.stdout.split('\n').filter((l) => TIMELINE.test(l))).toHaveLength(2);
    expect(r.stdout).toContain('2 passed.');
  });

  it('stops at the first failed run with --until-fail', async () => {
    tmp = tempDir();
    server = await healthUntil(1);
    const r = await runCli(
      ['check', CHECKLIST, '--every', '1s', '--until-fail', '--log-dir', tmp.path('runs'), '--var', `SERVER=${server.url}`],
      { cwd: tmp.dir },
    );
    expect(r.code).toBe(1);
    expect(
      r.stdout
        .split('\n')
        .filter((l) => TIMELINE.test(l))
        .map((l) => l.slice(11, 19)),
    ).toEqual(['✔ passed', '✖ FAILED']);
    expect(r.stdout).toContain('Stopped at the first failed run: 2 runs');
  });

  it('follows the checklist schedule phase by phase with `sfdeploy watch`', async () => {
    tmp = tempDir();
    server = await healthUntil(100);
    const r = await runCli(['watch', CHECKLIST, '--log-dir', tmp.path('runs'), '--var', `SERVER=${server.url}`], { cwd: tmp.dir });
    expect(r.code).toBe(0);
    const lines = r.stdout.split('\n');
    expect(lines[0]).toBe('Watching Health watch (watch-health): every 1s for 2s, then every 1s for 1s');
    const shape = lines
      .slice(1)
      .filter((l) => TIMELINE.test(l) || / for \ds$/.test(l))
      .map((l) => (TIMELINE.test(l) ? 'run' : l));
    expect(shape).toEqual(['Warm-up: every 1s for 2s', 'run', 'run', 'Steady: every 1s for 1s', 'run']);
    expect(runs()).toHaveLength(3);
    const starts = lines.filter((l) => TIMELINE.test(l)).map((l) => Date.parse(`1970-01-01T${l.slice(0, 9)}`));
    expect(starts[2]! - starts[0]!, 'the second phase starts when the first one ends, 2s in').toBeGreaterThanOrEqual(2000);
  });

  it('stops cleanly on Ctrl-C with a summary and the interrupted exit code', async () => {
    tmp = tempDir();
    server = await healthUntil(100);
    const run = startCli(['check', CHECKLIST, '--every', '1s', '--log-dir', tmp.path('runs'), '--var', `SERVER=${server.url}`], {
      cwd: tmp.dir,
    });
    await run.waitFor(new RegExp(TIMELINE.source, 'm'));
    run.kill('SIGINT');
    const { code, stdout } = await run.done;
    expect(code).toBe(130);
    expect(stdout).toMatch(/Stopped \(interrupted\): 1 run in \d+ms, 1 passed\./);
    expect(runs()).toHaveLength(1);
  });

  it('refuses --format and --output in watch mode, and --for without --every', async () => {
    tmp = tempDir();
    const withFormat = await runCli(['check', CHECKLIST, '--every', '1s', '--format', 'junit', '--log-dir', tmp.path('runs')], {
      cwd: tmp.dir,
    });
    expect(withFormat.code).toBe(2);
    expect(withFormat.stderr).toMatch(/^error: watch mode prints a timeline/);
    const forOnly = await runCli(['check', CHECKLIST, '--for', '1h', '--log-dir', tmp.path('runs')], { cwd: tmp.dir });
    expect(forOnly.code).toBe(2);
    expect(forOnly.stderr).toBe('error: --for needs --every, such as --every 5m\n');
  });

  it('rejects a schedule phase whose only: selects nothing before the first run', async () => {
    tmp = tempDir({
      'checklist.yaml':
        'id: x\ntitle: X\nschedule: [{ for: 1h, every: 5m, only: ["section:nope"] }]\nsections:\n  - id: s\n    title: S\n    items:\n      - { id: a, title: A, probe: { kind: command, run: [sh, -c, "exit 0"] } }\n',
    });
    const r = await runCli(['watch', 'checklist.yaml', '--log-dir', tmp.path('runs')], { cwd: tmp.dir });
    expect(r.code).toBe(2);
    expect(r.stderr).toBe('error: schedule[0].only: "section:nope" matches no item\n');
  });
});

describe('watch in a terminal', () => {
  it('shows a live compact view in a TTY: one row per item with a latency sparkline and its last status, redrawn in place', async () => {
    const { TmuxSession } = await import('../support/tmux.js');
    const tmp = tempDir();
    const server = await healthUntil(2);
    const session = await TmuxSession.sfdeploy(
      ['watch', CHECKLIST, '--log-dir', tmp.path('runs'), '--var', `SERVER=${server.url}`],
      tmp.dir,
    );
    try {
      expect(await session.exitCode(60_000)).toBe(1);
      const screen = await session.screen();
      const lines = screen.split('\n');
      expect(lines[0]).toBe('Watching Health watch (watch-health): every 1s for 2s, then every 1s for 1s');
      expect(
        lines.filter((l) => TIMELINE.test(l)),
        'a lasting line only for runs that changed the verdict',
      ).toHaveLength(2);
      expect(screen).not.toMatch(/run [12] at /);
      expect(lines.filter((l) => /^run 3 at \d\d:\d\d:\d\dZ {2}✖ FAILED · 0\/1 ok$/.test(l))).toHaveLength(1);
      const rows = lines.filter((l) => /api-health {2}[▁▂▃▄▅▆▇█]/.test(l));
      expect(rows).toHaveLength(1);
      expect(rows[0]).toMatch(/^✖ api-health {2}[▁▂▃▄▅▆▇█]{3} {13} +\d+ms {2}status == 200 \(got 503\)/);
      expect(screen).toMatch(/Watch finished: 3 runs in \d+(?:\.\d)?s, 2 passed, 1 failed\./);
      expect(server.requestCount()).toBe(3);
    } finally {
      await session.close();
      await server.close();
      tmp.remove();
    }
  }, 90_000);
});
