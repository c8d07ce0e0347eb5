import { afterEach, describe, expect, it } from 'vitest';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { XMLParser } from 'fast-xml-parser';
import { runCli, startCli } from '../support/cli.js';
import { tempDir } from '../support/tmp.js';
import type { RunLog } from '../../src/runner/types.js';

const FIXTURES = fileURLToPath(new URL('../fixtures/checklists/', import.meta.url));
const cleanups: (() => void)[] = [];
afterEach(() => cleanups.splice(0).forEach((f) => f()));

function workspace() {
  const t = tempDir();
  cleanups.push(t.remove);
  return t;
}

const check = (name: string, args: string[], logDir: string) =>
  runCli(['check', join(FIXTURES, name), '--log-dir', logDir, ...args], { cwd: FIXTURES });

const onlyLog = (dir: string): RunLog => {
  const files = readdirSync(dir).filter((f) => f.endsWith('.json'));
  expect(files).toHaveLength(1);
  return JSON.parse(readFileSync(join(dir, files[0]!), 'utf8')) as RunLog;
};

describe('sfdeploy check', () => {
  it('exits 0 when every blocking item passes, and records a run log', async () => {
    const ws = workspace();
    const r = await check('all-pass.yaml', [], ws.dir);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('✔ Node runs node-runs');
    expect(r.stdout).toMatch(/Gate\s+PASSED \(exit 0\)/);
    const log = onlyLog(ws.dir);
    expect(log).toMatchObject({ schemaVersion: 1, status: 'passed', checklist: { id: 'all-pass' }, summary: { exitCode: 0 } });
    expect(log.checklist.sha256).toMatch(/^[0-9a-f]{64}$/);
  });

  it('exits 1 when a blocking item fails; an optional failure is only a warning', async () => {
    const ws = workspace();
    const r = await check('one-failure.yaml', [], ws.dir);
    expect(r.code).toBe(1);
    expect(r.stdout).toContain('✖ Exits 3 fails');
    expect(r.stdout).toContain('node exited with 3');
    expect(r.stdout).toContain('! Optional and failing optional-fails');
    expect(r.stdout).toMatch(/Blocking fails$/m);
    expect(onlyLog(ws.dir).summary.counts).toMatchObject({ pass: 1, fail: 1, warn: 1 });
  });

  it('exits 3 when only sign-offs are pending under --ci, and 0 with --allow-pending', async () => {
    const ws = workspace();
    const r = await check('pending-signoff.yaml', ['--ci'], ws.dir);
    expect(r.code).toBe(3);
    expect(r.stdout).toContain('⏸ Release manager approval approve');
    expect(r.stdout).toMatch(/PENDING SIGN-OFF \(exit 3\)/);
    const ws2 = workspace();
    expect((await check('pending-signoff.yaml', ['--ci', '--allow-pending'], ws2.dir)).code).toBe(0);
  });

  it('treats a run without a TTY on stdin as --ci: manual items are pending, nothing prompts', async () => {
    const ws = workspace();
    const r = await check('pending-signoff.yaml', [], ws.dir);
    expect(r.code).toBe(3);
  });

  it('exits 2 with every problem located and no stack trace for an invalid checklist', async () => {
    const ws = workspace();
    const r = await check('invalid-types-and-keys.yaml', [], ws.dir);
    expect(r.code).toBe(2);
    const lines = r.stderr.trim().split('\n');
    expect(lines).toHaveLength(3);
    expect(lines[0]).toMatch(
      /invalid-types-and-keys\.yaml:10:17 sections\[0\]\.items\[0\]\.probe\.kind: unknown probe kind "tcp-not-a-kind"/,
    );
    expect(lines[1]).toMatch(
      /invalid-types-and-keys\.yaml:13:9 sections\[0\]\.items\[1\]\.timout: unknown key "timout" \(did you mean "timeout"\?\)/,
    );
    expect(lines[2]).toMatch(
      /invalid-types-and-keys\.yaml:21:15 sections\[0\]\.items\[2\]\.probe\.expect\[0\]: unknown observation "statuscode"/,
    );
    expect(r.stderr).not.toMatch(/\bat .*\.js:\d+/);
    expect(existsSync(ws.dir) && readdirSync(ws.dir)).toEqual([]);
  });

  it('exits 2 on usage errors: unknown flags, bad values, unknown selectors, missing files', async () => {
    const ws = workspace();
    expect((await check('all-pass.yaml', ['--bogus'], ws.dir)).code).toBe(2);
    expect((await check('all-pass.yaml', ['--format', 'xml'], ws.dir)).code).toBe(2);
    const conc = await check('all-pass.yaml', ['--concurrency', 'lots'], ws.dir);
    expect(conc).toMatchObject({ code: 2 });
    expect(conc.stderr).toContain('--concurrency expects auto or a whole number 1-256, got "lots"');
    const sel = await check('all-pass.yaml', ['--only', 'node-run'], ws.dir);
    expect(sel.code).toBe(2);
    expect(sel.stderr).toContain('"node-run" matches no item (did you mean "node-runs"?)');
    const missing = await runCli(['check', 'nope.yaml'], { cwd: ws.dir });
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain('nope.yaml:1:1: no such file');
  });

  it('--only runs the chosen items and what they need; --skip leaves items out', async () => {
    const ws = workspace();
    const r = await check('one-failure.yaml', ['--only', 'passes', '--format', 'json'], ws.dir);
    expect(r.code).toBe(0);
    const log = JSON.parse(r.stdout) as RunLog;
    expect(log.items.filter((i) => !i.filtered).map((i) => i.id)).toEqual(['passes']);
    expect(log.items.find((i) => i.id === 'fails')).toMatchObject({ status: 'skip', filtered: true });
    const ws2 = workspace();
    const skipped = await check('one-failure.yaml', ['--skip', 'fails'], ws2.dir);
    expect(skipped.code).toBe(0);
    expect(skipped.stdout).toContain('1 not selected');
  });

  it('--format json prints the run log document on stdout', async () => {
    const ws = workspace();
    const r = await check('one-failure.yaml', ['--format', 'json'], ws.dir);
    const printed = JSON.parse(r.stdout) as RunLog;
    expect(printed).toEqual(onlyLog(ws.dir));
    expect(printed.items.map((i) => [i.id, i.status])).toEqual([
      ['passes', 'pass'],
      ['fails', 'fail'],
      ['optional-fails', 'warn'],
    ]);
  });

  it('--format junit writes XML a JUnit consumer can read: a suite per section, a case per item', async () => {
    const ws = workspace();
    const out = join(ws.dir, 'reports', 'junit.xml');
    const r = await check(
      'one-failure.yaml',
      ['--format', 'junit', '--output', out, '--release', 'v1.2.3', '--environment', 'staging'],
      ws.dir + '/runs',
    );
    expect(r.code).toBe(1);
    expect(r.stdout).toContain('Gate     FAILED');
    const xml = new XMLParser({ ignoreAttributes: false, attributeNamePrefix: '' }).parse(readFileSync(out, 'utf8'));
    const suite = xml.testsuites.testsuite;
    expect(suite).toMatchObject({ name: 'Basics', tests: '3', failures: '1', errors: '0' });
    const cases = suite.testcase as Record<string, unknown>[];
    expect(cases.map((c) => c.name)).toEqual(['Basics › Passes', 'Basics › Exits 3', 'Basics › Optional and failing']);
    expect(cases[0]).toMatchObject({ classname: 'one-failure' });
    expect(Number(cases[0]!.time)).toBeGreaterThan(0);
    expect((cases[1]!.failure as Record<string, string>).message).toBe('node exited with 3');
    const props = Object.fromEntries((suite.properties.property as { name: string; value: string }[]).map((p) => [p.name, p.value]));
    expect(props).toMatchObject({ release: 'v1.2.3', environment: 'staging', checklist: 'one-failure' });
  });

  it('SIGINT stops the run: the log keeps finished items, says interrupted, and the exit code is 130', async () => {
    const ws = workspace();
    const run = startCli(['check', join(FIXTURES, 'slow-probes.yaml'), '--log-dir', ws.dir, '--ci'], { cwd: FIXTURES });
    await run.waitFor('quick');
    run.kill('SIGINT');
    const { code } = await run.done;
    expect(code).toBe(130);
    const log = onlyLog(ws.dir);
    expect(log.status).toBe('interrupted');
    expect(log.items.map((i) => i.id)).toEqual(['quick']);
    expect(readdirSync(ws.dir).filter((f) => !f.endsWith('.json'))).toEqual([]);
  });

  it('a second SIGINT exits at once and still leaves a valid log that says interrupted', async () => {
    const ws = workspace();
    const run = startCli(['check', join(FIXTURES, 'slow-probes.yaml'), '--log-dir', ws.dir, '--ci'], { cwd: FIXTURES });
    await run.waitFor('quick');
    run.kill('SIGINT');
    run.kill('SIGINT');
    const { code } = await run.done;
    expect(code).toBe(130);
    const log = onlyLog(ws.dir);
    expect(log.status).toBe('interrupted');
    expect(log.items.map((i) => i.id)).toEqual(['quick']);
  });

  it('loads variables from --env-file, lets the environment win, and masks secrets in every output', async () => {
    const ws = workspace();
    ws.write('prod.env', 'API_TOKEN=tok_sentinel_abc123\nGREETING=from-file\n');
    ws.write(
      'c.yaml',
      'id: c\ntitle: C\nsections:\n  - id: s\n    title: S\n    items:\n      - id: echo\n        title: Echo\n        probe: { kind: command, run: [node, -e, "console.log(process.argv.slice(1).join(\' \')); process.exit(1)", "${API_TOKEN}", "${GREETING}"] }\n',
    );
    const r = await runCli(['check', 'c.yaml', '--env-file', 'prod.env', '--format', 'json', '--log-dir', 'runs'], {
      cwd: ws.dir,
      env: { GREETING: 'from-env' },
    });
    expect(r.code).toBe(1);
    const log = JSON.parse(r.stdout) as RunLog;
    expect(log.items[0]!.observations.stdout).toBe('*** from-env');
    expect(r.stdout + r.stderr + readFileSync(join(ws.dir, 'runs', readdirSync(join(ws.dir, 'runs'))[0]!), 'utf8')).not.toContain(
      'tok_sentinel_abc123',
    );
  });
});

