import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { RunLog } from '../../src/runner/types.js';
import { runCli } from '../support/cli.js';
import { readLedger, signoffScenario } from '../support/signoff.js';
import { TmuxSession } from '../support/tmux.js';

const ANA = 'Ana <ana@example.com>';

describe('sign-off at scale in a terminal', () => {
  let s: ReturnType<typeof signoffScenario>;
  let tty: TmuxSession | undefined;
  beforeEach(() => {
    s = signoffScenario('scale');
  });
  afterEach(async () => {
    await tty?.close();
    tty = undefined;
    s.remove();
  });

  const check = async (args: string[], o: { stdoutTo?: string; stderrTo?: string; release?: string[] } = {}): Promise<TmuxSession> => {
    tty = await TmuxSession.sfdeploy(
      ['check', 'checklist.yaml', ...(o.release ?? ['--release', 'v1.0.0']), '--signer', ANA, '--log-dir', 'runs', ...args],
      s.dir,
      o,
    );
    return tty;
  };
  const runLog = (): RunLog => {
    const [file] = readdirSync(s.path('runs'));
    return JSON.parse(readFileSync(s.path(`runs/${file}`), 'utf8')) as RunLog;
  };
  const statuses = () => Object.fromEntries(runLog().items.map((r) => [r.id, r.status]));
  const ledger = () => (existsSync(s.path('.sfdeploy/signoffs.jsonl')) ? readLedger(s.path('.sfdeploy/signoffs.jsonl')) : []);

  it('answers with one key, explains the keys on ?, and leaves the rest pending on q while the automated items still run', async () => {
    const t = await check([]);
    await t.waitFor('Sign off as Ana <ana@example.com>? [y]es [n]o [s]kip [q]uit');
    await t.type('?');
    await t.waitFor('leave this and every remaining item pending');
    await t.type('y');
    await t.waitFor('Note (optional):');
    await t.press('Enter');
    await t.waitFor('Update the runbook.');
    await t.type('q');
    expect(await t.exitCode()).toBe(3);
    const screen = await t.screen();
    expect(screen).not.toContain('Engineering approves.');
    expect(statuses()).toEqual({
      'file-present': 'pass',
      changelog: 'signed',
      runbook: 'pending',
      'approval-eng': 'pending',
      'approval-ops': 'pending',
      'after-approval': 'skip',
    });
    expect(runLog().status).toBe('pending');
    expect(ledger().map((r) => r.item)).toEqual(['changelog']);
  });

  it('leaves the rest pending on Esc too', async () => {
    const t = await check([]);
    await t.waitFor('Sign off as');
    await t.press('Escape');
    expect(await t.exitCode()).toBe(3);
    expect(Object.values(statuses()).filter((v) => v === 'pending')).toHaveLength(4);
    expect(ledger()).toEqual([]);
  });

  it('writes the prompt to the terminal, never into stdout when it is a pipe', async () => {
    const t = await check(['--only', 'changelog'], { stdoutTo: 'out.txt' });
    await t.waitFor('Sign off as Ana');
    await t.type('y');
    await t.waitFor('Note (optional):');
    await t.press('Enter');
    expect(await t.exitCode()).toBe(0);
    await expect.poll(() => readFileSync(s.path('out.txt'), 'utf8')).toContain('changelog');
    const out = readFileSync(s.path('out.txt'), 'utf8');
    expect(out).not.toContain('Sign off as');
    expect(out).not.toContain('Note (optional)');
    expect(out).not.toContain('Write the changelog.');
    expect(ledger()).toMatchObject([{ item: 'changelog', decision: 'confirmed' }]);
  });

  it('asks on /dev/tty when stderr is redirected too, and writes no prompt into either file', async () => {
    const t = await check(['--only', 'changelog'], { stdoutTo: 'out.txt', stderrTo: 'err.txt' });
    await t.waitFor('Sign off as Ana');
    await t.type('y');
    await t.waitFor('Note (optional):');
    await t.press('Enter');
    await t.waitFor('sfdeploy-exit-status=');
    await expect.poll(() => readFileSync(s.path('out.txt'), 'utf8')).toContain('changelog');
    for (const file of ['out.txt', 'err.txt']) expect(readFileSync(s.path(file), 'utf8')).not.toContain('Sign off as');
    expect(ledger()).toMatchObject([{ item: 'changelog', decision: 'confirmed' }]);
  });

  it('asks only about the items --ask selects, while every probe runs', async () => {
    const t = await check(['--ask', 'section:approvals']);
    const first = await t.waitFor('Sign off as');
    expect(first).toContain('Engineering approves.');
    expect(first).not.toContain('Write the changelog.');
    await t.type('s');
    await t.waitFor('Operations approves.');
    await t.type('y');
    await t.waitFor('Note (optional):');
    await t.press('Enter');
    expect(await t.exitCode()).toBe(3);
    expect(statuses()).toEqual({
      'file-present': 'pass',
      changelog: 'pending',
      runbook: 'pending',
      'approval-eng': 'pending',
      'approval-ops': 'signed',
      'after-approval': 'pass',
    });
  });

  it('asks nothing with --no-ask, in a terminal', async () => {
    const t = await check(['--no-ask']);
    expect(await t.exitCode()).toBe(3);
    expect(await t.screen()).not.toContain('Sign off as');
    expect(statuses()['file-present']).toBe('pass');
  });

  it('says the run is already failing, naming what failed, before the first question', async () => {
    const t = await check(['--var', 'CHECK_FILE=missing.txt']);
    const screen = await t.waitFor('Sign off as');
    const failing = screen.indexOf('The run is already failing');
    expect(failing).toBeGreaterThan(-1);
    expect(screen.indexOf('✖ file-present')).toBeGreaterThan(failing);
    expect(failing).toBeLessThan(screen.indexOf('Sign off as'));
    await t.type('q');
    expect(await t.exitCode()).toBe(1);
  });

  it('signs nothing when the release is unknown, and says so; --release none signs for no release on purpose', async () => {
    const t = await check([], { release: [] });
    expect(await t.exitCode()).toBe(3);
    const screen = await t.screen();
    expect(screen).toContain('Nothing is signed in this run: the release is unknown');
    expect(screen).toContain('--release none');
    expect(screen).not.toContain('Sign off as');
    expect(ledger()).toEqual([]);
    await t.close();

    const none = await check(['--only', 'changelog'], { release: ['--release', 'none'] });
    await none.waitFor('Sign off as');
    await none.type('y');
    await none.waitFor('Note (optional):');
    await none.press('Enter');
    expect(await none.exitCode()).toBe(0);
    expect(ledger()).toMatchObject([{ item: 'changelog', release: null }]);
    const later = await runCli(['check', 'checklist.yaml', '--ci', '--release', 'v1.0.0', '--only', 'changelog', '--log-dir', 'runs2'], {
      cwd: s.dir,
    });
    expect(later.code).toBe(3);
    expect(later.stdout).toContain('signed by Ana for no release; this run is v1.0.0');
  });

  it('keeps a decline recorded earlier when the item is left pending at the prompt: the same verdict as --ci', async () => {
    const declined = await runCli(
      ['signoff', 'checklist.yaml', 'changelog', '--decline', '--reason', 'missing the migration', '--by', 'Bob', '--release', 'v1.0.0'],
      { cwd: s.dir },
    );
    expect(declined.code).toBe(0);
    const ci = await runCli(['check', 'checklist.yaml', '--ci', '--release', 'v1.0.0', '--only', 'changelog', '--log-dir', 'ci'], {
      cwd: s.dir,
    });
    const t = await check(['--only', 'changelog']);
    const screen = await t.waitFor('Sign off as');
    expect(screen).toContain('Declined earlier by Bob: missing the migration');
    await t.type('s');
    expect(await t.exitCode()).toBe(ci.code);
    expect(ci.code).toBe(1);
    expect(runLog().items.find((r) => r.id === 'changelog')).toMatchObject({
      status: 'fail',
      message: 'declined by Bob: missing the migration',
    });
  });
});

