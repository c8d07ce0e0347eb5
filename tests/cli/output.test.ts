import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runCli } from '../support/cli.js';
import { GIT_ENV, gitSandbox } from '../support/git-repo.js';

const sandbox = gitSandbox();
afterAll(() => sandbox.remove());

const FAILING = Array.from({ length: 14 }, (_, i) => `unset-${i + 1}`);
const checklist = `id: out
title: Output
environments:
  staging:
    skip: [staging-only-skip]
sections:
  - id: ok
    title: Passing
    items:
      - id: set-1
        title: Set one
        probe: { kind: env, vars: [HOME] }
      - id: staging-only-skip
        title: Not in staging
        probe: { kind: env, vars: [HOME] }
  - id: bad
    title: Failing
    items:
${FAILING.map(
  (id) => `      - id: ${id}
        title: Variable ${id}
        description: Set OUT_${id.replace('-', '_').toUpperCase()} in the deploy environment.
        probe: { kind: env, vars: [OUT_${id.replace('-', '_').toUpperCase()}] }`,
).join('\n')}
`;

describe('output for humans in a hurry', () => {
  const repo = sandbox.repo('output', { 'out.yaml': checklist });
  const env = { ...GIT_ENV, CI: 'true' };
  const cli = (...args: string[]) => runCli(args, { cwd: repo.dir, env });
  const runIds = (): string[] =>
    readdirSync(join(repo.dir, '.sfdeploy/runs'))
      .filter((f) => f.endsWith('.json'))
      .map((f) => f.replace(/\.json$/, ''))
      .sort();

  it('--quiet prints the failures with their hints and the verdict; the full blocking list is one command away', async () => {
    const r = await cli('check', 'out.yaml', '--ci', '--quiet');
    expect(r.code).toBe(1);
    const lines = r.stdout.split('\n');
    expect(lines.filter((l) => /^ {2}✖ /.test(l))).toHaveLength(14);
    expect(r.stdout).not.toContain('Set one');
    expect(r.stdout).not.toContain('Passing');
    expect(r.stdout).toContain('      Set OUT_UNSET_3 in the deploy environment.');
    const [runId] = runIds();
    const blocking = lines.find((l) => l.startsWith('Blocking'))!;
    expect(blocking).toBe(`Blocking ${FAILING.slice(0, 12).join(', ')} and 2 more (all: sfdeploy show ${runId} --blocking)`);

    const all = await cli('show', runId!, '--blocking');
    expect(all.code).toBe(0);
    for (const id of FAILING) expect(all.stdout).toContain(` ${id}`);
    expect(all.stdout).not.toContain('Set one');
    // show repeats the remediation hint check printed
    expect(all.stdout).toContain('      OUT_UNSET_14 is not set\n      Set OUT_UNSET_14 in the deploy environment.');
  });

  it('--format tap: one test point per item, failures with diagnostics; --format markdown lists every failing item', async () => {
    const tap = await cli('check', 'out.yaml', '--ci', '--format', 'tap');
    expect(tap.code).toBe(1);
    const out = tap.stdout.split('\n');
    expect(out.slice(0, 2)).toEqual(['TAP version 13', '1..16']);
    expect(out.filter((l) => /^ok \d+ - /.test(l))).toEqual(['ok 1 - Set one (set-1)', 'ok 2 - Not in staging (staging-only-skip)']);
    expect(out.filter((l) => /^not ok \d+ - /.test(l))).toHaveLength(14);
    expect(out).toContain('  message: "OUT_UNSET_1 is not set"');
    expect(out).toContain('  hint: "Set OUT_UNSET_1 in the deploy environment."');
    expect(out.at(-2)).toBe('# out: failed (exit 1)');
    // the terminal progress went to stderr, so stdout is TAP only
    expect(out.every((l) => l === '' || /^(TAP|1\.\.|ok|not ok| {2}|#)/.test(l))).toBe(true);

    const md = await cli('check', 'out.yaml', '--ci', '--format', 'markdown', '--environment', 'staging');
    expect(md.code).toBe(1);
    expect(md.stdout).toContain('### Failing items (14)');
    for (const id of FAILING) expect(md.stdout).toContain(`\`${id}\``);
  });

  it('runs marks a partial (--only) run, and diff latest~1 skips it; an environment skip is not partial', async () => {
    const full = (await cli('check', 'out.yaml', '--ci', '--format', 'json')).stdout;
    const fullId = (JSON.parse(full) as { runId: string }).runId;
    const partial = await cli('check', 'out.yaml', '--ci', '--only', 'set-1');
    expect(partial.code).toBe(0);
    const staged = JSON.parse((await cli('check', 'out.yaml', '--ci', '--environment', 'staging', '--format', 'json')).stdout) as {
      runId: string;
      items: { id: string; status: string; message: string; filtered?: boolean }[];
    };
    expect(staged.items.find((i) => i.id === 'staging-only-skip')).toMatchObject({
      status: 'skip',
      message: 'skipped in staging (environments.staging.skip)',
    });
    expect(staged.items.some((i) => i.filtered)).toBe(false);

    const listed = JSON.parse((await cli('runs', '--json')).stdout) as { runId: string; partial: boolean }[];
    expect(listed.slice(0, 3).map((r) => r.partial)).toEqual([false, true, false]);
    const table = (await cli('runs')).stdout.split('\n');
    expect(table[2]).toMatch(/ 1\/16 ok \(partial: 1 selected\)$/);
    expect(table[1]).not.toContain('partial');

    const diff = JSON.parse((await cli('diff', 'latest~1', 'latest', '--json')).stdout) as { a: { runId: string }; b: { runId: string } };
    expect(diff.b.runId).toBe(staged.runId);
    expect(diff.a.runId).toBe(fullId);
  });
});
