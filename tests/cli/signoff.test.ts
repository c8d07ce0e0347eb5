import { readFileSync, writeFileSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { loadChecklistFile } from '../../src/checklist/load.js';
import type { RunLog } from '../../src/runner/types.js';
import { FileLedger } from '../../src/signoff/ledger.js';
import { runCli, type CliResult } from '../support/cli.js';
import { readLedger, signoffScenario } from '../support/signoff.js';

const ANA = 'Ana <ana@example.com>';
const BOB = 'Bob <bob@example.com>';
const CAROL = 'Carol <carol@example.com>';

let s: ReturnType<typeof signoffScenario>;
afterEach(() => s?.remove());

const sign = (...args: string[]): Promise<CliResult> => runCli(['signoff', 'checklist.yaml', ...args], { cwd: s.dir });
const ci = (...args: string[]): Promise<CliResult> =>
  runCli(['check', 'checklist.yaml', '--ci', '--log-dir', 'runs', ...args], { cwd: s.dir });
const ciJson = async (...args: string[]): Promise<{ code: number | null; log: RunLog }> => {
  const r = await ci('--format', 'json', ...args);
  return { code: r.code, log: JSON.parse(r.stdout) as RunLog };
};
const ledger = () => readLedger(s.path('.sfdeploy/signoffs.jsonl'));

describe('sfdeploy signoff, reused by check --ci', () => {
  it('passes the gate once the manual item is signed for the same release and environment', async () => {
    s = signoffScenario('release-notes');
    const target = ['--release', 'v1.2.0', '--environment', 'production'];
    expect((await ci(...target)).code).toBe(3);
    const signed = await sign('release-notes', '--by', ANA, '--note', 'reviewed', ...target);
    expect(signed.code).toBe(0);
    expect(signed.stdout).toContain('release-notes signed by Ana <ana@example.com> for v1.2.0 (production)');
    const { code, log } = await ciJson(...target);
    expect(code).toBe(0);
    const [record] = ledger();
    expect(log.items.find((r) => r.id === 'release-notes')).toMatchObject({
      status: 'signed',
      signoff: { decision: 'confirmed', by: ANA, note: 'reviewed', source: 'ledger', record: record!.hash },
    });
    expect(log.context.ledgerHead).toBe(record!.hash);
  });

  it('is pending again, exit 3, after the item instructions change, and says so', async () => {
    s = signoffScenario('release-notes');
    expect((await sign('release-notes', '--by', ANA, '--release', 'v1.2.0')).code).toBe(0);
    const text = readFileSync(s.checklist, 'utf8');
    writeFileSync(s.checklist, text.replace('written and reviewed.', 'written, reviewed and published.'));
    const r = await ci('--release', 'v1.2.0');
    expect(r.code).toBe(3);
    expect(r.stdout).toContain('the item changed since Ana signed it');
  });

  it('is pending, exit 3, for another release, naming both releases', async () => {
    s = signoffScenario('release-notes');
    expect((await sign('release-notes', '--by', ANA, '--release', 'v1.2.0')).code).toBe(0);
    const r = await ci('--release', 'v1.2.1');
    expect(r.code).toBe(3);
    expect(r.stdout).toContain('signed by Ana for v1.2.0; this run is v1.2.1');
  });

  it('is pending, exit 3, for another environment', async () => {
    s = signoffScenario('release-notes');
    expect((await sign('release-notes', '--by', ANA, '--release', 'v1.2.0', '--environment', 'staging')).code).toBe(0);
    const r = await ci('--release', 'v1.2.0', '--environment', 'production');
    expect(r.code).toBe(3);
    expect(r.stdout).toContain('signed by Ana for staging; this run is production');
  });

  it('is pending, exit 3, once the sign-off is older than expires_after, saying how long ago it expired', async () => {
    s = signoffScenario('expiring-signoff');
    const checklist = await loadChecklistFile(s.checklist, { env: {} });
    const item = checklist.items[0]!;
    const threeHoursAgo = new Date(Date.now() - 3 * 3_600_000).toISOString();
    await new FileLedger(s.path('.sfdeploy/signoffs.jsonl')).append(() => [
      {
        checklist: 'expiring',
        item: item.id,
        definitionHash: item.definitionHash,
        release: 'v2',
        environment: null,
        decision: 'confirmed',
        signer: ANA,
        role: null,
        note: null,
        reason: null,
        evidence: null,
        at: threeHoursAgo,
        host: 'laptop',
      },
    ]);
    const r = await ci('--release', 'v2');
    expect(r.code).toBe(3);
    expect(r.stdout).toMatch(/Ana's sign-off expired 1h( \d+m)? ago/);
    expect((await sign('on-call-ready', '--by', ANA, '--release', 'v2')).code).toBe(0);
    expect((await ci('--release', 'v2')).code).toBe(0);
  });

  it('fails the gate, exit 1, when the item was declined, with the reason; a later confirmation supersedes it', async () => {
    s = signoffScenario('release-notes');
    const declined = await sign('release-notes', '--decline', '--reason', 'the migration is not described', '--by', BOB, '--release', 'v3');
    expect(declined.code).toBe(0);
    expect(declined.stdout).toContain('release-notes declined by Bob <bob@example.com> for v3: the migration is not described');
    const r = await ci('--release', 'v3');
    expect(r.code).toBe(1);
    expect(r.stdout).toContain('declined by Bob <bob@example.com>: the migration is not described');
    expect((await sign('release-notes', '--by', BOB, '--release', 'v3')).code).toBe(0);
    expect((await ci('--release', 'v3')).code).toBe(0);
  });
});

describe('roles and approvals', () => {
  it('rejects a second approval by the same person in a distinct_signers section, across commands and within one', async () => {
    s = signoffScenario('approvals-two-person');
    expect((await sign('approval-engineering-lead', '--by', CAROL, '--release', 'v1')).code).toBe(0);
    const again = await sign('approval-devops-lead', '--by', CAROL, '--release', 'v1');
    expect(again.code).toBe(2);
    expect(again.stderr.trim()).toBe(
      'rejected: approval-devops-lead: two-person rule of section approvals (distinct_signers): Carol already signed approval-engineering-lead, and each item it binds needs its own signer',
    );
    const both = await sign('approval-devops-lead', 'approval-cto', '--by', ANA, '--release', 'v1');
    expect(both.code).toBe(2);
    expect(both.stderr).toContain(
      'rejected: approval-cto: two-person rule of section approvals (distinct_signers): Ana already signed approval-devops-lead',
    );
    expect(ledger()).toHaveLength(1);
    expect((await sign('approval-engineering-lead', '--by', CAROL, '--release', 'v2')).code).toBe(0);
  });

  it('rejects a signer missing from the role allow-list, and accepts the one on it', async () => {
    s = signoffScenario('approvals-two-person');
    const bob = await sign('approval-cto', '--by', BOB, '--release', 'v1');
    expect(bob.code).toBe(2);
    expect(bob.stderr.trim()).toBe('rejected: Bob <bob@example.com> may not sign as CTO (cto): only ana@example.com may');
    expect((await sign('approval-cto', '--by', ANA, '--release', 'v1')).code).toBe(0);
    expect(ledger()).toMatchObject([{ item: 'approval-cto', role: 'cto', signer: ANA }]);
  });

  it('passes check --ci once every approval has its own signer', async () => {
    s = signoffScenario('approvals-two-person');
    expect((await sign('approval-engineering-lead', '--by', CAROL, '--release', 'v1')).code).toBe(0);
    expect((await sign('approval-devops-lead', '--by', BOB, '--release', 'v1')).code).toBe(0);
    const pending = await ci('--release', 'v1');
    expect(pending.code).toBe(3);
    expect(pending.stdout).toContain('Awaiting approval-cto');
    expect((await sign('approval-cto', '--by', ANA, '--release', 'v1')).code).toBe(0);
    expect((await ci('--release', 'v1')).code).toBe(0);
  });

  it('reports an item role the checklist does not declare at its line and column', async () => {
    s = signoffScenario('unknown-role');
    const r = await runCli(['validate', 'checklist.yaml'], { cwd: s.dir });
    expect(r.code).toBe(2);
    expect(r.stderr.trim()).toBe(
      'checklist.yaml:14:19 sections[0].items[0].manual.roles[0]: unknown role "ctoo" (did you mean "cto"?); declared roles: cto',
    );
  });
});

describe('sfdeploy status', () => {
  it('lists signed, declined and pending manual items with who, and why pending', async () => {
    s = signoffScenario('approvals-two-person');
    expect((await sign('approval-engineering-lead', '--by', CAROL, '--release', 'v1', '--note', 'LGTM')).code).toBe(0);
    expect((await sign('approval-devops-lead', '--decline', '--reason', 'backups unverified', '--by', BOB, '--release', 'v1')).code).toBe(
      0,
    );
    const r = await runCli(['status', 'checklist.yaml', '--release', 'v1'], { cwd: s.dir });
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(
      /✔ approval-engineering-lead\s+signed by Carol <carol@example.com> as Engineering Lead \(eng-lead\) .* — LGTM/,
    );
    expect(r.stdout).toMatch(
      /✖ approval-devops-lead\s+declined by Bob <bob@example.com> as DevOps Lead \(devops-lead\) .*: backups unverified/,
    );
    expect(r.stdout).toMatch(/⏸ approval-cto\s+pending: no sign-off yet/);
    expect(r.stdout).toContain('3 manual items: 1 signed · 1 declined · 1 pending');
    const other = await runCli(['status', 'checklist.yaml', '--release', 'v2', '--json'], { cwd: s.dir });
    const rows = (JSON.parse(other.stdout) as { items: { id: string; status: string; reason: string }[] }).items;
    expect(rows.find((row) => row.id === 'approval-engineering-lead')).toMatchObject({
      status: 'pending',
      reason: 'signed by Carol for v1; this run is v2',
    });
  });
});

describe('bad input: one line on stderr, exit 2, nothing written', () => {
  const cases: [string, string[], string][] = [
    [
      'an unknown item id',
      ['release-note', '--by', ANA],
      'error: unknown item "release-note" in checklist release (did you mean "release-notes"?); its manual items are release-notes',
    ],
    [
      'an automated item',
      ['readme-present', '--by', ANA],
      'error: readme-present is an automated item (probe file): only manual items take a sign-off',
    ],
    ['an unknown role', ['release-notes', '--role', 'cto', '--by', ANA], 'error: unknown role "cto": checklist release declares no roles'],
    ['--decline without --reason', ['release-notes', '--decline', '--by', ANA], 'error: --decline needs --reason "why it is not done"'],
    [
      '--reason without --decline',
      ['release-notes', '--reason', 'x', '--by', ANA],
      'error: --reason goes with --decline or --withdraw; to comment on a confirmation use --note',
    ],
  ];
  it.each(cases)('%s', async (_name, args, message) => {
    s = signoffScenario('release-notes');
    const r = await sign(...args, '--release', 'v1');
    expect(r.code).toBe(2);
    expect(r.stderr).toBe(`${message}\n`);
    expect(r.stdout).toBe('');
  });

  it('an item needing evidence confirmed without --evidence or --note', async () => {
    s = signoffScenario('evidence-required');
    const r = await sign('backup-verified', '--by', ANA, '--release', 'v1');
    expect(r.code).toBe(2);
    expect(r.stderr).toBe('error: backup-verified requires evidence: add --evidence <url> or --note "what you checked"\n');
    expect((await sign('backup-verified', '--by', ANA, '--release', 'v1', '--evidence', 'https://ci.example.com/restore/7')).code).toBe(0);
  });

  it('an unknown --role given to check', async () => {
    s = signoffScenario('approvals-two-person');
    const r = await ci('--role', 'ceo');
    expect(r.code).toBe(2);
    expect(r.stderr).toBe('error: unknown role "ceo" (did you mean "cto"?): checklist approvals declares eng-lead, devops-lead, cto\n');
  });
});
