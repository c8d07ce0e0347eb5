import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { parseChecklist } from '../../src/checklist/load.js';
import type { LoadedChecklist } from '../../src/checklist/model.js';
import { ChecklistError } from '../../src/errors.js';
import { runChecklist } from '../../src/runner/run.js';
import type { RunLog } from '../../src/runner/types.js';
import { Assessor, findSignoff, type Target } from '../../src/signoff/carry-over.js';
import type { RecordDraft } from '../../src/signoff/chain.js';
import { parseSigner } from '../../src/signoff/identity.js';
import { FileLedger } from '../../src/signoff/ledger.js';
import type { Decision, Questions } from '../../src/signoff/prompt.js';
import { createSignoffProvider, type Interactive } from '../../src/signoff/provider.js';
import { tempDir } from '../support/tmp.js';

const YAML = `
id: pre
title: Pre
sections:
  - id: prep
    title: Prep
    items:
      - id: file-present
        title: A file
        probe: { kind: file, path: pre.yaml }
  - id: docs
    title: Docs
    items:
      - id: changelog
        title: Changelog
        tags: [manual]
        manual: { instructions: Write it. }
      - id: runbook
        title: Runbook
        manual: { instructions: Update it. }
  - id: approvals
    title: Approvals
    distinct_signers: true
    items:
      - id: approval-eng
        title: Eng
        manual: { instructions: Approve. }
      - id: approval-ops
        title: Ops
        manual: { instructions: Approve. }
      - id: housekeeping
        title: Tidy the board
        optional: true
        manual: { instructions: Move the cards. }
`;

const ANA = 'Ana <ana@example.com>';
const target: Target = { checklist: 'pre', release: 'v1', environment: null };
const NOW = new Date('2026-03-01T12:00:00Z');

function scripted(answers: string[]): Questions & { shown: string[]; asked: string[] } {
  const shown: string[] = [];
  const asked: string[] = [];
  const next = async (question: string): Promise<string> => {
    asked.push(question);
    const a = answers.shift();
    if (a === undefined) throw new Error(`unexpected question: ${question}`);
    return a;
  };
  return {
    shown,
    asked,
    show: (lines) => void shown.push(...lines),
    decide: async () => (await next('decide')) as Decision,
    chooseRole: () => next('role'),
    reason: () => next('reason'),
    note: () => next('note'),
  };
}

let dir: ReturnType<typeof tempDir>;
let checklist: LoadedChecklist;
beforeEach(() => {
  dir = tempDir({ 'pre.yaml': YAML });
  checklist = parseChecklist(YAML, 'pre.yaml', { env: {} });
});
afterEach(() => dir.remove());

const draft = (item: string, over: Partial<RecordDraft> = {}): RecordDraft => ({
  checklist: 'pre',
  item,
  definitionHash: checklist.items.find((i) => i.id === item)!.definitionHash,
  release: 'v1',
  environment: null,
  decision: 'confirmed',
  signer: ANA,
  role: null,
  note: null,
  reason: null,
  evidence: null,
  at: '2026-03-01T10:00:00.000Z',
  host: 'laptop',
  ...over,
});

async function run(ledger: FileLedger, interactive: Omit<Interactive, 'signer' | 'color'> | undefined): Promise<RunLog> {
  const signoff = createSignoffProvider({
    checklist,
    target,
    ledger,
    snapshot: await ledger.read(),
    host: 'laptop',
    interactive: interactive && { signer: parseSigner(ANA), color: false, ...interactive },
  });
  return runChecklist({
    runId: 'r1',
    checklist,
    context: { release: 'v1', environment: null, gitSha: null, gitDirty: null, host: 'h', user: 'u', sfdeployVersion: 't' },
    concurrency: 1,
    signoff,
    signal: new AbortController().signal,
    env: {},
    cwd: dir.dir,
    redact: (s) => s,
    listeners: [],
  });
}
const statuses = (log: RunLog): Record<string, string> => Object.fromEntries(log.items.map((r) => [r.id, r.status]));

describe('one verdict for interactive and --ci runs', () => {
  it('keeps an earlier decline when the signer leaves the item pending at the prompt, as --ci does', async () => {
    const ledger = new FileLedger(dir.path('signoffs.jsonl'));
    await ledger.append(() => [draft('changelog', { decision: 'declined', signer: 'Bob <bob@example.com>', reason: 'not written' })]);
    const ci = await run(ledger, undefined);
    const q = scripted(['pending', 'pending', 'pending', 'pending', 'pending']);
    const interactive = await run(ledger, { questions: q });
    expect(ci.items.find((r) => r.id === 'changelog')).toMatchObject({
      status: 'fail',
      message: 'declined by Bob <bob@example.com>: not written',
    });
    expect(interactive.items.find((r) => r.id === 'changelog')).toMatchObject({
      status: 'fail',
      message: 'declined by Bob <bob@example.com>: not written',
    });
    expect(interactive.summary.exitCode).toBe(ci.summary.exitCode);
    expect(interactive.summary.exitCode).toBe(1);
    expect(q.shown).toContain('  The decline stands until someone confirms the item or withdraws the decline.');
  });

  it('lets a later confirmation or an explicit withdrawal end a decline, and a later decline end a confirmation', async () => {
    const item = checklist.items.find((i) => i.id === 'changelog')!;
    const ledger = new FileLedger(dir.path('signoffs.jsonl'));
    const [declined] = await ledger.append(() => [draft('changelog', { decision: 'declined', reason: 'no' })]);
    const verdict = async () => findSignoff((await ledger.read()).records, item, checklist, target, NOW);
    expect(await verdict()).toMatchObject({ status: 'declined' });
    await ledger.append(() => [
      draft('changelog', { decision: 'withdrawn', signer: 'Bob <bob@example.com>', withdraws: declined!.hash, reason: 'fixed' }),
    ]);
    expect(await verdict()).toMatchObject({ status: 'pending', reason: "Bob withdrew Ana's decline: fixed" });
    await ledger.append(() => [draft('changelog', { at: '2026-03-01T11:00:00.000Z' })]);
    expect(await verdict()).toMatchObject({ status: 'signed' });
    await ledger.append(() => [draft('changelog', { decision: 'declined', reason: 'regressed', at: '2026-03-01T11:30:00.000Z' })]);
    expect(await verdict()).toMatchObject({ status: 'declined', record: { reason: 'regressed' } });
  });
});

