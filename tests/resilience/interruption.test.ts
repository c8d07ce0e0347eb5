import { afterEach, describe, expect, it } from 'vitest';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import fc from 'fast-check';
import { runCli, startCli } from '../support/cli.js';
import { tempDir } from '../support/tmp.js';
import type { RunLog } from '../../src/runner/types.js';

const CHECKLIST = fileURLToPath(new URL('../fixtures/checklists/many-short-items.yaml', import.meta.url));
const cleanups: (() => void)[] = [];
afterEach(() => cleanups.splice(0).forEach((f) => f()));

function startRun(logDir: string) {
  const run = startCli(['check', CHECKLIST, '--ci', '--concurrency', '2', '--log-dir', logDir], {
    env: { HOME: undefined },
    timeoutMs: 60_000,
  });
  // started: the first output, or the end of a run killed before it printed anything
  const started = Promise.race([run.waitFor(/./s), run.done]).catch(() => undefined);
  return { child: run.child, done: run.done.then((r) => r.code), started, stdout: run.stdout };
}

describe('interrupted runs', () => {
  it('SIGINT, SIGTERM or SIGKILL at random moments across 50 runs always leave a valid run log and no temp files', async () => {
    const t = tempDir();
    cleanups.push(t.remove);
    const plans = fc.sample(
      fc.tuple(fc.constantFrom('SIGINT', 'SIGTERM', 'SIGKILL') as fc.Arbitrary<NodeJS.Signals>, fc.integer({ min: 0, max: 700 })),
      { numRuns: 50, seed: 20261129 },
    );
    let interrupted = 0;
    const killedMidWrite: string[] = [];
    for (const [n, [signal, delay]] of plans.entries()) {
      const logDir = join(t.dir, `run-${n}`);
      const run = startRun(logDir);
      if (n % 10 !== 0) await run.started;
      await new Promise((r) => setTimeout(r, delay));
      run.child.kill(signal);
      const code = await run.done;
      const files = (() => {
        try {
          return readdirSync(logDir);
        } catch {
          return [];
        }
      })();
      const context = `run ${n}: ${signal} after ${delay}ms, exit ${code}, files ${files.join(',')}`;
      const temp = files.filter((f) => /^\..+\.\d+\.tmp$/.test(f));
      expect(
        files.filter((f) => !/^\d{8}T\d{6}Z-[0-9a-f]{6}\.json$/.test(f) && !temp.includes(f)),
        context,
      ).toEqual([]);
      if (temp.length) {
        // only a kill that cannot be handled may leave a temp file; the next sfdeploy in that directory removes it
        expect(signal, context).toBe('SIGKILL');
        killedMidWrite.push(logDir);
      }
      files.splice(0, files.length, ...files.filter((f) => !temp.includes(f)));
      if (files.length === 0) {
        // killed before the run started: nothing to record
        expect(code === null || code === 130, context).toBe(true);
        continue;
      }
      expect(files, context).toHaveLength(1);
      const log = JSON.parse(readFileSync(join(logDir, files[0]!), 'utf8')) as RunLog;
      const ids = log.items.map((i) => i.id);
      expect(new Set(ids).size, context).toBe(ids.length);
      if (log.status === 'passed') {
        expect(ids, context).toHaveLength(10);
        continue;
      }
      if (signal === 'SIGKILL') {
        expect(['running', 'passed'], context).toContain(log.status);
        continue;
      }
      interrupted++;
      expect(log.status, context).toBe('interrupted');
      expect(code, context).toBe(130);
      expect(log.finishedAt, context).not.toBeNull();
      const printed = [...run.stdout().matchAll(/✔ Item \d+ (i\d+)/g)].map((m) => m[1]);
      for (const id of printed) expect(ids, context).toContain(id);
      expect(log.summary.notRun, context).toBe(10 - ids.length);
    }
    expect(interrupted).toBeGreaterThan(5);
    for (const dir of killedMidWrite) {
      expect((await runCli(['runs', '--log-dir', dir])).code).toBe(0);
      expect(
        readdirSync(dir).filter((f) => f.endsWith('.tmp')),
        dir,
      ).toEqual([]);
    }
  }, 150_000);

  it('two runs at once on the same log directory get distinct run ids and neither log is clobbered', async () => {
    const t = tempDir();
    cleanups.push(t.remove);
    const [a, b] = await Promise.all([
      runCli(['check', CHECKLIST, '--ci', '--log-dir', t.dir, '--release', 'A']),
      runCli(['check', CHECKLIST, '--ci', '--log-dir', t.dir, '--release', 'B']),
    ]);
    expect([a.code, b.code]).toEqual([0, 0]);
    const logs = readdirSync(t.dir).map((f) => JSON.parse(readFileSync(join(t.dir, f), 'utf8')) as RunLog);
    expect(logs).toHaveLength(2);
    expect(new Set(logs.map((l) => l.runId)).size).toBe(2);
    expect(logs.map((l) => l.context.release).sort()).toEqual(['A', 'B']);
    for (const l of logs) expect(l).toMatchObject({ status: 'passed', summary: { total: 10, notRun: 0 } });
  });
});