describe('a reader that goes away', () => {
  it('does not crash the CLI: `sfdeploy check ... | head` still records the run and exits with the gate', async () => {
    const ws = workspace();
    const run = startCli(['check', join(FIXTURES, 'one-failure.yaml'), '--ci', '--log-dir', ws.dir], { cwd: FIXTURES });
    run.child.stdout.once('data', () => run.child.stdout.destroy());
    const { code, stderr } = await run.done;
    expect(stderr).not.toContain('EPIPE');
    expect(code).toBe(1);
    expect(onlyLog(ws.dir).status).toBe('failed');
  });
});

describe('sfdeploy start-up', () => {
  it('--version loads no package at all, --help no probe client (pg, ioredis, the AWS SDK)', async () => {
    const ws = workspace();
    for (const args of [['--version'], ['--help'], ['check', '--help']]) {
      const trace = join(ws.dir, `${args.join('')}.txt`);
      const r = await runCli(args, {
        env: {
          NODE_OPTIONS: `--import=${fileURLToPath(new URL('../fixtures/trace-imports.mjs', import.meta.url))}`,
          TRACE_IMPORTS_FILE: trace,
        },
      });
      expect(r.code).toBe(0);
      const loaded = readFileSync(trace, 'utf8');
      // The CLI is built into chunks (rolldown.config.mjs): dist/cli.js, and dist/chunks/<client>-<hash>.js per heavy client.
      if (args[0] === '--version') expect(loaded).not.toMatch(/\/dist\/|\/node_modules\//);
      else expect(loaded).toMatch(/\/dist\/cli\.js/);
      expect(loaded).not.toMatch(/\/dist\/chunks\/(pg|ioredis|aws-sdk|execa|zod|yaml|prompts|markdown)-[^/]+\.js/);
      expect(loaded).not.toMatch(/node_modules\//);
    }
  });
});
