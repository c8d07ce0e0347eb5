import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { RunLog } from '../../src/runner/types.js';
import { runCli } from '../support/cli.js';
import { readLedger, signoffScenario } from '../support/signoff.js';
import { TmuxSession } from '../support/tmux.js';

const ANA = 'Ana <ana@example.com>';

describe('interactive sign-off in a terminal', () => {
  let s: ReturnType<typeof signoffScenario>;
  let tty: TmuxSession | undefined;
  beforeEach(() => {
    s = signoffScenario('prompt-flow');
  });
  afterEach(async () => {
    await tty?.close();
    tty = undefined;
    s.remove();
  });

  const check = async (...args: string[]): Promise<TmuxSession> => {
    tty = await TmuxSession.sfdeploy(
      ['check', 'checklist.yaml', '--release', 'v1.0.0', '--signer', ANA, '--log-dir', 'runs', ...args],
      s.dir,
    );
    return tty;
  };
  const runLog = (): RunLog => {
    const [file] = readdirSync(s.path('runs'));
    return JSON.parse(readFileSync(s.path(`runs/${file}`), 'utf8')) as RunLog;
  };
  const ledger = () => readLedger(s.path('.sfdeploy/signoffs.jsonl'));

  it('shows the instructions, commands and links, and records a confirmation with its note in the ledger and the run log', async () => {
    const t = await check('--only', 'release-notes');
    const screen = await t.waitFor('Sign off as Ana <ana@example.com>?');
    expect(screen).toContain('Confirm the release notes are written.');
    expect(screen).toContain('$ git log --oneline v1.0.0..HEAD');
    expect(screen).toContain('https://wiki.example.com/release-notes');
    await t.type('y');
    await t.waitFor('Note (optional):');
    await t.type('reviewed with the PM');
    await t.press('Enter');
    expect(await t.exitCode()).toBe(0);
    const [record] = ledger();
    expect(record).toMatchObject({
      item: 'release-notes',
      decision: 'confirmed',
      signer: ANA,
      note: 'reviewed with the PM',
      release: 'v1.0.0',
      seq: 1,
    });
    const item = runLog().items.find((r) => r.id === 'release-notes')!;
    expect(item.status).toBe('signed');
    expect(item.signoff).toMatchObject({ source: 'prompt', record: record!.hash, note: 'reviewed with the PM' });
    expect(runLog().context.ledgerHead).toBe(record!.hash);
  });

  it('insists on a reason to decline, then fails the item with it', async () => {
    const t = await check('--only', 'release-notes');
    await t.waitFor('Sign off as');
    await t.type('n');
    await t.waitFor('Reason for declining:');
    await t.press('Enter');
    await t.waitFor('a reason is required');
    await t.type('the migration is not described');
    await t.press('Enter');
    expect(await t.exitCode()).toBe(1);
    expect(await t.screen()).toContain('declined by Ana <ana@example.com>: the migration is not described');
    expect(ledger()).toMatchObject([{ decision: 'declined', reason: 'the migration is not described' }]);
    expect(runLog().items.find((r) => r.id === 'release-notes')).toMatchObject({ status: 'fail', signoff: { decision: 'declined' } });
  });

  it('leaves an item pending without writing to the ledger', async () => {
    const t = await check('--only', 'release-notes');
    await t.waitFor('Sign off as');
    await t.type('s');
    expect(await t.exitCode()).toBe(3);
    expect(await t.screen()).toContain('left pending at the prompt by Ana <ana@example.com>');
    expect(existsSync(s.path('.sfdeploy/signoffs.jsonl'))).toBe(false);
    expect(runLog().items.find((r) => r.id === 'release-notes')?.status).toBe('pending');
  });

  it('asks which role to sign as when the item allows several', async () => {
    const t = await check('--only', 'go-decision');
    const screen = await t.waitFor('Sign off as');
    expect(screen).toContain('Signed by: Engineering Lead (eng-lead) or CTO (cto)');
    await t.type('y');
    await t.waitFor('Sign as which role?');
    await t.press('Down', 'Enter');
    await t.waitFor('Note (optional):');
    await t.press('Enter');
    expect(await t.exitCode()).toBe(0);
    expect(ledger()).toMatchObject([{ item: 'go-decision', role: 'cto', note: null }]);
  });

  it('requires evidence before confirming an item with evidence: required', async () => {
    const t = await check('--only', 'backup-verified');
    await t.waitFor('Sign off as');
    await t.type('y');
    await t.waitFor('Evidence (note or URL, required):');
    await t.press('Enter');
    await t.waitFor('evidence is required for this item');
    await t.type('https://ci.example.com/restore/42');
    await t.press('Enter');
    expect(await t.exitCode()).toBe(0);
    expect(ledger()).toMatchObject([{ item: 'backup-verified', evidence: 'https://ci.example.com/restore/42', note: null }]);
  });

  it('keeps what was answered when Ctrl-C interrupts a prompt: the run log says interrupted, exit 130', async () => {
    const t = await check();
    await t.waitFor('Sign off as');
    await t.type('y');
    await t.waitFor('Note (optional):');
    await t.press('Enter');
    await t.waitFor('Sign off as', { nth: 2 });
    await t.press('C-c');
    expect(await t.exitCode()).toBe(130);
    const log = runLog();
    expect(log.status).toBe('interrupted');
    expect(log.items.find((r) => r.id === 'release-notes')?.status).toBe('signed');
    expect(log.items.find((r) => r.id === 'checklist-present')?.status).toBe('pass');
    expect(log.items.map((r) => r.id)).not.toContain('backup-verified');
    expect(ledger().map((r) => r.item)).toEqual(['release-notes']);
  });

  it('does not ask again for an item the ledger already holds a valid sign-off for', async () => {
    const signed = await runCli(['signoff', 'checklist.yaml', 'release-notes', '--by', 'Bo <bo@example.com>', '--release', 'v1.0.0'], {
      cwd: s.dir,
    });
    expect(signed.code).toBe(0);
    const t = await check('--only', 'release-notes');
    expect(await t.exitCode()).toBe(0);
    const screen = await t.screen();
    expect(screen).not.toContain('Sign off as');
    expect(screen).toContain('signed by Bo <bo@example.com>');
    expect(runLog().items.find((r) => r.id === 'release-notes')?.signoff).toMatchObject({ source: 'ledger', record: ledger()[0]!.hash });
  });
});
