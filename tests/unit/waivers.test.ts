import { tmpdir } from 'node:os';
import { describe, expect, it } from 'vitest';
import { parseChecklist } from '../../src/checklist/load.js';
import { ChecklistError } from '../../src/errors.js';
import { runChecklist } from '../../src/runner/run.js';
import { sealRecord, type LedgerRecord, type RecordDraft } from '../../src/signoff/chain.js';
import { createWaiverStep, findWaiver, scopeMatches } from '../../src/signoff/waivers.js';

const YAML = `
id: pre
title: Pre
roles:
  sre: { title: SRE, signers: [ana@example.com], waives: true }
  dev: { title: Dev }
sections:
  - id: s
    title: S
    items:
      - id: tls
        title: TLS
        probe: { kind: file, path: x.pem }
`;
const checklist = parseChecklist(YAML, 'pre.yaml', { env: {} });
const tls = checklist.items[0]!;
const target = { checklist: 'pre', release: 'v1.2.3', environment: 'production' };
const NOW = new Date('2026-03-01T12:00:00Z');

function ledger(...drafts: Partial<RecordDraft>[]): LedgerRecord[] {
  const out: LedgerRecord[] = [];
  for (const d of drafts) {
    const draft: RecordDraft = {
      checklist: 'pre',
      item: 'tls',
      definitionHash: tls.definitionHash,
      release: 'v1.2.3',
      environment: 'production',
      decision: 'waived',
      signer: 'Ana <ana@example.com>',
      role: 'sre',
      note: null,
      reason: 'rotation',
      evidence: null,
      expires: '2026-03-02T00:00:00.000Z',
      at: '2026-03-01T00:00:00.000Z',
      host: 'h',
      ...d,
    };
    out.push(sealRecord(draft, out.at(-1)));
  }
  return out;
}

describe('waiver scope', () => {
  it.each([
    ['v1.2.*', 'v1.2.3', true],
    ['v1.2.*', 'v1.3.0', false],
    ['v1.2.*', 'xv1.2.3', false],
    ['*', 'anything', true],
    ['*', null, false],
    ['v1.2.3', 'v1.2.3', true],
    ['v1.2.3', 'v1.2.30', false],
    ['v*-rc*', 'v2-rc1', true],
    ['v*-rc*', 'v2', false],
    [null, null, true],
    [null, 'v1', false],
  ] as const)('%s covers %s: %s', (pattern, value, expected) => {
    expect(scopeMatches(pattern, value)).toBe(expected);
  });
});

describe('findWaiver', () => {
  it('applies a waiver in scope until it expires, then names it as expired', () => {
    expect(findWaiver(ledger({}), tls, checklist, target, NOW)).toMatchObject({ status: 'valid', waiver: { by: 'Ana <ana@example.com>' } });
    expect(findWaiver(ledger({}), tls, checklist, target, new Date('2026-03-02T02:00:00Z'))).toMatchObject({
      status: 'expired',
      lateMs: 2 * 3_600_000,
      waiver: { expired: true },
    });
  });

  it('ignores a waiver for another definition, release, environment or checklist, a withdrawn one, and one by a role that may not waive', () => {
    const none = (records: LedgerRecord[]) => expect(findWaiver(records, tls, checklist, target, NOW)).toBeUndefined();
    none(ledger({ definitionHash: 'a'.repeat(64) }));
    none(ledger({ release: 'v1.3.*' }));
    none(ledger({ environment: 'staging' }));
    none(ledger({ checklist: 'other' }));
    none(ledger({ role: 'dev', signer: 'Bob' }));
    none(ledger({ signer: 'Bob <bob@example.com>' }));
    none(ledger({ decision: 'confirmed', expires: undefined }));
    const [w] = ledger({});
    none(ledger({}, { decision: 'withdrawn', withdraws: w!.hash, expires: undefined }));
    expect(findWaiver(ledger({ environment: '*', release: '*' }), tls, checklist, target, NOW)?.status).toBe('valid');
  });

  it('prefers a waiver still in force over a later one that expired', () => {
    const records = ledger(
      { expires: '2026-03-05T00:00:00.000Z' },
      { expires: '2026-03-01T06:00:00.000Z', at: '2026-03-01T05:00:00.000Z' },
    );
    expect(findWaiver(records, tls, checklist, target, NOW)).toMatchObject({
      status: 'valid',
      waiver: { expires: '2026-03-05T00:00:00.000Z' },
    });
  });
});

