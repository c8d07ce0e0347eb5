import { readFileSync, writeFileSync } from 'node:fs';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { loadChecklistFile } from '../../src/checklist/load.js';
import { sealRecord, type LedgerRecord, type RecordDraft } from '../../src/signoff/chain.js';
import { FileLedger } from '../../src/signoff/ledger.js';
import { runCli } from '../support/cli.js';
import { forgeDeclines, readLedger, signoffScenario } from '../support/signoff.js';

let s: ReturnType<typeof signoffScenario>;
let ledgerPath: string;
let records: LedgerRecord[];

/** Four sign-offs of release-notes, for releases v1 to v4. */
beforeEach(async () => {
  s = signoffScenario('release-notes');
  ledgerPath = s.path('.sfdeploy/signoffs.jsonl');
  const item = (await loadChecklistFile(s.checklist, { env: {} })).items.find((it) => it.id === 'release-notes')!;
  const draft = (release: string): RecordDraft => ({
    checklist: 'release',
    item: item.id,
    definitionHash: item.definitionHash,
    release,
    environment: 'production',
    decision: 'confirmed',
    signer: 'Ana <ana@example.com>',
    role: null,
    note: null,
    reason: null,
    evidence: null,
    at: new Date().toISOString(),
    host: 'laptop',
  });
  records = await new FileLedger(ledgerPath).append(() => ['v1', 'v2', 'v3', 'v4'].map(draft));
});
afterEach(() => s.remove());

const verify = () => runCli(['verify'], { cwd: s.dir });
const lines = (): string[] => readFileSync(ledgerPath, 'utf8').split('\n').filter(Boolean);
const rewrite = (next: string[]): void => writeFileSync(ledgerPath, `${next.join('\n')}\n`);

describe('sfdeploy verify', () => {
  it('exits 0 on a ledger written by sfdeploy signoff', async () => {
    const other = s.path('other.jsonl');
    expect(
      (
        await runCli(
          ['signoff', 'checklist.yaml', 'release-notes', '--by', 'Ana <ana@example.com>', '--release', 'v1', '--ledger', other],
          { cwd: s.dir },
        )
      ).code,
    ).toBe(0);
    expect(
      (
        await runCli(
          ['signoff', 'checklist.yaml', 'release-notes', '--by', 'Bob <bob@example.com>', '--release', 'v1', '--ledger', other],
          { cwd: s.dir },
        )
      ).code,
    ).toBe(0);
    const r = await runCli(['verify', '--ledger', 'other.jsonl'], { cwd: s.dir });
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('other.jsonl: 2 records, chain intact');
  });

  const tamperings: [string, () => void, string][] = [
    [
      'an edited record',
      () => rewrite(lines().map((l, i) => (i === 1 ? l.replace('"note":null', '"note":"approved by the CTO"') : l))),
      'record 2 (line 2) was edited: its content no longer matches its hash',
    ],
    [
      'an inserted record, correctly hashed and linked to the one before it',
      () => {
        const forged = sealRecord({ ...records[1]!, release: 'v9' }, records[1]);
        rewrite([...lines().slice(0, 2), JSON.stringify(forged), ...lines().slice(2)]);
      },
      'record 3 (line 3) was inserted: the record after it links to the one before it',
    ],
    [
      'a copied record inserted',
      () => rewrite([...lines().slice(0, 3), lines()[0]!, ...lines().slice(3)]),
      'record 1 (line 4) was inserted',
    ],
    ['a deleted record', () => rewrite(lines().filter((_, i) => i !== 1)), 'record 2 was deleted: record 3 (line 2) follows record 1'],
    [
      'two records swapped',
      () => rewrite([lines()[0]!, lines()[2]!, lines()[1]!, lines()[3]!]),
      'record 3 (line 2) is out of order: record 2 should come before it',
    ],
    [
      'a line that is no longer JSON',
      () => rewrite(lines().map((l, i) => (i === 2 ? l.slice(0, 40) : l))),
      'line 3 was edited: it is not a ledger record (the line is not valid JSON)',
    ],
  ];

  it('exits 0 on the untouched ledger', async () => {
    const r = await verify();
    expect(r.code).toBe(0);
    expect(r.stdout).toBe(`✔ .sfdeploy/signoffs.jsonl: 4 records, chain intact (head ${records[3]!.hash.slice(0, 12)})\n`);
  });

  it.each(tamperings)('exits 1 naming %s', async (_name, tamper, message) => {
    tamper();
    const r = await verify();
    expect(r.code).toBe(1);
    expect(r.stdout.split('\n')[0]).toContain(`✖ .sfdeploy/signoffs.jsonl: ${message}`);
  });

  it('makes check ignore sign-offs from the break on, with a warning, and refuses to append', async () => {
    rewrite(lines().map((l, i) => (i === 2 ? l.replace('"host":"laptop"', '"host":"elsewhere"') : l)));
    const late = await runCli(['check', 'checklist.yaml', '--ci', '--release', 'v4', '--environment', 'production', '--log-dir', 'runs'], {
      cwd: s.dir,
    });
    expect(late.code).toBe(3);
    expect(late.stderr).toContain('warning: .sfdeploy/signoffs.jsonl: record 3 (line 3) was edited');
    const early = await runCli(['check', 'checklist.yaml', '--ci', '--release', 'v2', '--environment', 'production', '--log-dir', 'runs'], {
      cwd: s.dir,
    });
    expect(early.code).toBe(0);
    const append = await runCli(['signoff', 'checklist.yaml', 'release-notes', '--by', 'Ana <ana@example.com>', '--release', 'v5'], {
      cwd: s.dir,
    });
    expect(append.code).toBe(2);
    expect(append.stderr).toContain('refusing to append to');
    expect(lines()).toHaveLength(4);
  });

  it('exits 1 when a run log recorded a ledger head that is gone (the last record deleted)', async () => {
    expect(
      (
        await runCli(['check', 'checklist.yaml', '--ci', '--release', 'v4', '--environment', 'production', '--log-dir', 'runs'], {
          cwd: s.dir,
        })
      ).code,
    ).toBe(0);
    rewrite(lines().slice(0, 3));
    const r = await runCli(['verify', '--log-dir', 'runs'], { cwd: s.dir });
    expect(r.code).toBe(1);
    expect(r.stdout).toContain('3 records, chain intact');
    expect(r.stdout).toMatch(
      new RegExp(`✖ run \\S+ recorded ledger head ${records[3]!.hash.slice(0, 12)}, which .sfdeploy/signoffs.jsonl no longer contains`),
    );
    expect(r.stdout).toMatch(
      new RegExp(`✖ run \\S+ relied on record ${records[3]!.hash.slice(0, 12)}|1 run log saw records this ledger no longer holds`),
    );
  });

  it('exits 2 when there is no ledger', async () => {
    const r = await runCli(['verify', '--ledger', 'missing.jsonl'], { cwd: s.dir });
    expect(r.code).toBe(2);
    expect(r.stderr).toBe('no ledger at missing.jsonl: nothing was signed there (give --ledger PATH)\n');
  });
});

