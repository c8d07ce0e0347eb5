import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { REPO_ROOT, runCli } from '../support/cli.js';
import { tempDir } from '../support/tmp.js';

const CHECKLIST = 'tests/fixtures/failing-gate/checklist.yaml';
const source = readFileSync(join(REPO_ROOT, CHECKLIST), 'utf8');
/** 1-based line of `- id: <id>` in the fixture: where an annotation must point. */
const lineOf = (id: string): number => source.split('\n').findIndex((l) => l.trim() === `- id: ${id}`) + 1;

/** How the Actions runner reads a property value back (the inverse of the escaping rules). */
const unescapeProperty = (s: string): string =>
  s.replace(/%3A/g, ':').replace(/%2C/g, ',').replace(/%0D/g, '\r').replace(/%0A/g, '\n').replace(/%25/g, '%');

interface Annotation {
  level: string;
  props: Record<string, string>;
  message: string;
}

function annotations(output: string): Annotation[] {
  return output
    .split('\n')
    .filter((l) => l.startsWith('::'))
    .map((l) => {
      const m = /^::(\w+) ([^:]*)::(.*)$/.exec(l);
      if (!m) throw new Error(`not a workflow command: ${l}`);
      const props = Object.fromEntries(
        m[2]!.split(',').map((kv) => [kv.slice(0, kv.indexOf('=')), unescapeProperty(kv.slice(kv.indexOf('=') + 1))]),
      );
      return { level: m[1]!, props, message: unescapeProperty(m[3]!) };
    });
}

describe('GitHub Actions integration (GITHUB_ACTIONS=true)', () => {
  let tmp: ReturnType<typeof tempDir>;
  afterEach(() => tmp?.remove());

  const run = (extra: string[], env: Record<string, string> = {}) =>
    runCli(['check', join(REPO_ROOT, CHECKLIST), '--ci', '--log-dir', tmp.path('runs'), ...extra], {
      cwd: tmp.dir,
      env: { GITHUB_ACTIONS: 'true', GITHUB_WORKSPACE: REPO_ROOT, GITHUB_STEP_SUMMARY: tmp.path('summary.md'), ...env },
    });

  it('annotates each failing or erroring blocking item with ::error and each warned item with ::warning, escaped and pointing at the item', async () => {
    tmp = tempDir();
    const r = await run([]);
    expect(r.code).toBe(1);
    const lines = r.stdout.split('\n').filter((l) => l.startsWith('::'));
    expect(lines).toEqual([
      `::error file=${CHECKLIST},line=${lineOf('disk-full')},title=Checks%3A disk%2C tools › Disk%3A 95%25 full%2C%0Asecond line (disk-full)::gate: sh exited with 1: usage 95%25 | limit: 90%25`,
      `::error file=${CHECKLIST},line=${lineOf('tool-missing')},title=Checks%3A disk%2C tools › Tool is installed (tool-missing)::gate: could not run: command not found: sfdeploy-test-no-such-tool (is it installed and on PATH?)`,
      `::warning file=${CHECKLIST},line=${lineOf('optional-check')},title=Checks%3A disk%2C tools › Optional check (optional-check)::gate: sh exited with 2`,
    ]);
    const [diskFull] = annotations(r.stdout);
    expect(diskFull!.props.title).toBe('Checks: disk, tools › Disk: 95% full,\nsecond line (disk-full)');
    expect(diskFull!.message).toBe('gate: sh exited with 1: usage 95% | limit: 90%');
  });

  it('appends a link-free Markdown summary with the verdict, counts, failing items and pending sign-offs to $GITHUB_STEP_SUMMARY', async () => {
    tmp = tempDir({ 'summary.md': '## Earlier step\n\n' });
    const r = await run([]);
    expect(r.code).toBe(1);
    const summary = readFileSync(tmp.path('summary.md'), 'utf8');
    expect(summary.startsWith('## Earlier step\n\n## ❌ sfdeploy gate: FAILED\n')).toBe(true);
    for (const row of ['| passed | 1 |', '| failed | 1 |', '| errored | 1 |', '| warned | 1 |', '| pending | 1 |'])
      expect(summary).toContain(row);
    expect(summary).toContain('### Failing items (2)');
    expect(summary).toContain(
      '| ✖ FAIL | Disk: 95% full, second line `disk-full` | Checks: disk, tools | `sh exited with 1: usage 95% \\| limit: 90%` |',
    );
    expect(summary).toContain(
      '| ✖ ERROR | Tool is installed `tool-missing` | Checks: disk, tools | `command not found: sfdeploy-test-no-such-tool (is it installed and on PATH?)` |',
    );
    expect(summary).toContain('### Warnings: optional items (1)');
    expect(summary).toContain('### Pending sign-offs (1)');
    expect(summary).toContain('| Release manager approves `release-manager` | Approvals | yes |');
    expect(summary).not.toMatch(/\]\(|<a\s|https?:\/\//);
  });

  it('keeps stdout machine-readable under --format json: the annotations go to stderr, which the runner also reads', async () => {
    tmp = tempDir();
    const r = await run(['--format', 'json']);
    expect(r.code).toBe(1);
    expect(JSON.parse(r.stdout).summary.verdict).toBe('failed');
    expect(annotations(r.stderr).map((a) => `${a.level} ${a.props.title}`)).toEqual([
      'error Checks: disk, tools › Disk: 95% full,\nsecond line (disk-full)',
      'error Checks: disk, tools › Tool is installed (tool-missing)',
      'warning Checks: disk, tools › Optional check (optional-check)',
    ]);
  });

  it('summarises a passing run without annotations', async () => {
    tmp = tempDir();
    const r = await run(['--only', 'passes']);
    expect(r.code).toBe(0);
    expect(r.stdout + r.stderr).not.toContain('::');
    const summary = readFileSync(tmp.path('summary.md'), 'utf8');
    expect(summary).toContain('## ✅ sfdeploy gate: PASSED');
    expect(summary).toContain('Nothing failed, warned or awaits sign-off');
  });

  it('writes neither annotations nor a summary outside GitHub Actions', async () => {
    tmp = tempDir();
    const r = await run([], { GITHUB_ACTIONS: '' });
    expect(r.code).toBe(1);
    expect(r.stdout + r.stderr).not.toMatch(/^::/m);
    expect(existsSync(tmp.path('summary.md'))).toBe(false);
  });

  it('reports an unwritable summary file as a warning annotation and keeps the exit code', async () => {
    tmp = tempDir();
    writeFileSync(tmp.path('blocker'), '');
    const r = await run(['--only', 'passes'], { GITHUB_STEP_SUMMARY: tmp.path('blocker/summary.md') });
    expect(r.code).toBe(0);
    expect(annotations(r.stdout)).toEqual([
      expect.objectContaining({
        level: 'warning',
        message: expect.stringMatching(/^could not write the step summary to .*blocker\/summary\.md: /),
      }),
    ]);
  });
});