describe('batch sign-off outside a run', () => {
  let s: ReturnType<typeof signoffScenario>;
  beforeEach(() => {
    s = signoffScenario('scale');
  });
  afterEach(() => s.remove());
  const sign = (...args: string[]) => runCli(['signoff', 'checklist.yaml', '--by', ANA, '--release', 'v1.0.0', ...args], { cwd: s.dir });
  const ledger = () => readLedger(s.path('.sfdeploy/signoffs.jsonl'));

  it('signs every item of a section in one go, listing them, each with the note and evidence given', async () => {
    const r = await sign('--section', 'docs', '--note', 'reviewed', '--evidence', 'https://wiki/x');
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('Signing 2 items as Ana <ana@example.com> for v1.0.0:');
    expect(r.stdout).toContain('changelog  Changelog written — Write the changelog.');
    expect(ledger()).toMatchObject([
      { item: 'changelog', note: 'reviewed', evidence: 'https://wiki/x', seq: 1 },
      { item: 'runbook', note: 'reviewed', evidence: 'https://wiki/x', seq: 2 },
    ]);
  });

  it('signs by tag, and --all-pending signs what is still pending', async () => {
    expect((await sign('--tag', 'manual')).code).toBe(0);
    expect(ledger().map((r) => r.item)).toEqual(['changelog']);
    const all = await sign('--all-pending');
    expect(all.code).toBe(0);
    expect(ledger().map((r) => r.item)).toEqual(['changelog', 'runbook', 'approval-eng', 'approval-ops']);
    const again = await sign('--all-pending');
    expect(again.code).toBe(2);
    expect(again.stderr).toContain('nothing to sign');
  });

  it('refuses to sign when the release is unknown, and writes nothing', async () => {
    const r = await runCli(['signoff', 'checklist.yaml', 'changelog', '--by', ANA], { cwd: s.dir });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('error: nothing was signed: the release is unknown');
    expect(existsSync(s.path('.sfdeploy/signoffs.jsonl'))).toBe(false);
  });

  it('withdraws a decline: the item is pending again, naming who withdrew it and why', async () => {
    expect((await sign('changelog', '--decline', '--reason', 'not yet')).code).toBe(0);
    const w = await runCli(
      ['signoff', 'checklist.yaml', 'changelog', '--withdraw', '--reason', 'written now', '--by', 'Bob', '--release', 'v1.0.0'],
      { cwd: s.dir },
    );
    expect(w.code).toBe(0);
    const [declined, withdrawn] = ledger();
    expect(withdrawn).toMatchObject({ decision: 'withdrawn', withdraws: declined!.hash, reason: 'written now' });
    const status = await runCli(['status', 'checklist.yaml', '--release', 'v1.0.0'], { cwd: s.dir });
    expect(status.stdout).toContain("pending: Bob withdrew Ana's decline: written now");
    const ci = await runCli(['check', 'checklist.yaml', '--ci', '--release', 'v1.0.0', '--only', 'changelog', '--log-dir', 'runs'], {
      cwd: s.dir,
    });
    expect(ci.code).toBe(3);
    expect((await runCli(['verify'], { cwd: s.dir })).code).toBe(0);
  });
});