describe('the waiver step in a run', () => {
  const yaml = `
id: pre
title: Pre
roles:
  sre: { title: SRE, waives: true }
sections:
  - id: s
    title: S
    items:
      - id: tls
        title: TLS
        probe: { kind: file, path: missing.pem }
      - id: present
        title: Present
        probe: { kind: file, path: . }
      - id: after-tls
        title: After TLS
        needs: [tls]
        probe: { kind: file, path: . }
      - id: approve
        title: Approve
        manual: { instructions: Approve. }
`;
  const run = async (records: LedgerRecord[]) => {
    const c = parseChecklist(yaml, 'pre.yaml', { env: {} });
    return runChecklist({
      runId: 'r',
      checklist: c,
      context: { release: 'v1.2.3', environment: 'production', gitSha: null, gitDirty: null, host: 'h', user: 'u', sfdeployVersion: 't' },
      concurrency: 1,
      signoff: { resolve: async () => ({ status: 'fail', message: 'declined by Bob: no' }) },
      signal: new AbortController().signal,
      env: {},
      cwd: tmpdir(),
      redact: (s) => s,
      listeners: [],
      waive: createWaiverStep(
        c,
        target,
        () => records,
        () => NOW,
      ),
    });
  };
  const waiverOf = (id: string, over: Partial<RecordDraft> = {}) => {
    const c = parseChecklist(yaml, 'pre.yaml', { env: {} });
    return ledger({ item: id, definitionHash: c.items.find((i) => i.id === id)!.definitionHash, signer: 'Ana', ...over })[0]!;
  };

  it('waives the failing item only: its dependents are skipped (a waiver is not a pass), a passing item stays pass, a declined manual item still fails', async () => {
    const log = await run([waiverOf('tls'), waiverOf('present'), waiverOf('approve')]);
    const by = Object.fromEntries(log.items.map((r) => [r.id, r]));
    expect(by.tls).toMatchObject({ status: 'waived', waiver: { by: 'Ana', reason: 'rotation' } });
    expect(by['after-tls']).toMatchObject({ status: 'skip', message: 'needs tls, which is waived (it did not pass)' });
    expect(by.present!.status).toBe('pass');
    expect(by.present!.waiver).toBeUndefined();
    expect(by.approve!.status).toBe('fail');
    expect(log.summary).toMatchObject({ exitCode: 1, blocking: { failed: ['approve'] }, counts: { waived: 1 } });
  });

  it('fails the item again once the waiver expired', async () => {
    const log = await run([waiverOf('tls', { expires: '2026-03-01T11:00:00.000Z' })]);
    expect(log.items.find((r) => r.id === 'tls')).toMatchObject({
      status: 'fail',
      message: expect.stringMatching(/\(the waiver by Ana as sre expired 1h ago: rotation\)$/),
    });
  });
});

describe('waives: in the checklist', () => {
  it('rejects a selector that names no automated item, at its line and column', () => {
    const bad = YAML.replace('waives: true', 'waives: [tls, section:nope, bogus:x]');
    let error: unknown;
    try {
      parseChecklist(bad, 'pre.yaml', { env: {} });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ChecklistError);
    const lines = (error as Error).message.split('\n');
    expect(lines).toContainEqual(
      expect.stringMatching(/^pre\.yaml:5:\d+ roles\.sre\.waives\[1\]: "section:nope" matches no automated item/),
    );
    expect(lines).toContainEqual(expect.stringMatching(/^pre\.yaml:5:\d+ roles\.sre\.waives\[2\]: unknown selector "bogus:x"/));
    expect(lines.join('\n')).not.toContain('waives[0]');
  });
});
