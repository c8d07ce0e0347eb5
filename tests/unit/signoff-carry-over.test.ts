import { describe, expect, it } from 'vitest';
import { parseChecklist } from '../../src/checklist/load.js';
import type { LoadedChecklist } from '../../src/checklist/model.js';
import { Assessor, findSignoff, NO_SIGNOFF, type Target } from '../../src/signoff/carry-over.js';
import { sealRecord, type LedgerRecord, type RecordDraft } from '../../src/signoff/chain.js';

const YAML = `
id: pre
title: Pre
roles:
  cto: { title: CTO, signers: [ana@example.com] }
  eng-lead: { title: Engineering Lead }
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
        expires_after: 2h
        manual: { instructions: Approve., roles: [cto] }
`;

const checklist: LoadedChecklist = parseChecklist(YAML, 'pre.yaml', { env: {} });
const eng = checklist.items[0]!;
const cto = checklist.items[1]!;
const target: Target = { checklist: 'pre', release: 'v1.2.1', environment: 'production' };
const NOW = new Date('2026-03-01T12:00:00Z');

function ledger(...drafts: Partial<RecordDraft>[]): LedgerRecord[] {
  const out: LedgerRecord[] = [];
  for (const d of drafts) {
    out.push(
      sealRecord(
        {
          checklist: 'pre',
          item: cto.id,
          definitionHash: cto.definitionHash,
          release: 'v1.2.1',
          environment: 'production',
          decision: 'confirmed',
          signer: 'ana <ana@example.com>',
          role: 'cto',
          note: null,
          reason: null,
          evidence: null,
          at: '2026-03-01T11:00:00.000Z',
          host: 'laptop',
          ...d,
        },
        out[out.length - 1],
      ),
    );
  }
  return out;
}

describe('reusing a sign-off from the ledger', () => {
  it('counts a confirmation for the same item definition, release and environment', () => {
    const records = ledger({});
    expect(findSignoff(records, cto, checklist, target, NOW)).toEqual({ status: 'signed', record: records[0] });
  });

  it('says why nothing counts: no record, another release, another environment, a changed item', () => {
    expect(findSignoff([], cto, checklist, target, NOW)).toEqual({ status: 'pending', reason: NO_SIGNOFF, code: 'no-signoff' });
    expect(findSignoff(ledger({ release: 'v1.2.0' }), cto, checklist, target, NOW)).toMatchObject({
      status: 'pending',
      reason: 'signed by ana for v1.2.0; this run is v1.2.1',
    });
    expect(findSignoff(ledger({ environment: 'staging' }), cto, checklist, target, NOW)).toMatchObject({
      reason: 'signed by ana for staging; this run is production',
    });
    expect(findSignoff(ledger({ release: 'v1.2.0', environment: null }), cto, checklist, target, NOW)).toMatchObject({
      reason: 'signed by ana for v1.2.0 in no environment; this run is v1.2.1 in production',
    });
    expect(findSignoff(ledger({ definitionHash: 'b'.repeat(64) }), cto, checklist, target, NOW)).toMatchObject({
      reason: 'the item changed since ana signed it',
    });
  });

  it('lets a sign-off expire after expires_after, saying how long ago', () => {
    expect(findSignoff(ledger({ at: '2026-03-01T09:00:00.000Z' }), cto, checklist, target, NOW)).toMatchObject({
      status: 'pending',
      reason: "ana's sign-off expired 1h ago",
    });
    expect(findSignoff(ledger({ at: '2026-03-01T10:30:00.000Z' }), cto, checklist, target, NOW).status).toBe('signed');
  });

  it('lets the latest matching record decide between a decline and a confirmation', () => {
    const declinedLast = ledger({}, { decision: 'declined', reason: 'not ready', signer: 'Bob <bob@example.com>' });
    expect(findSignoff(declinedLast, cto, checklist, target, NOW)).toMatchObject({ status: 'declined', record: { reason: 'not ready' } });
    const confirmedLast = ledger({ decision: 'declined', reason: 'not ready' }, {});
    expect(findSignoff(confirmedLast, cto, checklist, target, NOW).status).toBe('signed');
    const olderExact = ledger({}, { release: 'v0.9.0' });
    expect(findSignoff(olderExact, cto, checklist, target, NOW).status).toBe('signed');
  });

  it('stops counting a sign-off whose signer was taken off the role allow-list', () => {
    expect(findSignoff(ledger({ signer: 'Bob <bob@example.com>' }), cto, checklist, target, NOW)).toMatchObject({
      status: 'pending',
      reason: 'Bob is no longer on the allow-list of CTO (cto)',
    });
  });
});

describe('the two-person rule over a run', () => {
  it('does not count one person signing two items of a distinct_signers section', () => {
    const records = ledger(
      { item: eng.id, definitionHash: eng.definitionHash, role: 'eng-lead', signer: 'Ana <ana@example.com>' },
      { item: cto.id, signer: 'Ana <ANA@example.com>' },
    );
    const assessor = new Assessor(checklist, target, records, () => NOW);
    expect(assessor.assess(eng).status).toBe('signed');
    expect(assessor.assess(cto)).toMatchObject({
      status: 'pending',
      reason: expect.stringContaining('two-person rule: Ana already signed approval-eng'),
    });
  });

  it('names the conflict before a new sign-off is written, from the ledger alone', () => {
    const records = ledger({ item: eng.id, definitionHash: eng.definitionHash, role: 'eng-lead', signer: 'Ana <ana@example.com>' });
    const assessor = new Assessor(checklist, target, records, () => NOW);
    expect(assessor.conflict(cto, { name: 'Ana', email: 'ana@example.com', display: 'Ana <ana@example.com>' })).toContain(
      'Ana already signed approval-eng',
    );
    expect(assessor.conflict(cto, { name: 'Bob', email: 'bob@example.com', display: 'Bob <bob@example.com>' })).toBeUndefined();
    expect(assessor.conflict(eng, { name: 'Ana', email: 'ana@example.com', display: 'Ana <ana@example.com>' })).toBeUndefined();
  });
});
