import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { parseChecklist } from '../../src/checklist/load.js';
import { InterruptedError } from '../../src/errors.js';
import { runChecklist } from '../../src/runner/run.js';
import type { RunLog } from '../../src/runner/types.js';
import { parseSigner } from '../../src/signoff/identity.js';
import { FileLedger } from '../../src/signoff/ledger.js';
import type { Decision, Questions } from '../../src/signoff/prompt.js';
import { createSignoffProvider } from '../../src/signoff/provider.js';
import { tempDir } from '../support/tmp.js';

const YAML = `
id: pre
title: Pre
roles:
  eng-lead: { title: Engineering Lead }
  cto: { title: CTO, signers: [ana@example.com] }
sections:
  - id: approvals
    title: Approvals
    distinct_signers: true
    items:
      - id: approval-eng
        title: Eng
        manual: { instructions: Approve., roles: [eng-lead] }
      - id: approval-cto
        title: CTO
        manual: { instructions: Approve., roles: [cto] }
      - id: approval-any
        title: Anyone
        manual: { instructions: Approve. }
`;

/** Answers from a script; records what was shown and asked. */
function scripted(answers: (string | Error)[]): Questions & { shown: string[]; asked: string[] } {
  const next = async (question: string): Promise<string> => {
    asked.push(question);
    const a = answers.shift();
    if (a === undefined) throw new Error(`unexpected question: ${question}`);
    if (a instanceof Error) throw a;
    return a;
  };
  const shown: string[] = [];
  const asked: string[] = [];
  return {
    shown,
    asked,
    show: (lines) => void shown.push(...lines),
    decide: async () => (await next('decide')) as Decision,
    chooseRole: () => next('role'),
    reason: () => next('reason'),
    note: (evidence) => next(evidence ? 'evidence' : 'note'),
  };
}

let dir: ReturnType<typeof tempDir>;
beforeEach(() => {
  dir = tempDir();
});
afterEach(() => dir.remove());

async function run(signer: string, questions: Questions, opts: { only?: string[] } = {}): Promise<{ log: RunLog; ledger: FileLedger }> {
  const checklist = parseChecklist(YAML, 'pre.yaml', { env: {} });
  const ledger = new FileLedger(dir.path('signoffs.jsonl'));
  const context = {
    release: 'v1',
    environment: null,
    gitSha: null,
    gitDirty: null,
    host: 'laptop',
    user: 'ana',
    sfdeployVersion: 'test',
    ledgerHead: null as string | null,
  };
  const signoff = createSignoffProvider({
    checklist,
    target: { checklist: 'pre', release: 'v1', environment: null },
    ledger,
    snapshot: await ledger.read(),
    host: 'laptop',
    onHead: (head) => (context.ledgerHead = head),
    interactive: { signer: parseSigner(signer), questions, color: false },
  });
  const log = await runChecklist({
    runId: 'r1',
    checklist,
    context,
    selected: opts.only ? new Set(opts.only) : undefined,
    concurrency: 1,
    signoff,
    signal: new AbortController().signal,
    env: {},
    cwd: dir.dir,
    redact: (s) => s,
    listeners: [],
  });
  return { log, ledger };
}

describe('interactive sign-off provider', () => {
  it('asks nothing of a signer the role allow-list excludes, and leaves the item pending with the reason', async () => {
    const q = scripted([]);
    const { log } = await run('Bob <bob@example.com>', q, { only: ['approval-cto'] });
    expect(q.asked).toEqual([]);
    expect(q.shown.at(-1)).toBe('  You cannot sign this item: Bob <bob@example.com> may not sign as CTO (cto): only ana@example.com may');
    expect(log.items.find((r) => r.id === 'approval-cto')).toMatchObject({ status: 'pending' });
  });

  it('stops the same person from signing a second item of a distinct_signers section in one run', async () => {
    const q = scripted(['confirm', '']);
    const { log, ledger } = await run('Ana <ana@example.com>', q);
    expect(q.asked).toEqual(['decide', 'note']);
    expect(log.items.map((r) => [r.id, r.status])).toEqual([
      ['approval-eng', 'signed'],
      ['approval-cto', 'pending'],
      ['approval-any', 'pending'],
    ]);
    expect(log.items[1]!.message).toContain('two-person rule: Ana already signed approval-eng');
    expect(log.items[2]!.message).toContain('two-person rule: Ana already signed approval-eng');
    const { records, head } = await ledger.read();
    expect(records.map((r) => r.item)).toEqual(['approval-eng']);
    expect(log.context.ledgerHead).toBe(head);
    expect(log.items[0]!.signoff).toMatchObject({ source: 'prompt', role: 'eng-lead', record: head });
  });

  it('turns Ctrl-C at the second prompt into an interrupted run that keeps the first answer', async () => {
    const q = scripted(['decline', 'not reviewed', new InterruptedError('interrupted at a sign-off prompt')]);
    const { log, ledger } = await run('Ana <ana@example.com>', q);
    expect(log.status).toBe('interrupted');
    expect(log.summary.exitCode).toBe(130);
    expect(log.items).toHaveLength(1);
    expect(log.items[0]).toMatchObject({ id: 'approval-eng', status: 'fail', message: 'declined by Ana <ana@example.com>: not reviewed' });
    expect((await ledger.read()).records).toMatchObject([{ item: 'approval-eng', decision: 'declined', reason: 'not reviewed' }]);
  });
});