describe('asking in a terminal', () => {
  it('asks nothing more after "leave the rest pending", and still runs and records every item', async () => {
    const ledger = new FileLedger(dir.path('signoffs.jsonl'));
    const q = scripted(['confirm', '', 'quit']);
    const log = await run(ledger, { questions: q });
    expect(q.asked).toEqual(['decide', 'note', 'decide']);
    expect(statuses(log)).toEqual({
      'file-present': 'pass',
      changelog: 'signed',
      runbook: 'pending',
      'approval-eng': 'pending',
      'approval-ops': 'pending',
      housekeeping: 'pending',
    });
    expect(log.items.find((r) => r.id === 'approval-ops')!.message).toBe(
      'no sign-off yet; the rest was left pending at the prompt by Ana <ana@example.com>',
    );
    expect(log.summary.exitCode).toBe(3);
    expect((await ledger.read()).records.map((r) => r.item)).toEqual(['changelog']);
  });

  it('asks only about the items --ask selects', async () => {
    const ledger = new FileLedger(dir.path('signoffs.jsonl'));
    const q = scripted(['confirm', '', 'confirm', '']);
    const log = await run(ledger, { questions: q, asks: (item) => item.section.id === 'docs' });
    expect(q.asked).toEqual(['decide', 'note', 'decide', 'note']);
    expect(statuses(log)).toMatchObject({ changelog: 'signed', runbook: 'signed', 'approval-eng': 'pending', housekeeping: 'pending' });
  });

  it('shows what the automated items found before the first question, once', async () => {
    const ledger = new FileLedger(dir.path('signoffs.jsonl'));
    const q = scripted(['pending', 'quit']);
    await run(ledger, { questions: q, preamble: () => ['The run is already failing'] });
    expect(q.shown.filter((l) => l === 'The run is already failing')).toHaveLength(1);
    expect(q.shown.indexOf('The run is already failing')).toBeLessThan(q.shown.findIndex((l) => l.includes('Sign-off')));
  });

  it('asks nothing when nothing may be signed, saying why once', async () => {
    const ledger = new FileLedger(dir.path('signoffs.jsonl'));
    const q = scripted([]);
    const log = await run(ledger, { questions: q, refuse: 'the release is unknown' });
    expect(q.asked).toEqual([]);
    expect(q.shown.filter((l) => l === 'the release is unknown')).toHaveLength(1);
    expect(log.items.find((r) => r.id === 'changelog')!.message).toBe('no sign-off yet; the release is unknown');
  });
});

describe('the two-person rule names what it binds', () => {
  const ana = parseSigner(ANA);
  it('does not bind an optional item of a distinct_signers section, and names the rule that refused', async () => {
    const ledger = new FileLedger(dir.path('signoffs.jsonl'));
    await ledger.append(() => [draft('approval-eng')]);
    const assessor = new Assessor(checklist, target, (await ledger.read()).records, () => NOW);
    const item = (id: string) => checklist.items.find((i) => i.id === id)!;
    expect(assessor.conflict(item('housekeeping'), ana)).toBeUndefined();
    expect(assessor.conflict(item('approval-ops'), ana)).toBe(
      'two-person rule of section approvals (distinct_signers): Ana already signed approval-eng, and each item it binds needs its own signer',
    );
  });

  it('binds exactly the items a rule lists', async () => {
    const yaml = YAML.replace('distinct_signers: true', 'distinct_signers: { items: [approval-eng, housekeeping] }');
    const listed = parseChecklist(yaml, 'pre.yaml', { env: {} });
    const item = (id: string) => listed.items.find((i) => i.id === id)!;
    const ledger = new FileLedger(dir.path('signoffs.jsonl'));
    await ledger.append(() => [draft('approval-eng', { definitionHash: item('approval-eng').definitionHash })]);
    const assessor = new Assessor(listed, target, (await ledger.read()).records, () => NOW);
    expect(assessor.conflict(item('approval-ops'), ana)).toBeUndefined();
    expect(assessor.conflict(item('housekeeping'), ana)).toContain(
      'two-person rule of section approvals (distinct_signers.items: approval-eng, housekeeping): Ana already signed approval-eng',
    );
  });

  it('rejects a rule naming an item that is not a manual item of its section, at its line', () => {
    const yaml = YAML.replace('distinct_signers: true', 'distinct_signers: { items: [approval-eng, changelog] }');
    let error: unknown;
    try {
      parseChecklist(yaml, 'pre.yaml', { env: {} });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ChecklistError);
    expect((error as Error).message).toMatch(
      /pre\.yaml:\d+:\d+ .*distinct_signers\.items\[1\]: changelog is not an item of section approvals/,
    );
  });
});