describe('concurrent sign-offs', () => {
  it('keeps all 20 records of 20 signoff processes started at once, in one valid chain', async () => {
    const ledger = s.path('concurrent.jsonl');
    const results = await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        runCli(
          ['signoff', 'checklist.yaml', 'release-notes', '--by', `Signer ${i} <s${i}@example.com>`, '--release', 'v1', '--ledger', ledger],
          { cwd: s.dir, timeoutMs: 60_000 },
        ),
      ),
    );
    expect(results.map((r) => r.code)).toEqual(Array(20).fill(0));
    const written = readLedger(ledger);
    expect(written.map((r) => r.seq)).toEqual(Array.from({ length: 20 }, (_, i) => i + 1));
    expect(new Set(written.map((r) => r.signer)).size).toBe(20);
    const r = await runCli(['verify', '--ledger', ledger], { cwd: s.dir });
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('20 records, chain intact');
  }, 90_000);
});

describe('an attacker who rewrites the file ledger from its documented format', () => {
  let w: ReturnType<typeof signoffScenario>;
  beforeEach(() => {
    w = signoffScenario('release-notes');
  });
  afterEach(() => w.remove());
  const cli = (args: string[]) => runCli(args, { cwd: w.dir });
  const ledgerFile = () => w.path('.sfdeploy/signoffs.jsonl');
  const check = (release: string) => cli(['check', 'checklist.yaml', '--ci', '--release', release]);

  it('turns a decline into a confirmation and recomputes every later hash: verify exits 1, naming the run that saw the decline', async () => {
    expect((await cli(['signoff', 'checklist.yaml', 'release-notes', '--by', 'Ana <ana@example.com>', '--release', 'v0'])).code).toBe(0);
    const declined = await cli([
      'signoff',
      'checklist.yaml',
      'release-notes',
      '--by',
      'Bob <bob@example.com>',
      '--release',
      'v1',
      '--decline',
      '--reason',
      'notes missing',
    ]);
    expect(declined.code).toBe(0);
    expect((await check('v1')).code).toBe(1);
    expect((await cli(['signoff', 'checklist.yaml', 'release-notes', '--by', 'Ana <ana@example.com>', '--release', 'v2'])).code).toBe(0);

    const original = forgeDeclines(ledgerFile());
    expect(original.map((r) => r.decision)).toEqual(['confirmed', 'declined', 'confirmed']);

    // the forgery is a well-formed chain: without run logs, nothing can tell
    const alone = await cli(['verify', '--log-dir', 'no-runs-here']);
    expect(alone.stdout).toContain('3 records, chain intact');
    expect(alone.code).toBe(0);
    const r = await cli(['verify']);
    expect(r.code).toBe(1);
    expect(r.stdout).toContain(
      `recorded ledger head ${String(original[1]!.hash).slice(0, 12)}, which .sfdeploy/signoffs.jsonl no longer contains`,
    );
    expect(r.stdout).toContain(
      `relied on record ${String(original[1]!.hash).slice(0, 12)} (release-notes, declined by Bob <bob@example.com>), which .sfdeploy/signoffs.jsonl no longer contains`,
    );
  });

  it('deletes the last record: verify exits 1 once a run log recorded it', async () => {
    expect((await cli(['signoff', 'checklist.yaml', 'release-notes', '--by', 'Ana <ana@example.com>', '--release', 'v1'])).code).toBe(0);
    expect((await cli(['signoff', 'checklist.yaml', 'release-notes', '--by', 'Ana <ana@example.com>', '--release', 'v2'])).code).toBe(0);
    expect((await check('v2')).code).toBe(0);
    const kept = readFileSync(ledgerFile(), 'utf8').split('\n').filter(Boolean).slice(0, 1);
    writeFileSync(ledgerFile(), `${kept.join('\n')}\n`);
    const r = await cli(['verify']);
    expect(r.stdout).toContain('1 record, chain intact');
    expect(r.stdout).toContain('1 run log saw records this ledger no longer holds');
    expect(r.code).toBe(1);
  });
});
