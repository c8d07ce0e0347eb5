import { describe, expect, it } from 'vitest';
import {
  formatRecord,
  hashRecord,
  parseLedger,
  sealRecord,
  verifyChain,
  type LedgerRecord,
  type RecordDraft,
} from '../../src/signoff/chain.js';

const draft = (n: number): RecordDraft => ({
  checklist: 'pre',
  item: `item-${n}`,
  definitionHash: 'a'.repeat(64),
  release: 'v1.2.0',
  environment: 'production',
  decision: 'confirmed',
  signer: 'Ana <ana@example.com>',
  role: null,
  note: null,
  reason: null,
  evidence: null,
  at: `2026-01-0${n}T10:00:00.000Z`,
  host: 'laptop',
});

function chain(n: number): LedgerRecord[] {
  const out: LedgerRecord[] = [];
  for (let i = 1; i <= n; i++) out.push(sealRecord(draft(i), out[out.length - 1]));
  return out;
}

const text = (records: LedgerRecord[]): string => records.map(formatRecord).join('');
const check = (records: (LedgerRecord | string)[]) =>
  verifyChain(parseLedger(records.map((r) => (typeof r === 'string' ? `${r}\n` : formatRecord(r))).join('')));

describe('ledger hash chain', () => {
  it('numbers records from 1 and links each to the hash of the one before', () => {
    const [a, b] = chain(2);
    expect(a).toMatchObject({ v: 1, seq: 1, prev: null });
    expect(b).toMatchObject({ seq: 2, prev: a!.hash });
    expect(b!.hash).toBe(hashRecord(b!));
    expect(b!.hash).not.toBe(hashRecord({ ...b!, note: 'x' }));
  });

  it('hashes the content, not the order of its keys', () => {
    const [a] = chain(1);
    const reversed = Object.fromEntries(Object.entries(a!).reverse()) as LedgerRecord;
    expect(hashRecord(reversed)).toBe(a!.hash);
  });

  it('finds nothing wrong with an untouched chain, with or without a final newline', () => {
    expect(verifyChain(parseLedger(text(chain(5))))).toBeUndefined();
    expect(verifyChain(parseLedger(text(chain(5)).trimEnd()))).toBeUndefined();
    expect(verifyChain(parseLedger(''))).toBeUndefined();
  });

  it('names the first edited record', () => {
    const r = chain(4);
    expect(check([r[0]!, { ...r[1]!, signer: 'Mallory <m@example.com>' }, r[2]!, r[3]!])).toEqual({
      kind: 'edited',
      line: 2,
      message: 'record 2 (line 2) was edited: its content no longer matches its hash',
    });
  });

  it('names a record rewritten with a recomputed hash: the next one no longer links to it', () => {
    const r = chain(4);
    const forged = { ...r[1]!, signer: 'Mallory <m@example.com>' };
    expect(check([r[0]!, { ...forged, hash: hashRecord(forged) }, r[2]!, r[3]!])).toMatchObject({
      kind: 'edited',
      line: 2,
      message: 'record 2 (line 2) was rewritten: record 3 (line 3) does not link to it',
    });
  });

  it('names an inserted record, forged with the next seq and a valid link', () => {
    const r = chain(4);
    const forged = sealRecord({ ...draft(9) }, r[1]);
    expect(check([r[0]!, r[1]!, forged, r[2]!, r[3]!])).toMatchObject({
      kind: 'inserted',
      line: 3,
      message: expect.stringContaining('record 3 (line 3) was inserted'),
    });
  });

  it('names an inserted copy of an earlier record', () => {
    const r = chain(4);
    expect(check([r[0]!, r[1]!, r[2]!, r[0]!, r[3]!])).toMatchObject({
      kind: 'inserted',
      line: 4,
      message: expect.stringContaining('record 1 (line 4) was inserted'),
    });
  });

  it('names deleted records: the first, one in the middle, several', () => {
    const r = chain(5);
    expect(check([r[1]!, r[2]!])).toMatchObject({
      kind: 'deleted',
      line: 1,
      message: 'record 1 was deleted: the ledger starts at record 2 (line 1)',
    });
    expect(check([r[0]!, r[2]!, r[3]!])).toMatchObject({
      kind: 'deleted',
      line: 2,
      message: 'record 2 was deleted: record 3 (line 2) follows record 1',
    });
    expect(check([r[0]!, r[3]!, r[4]!])).toMatchObject({
      kind: 'deleted',
      message: 'records 2-3 were deleted: record 4 (line 2) follows record 1',
    });
  });

  it('names reordered records: a swap, and the last record moved first', () => {
    const r = chain(4);
    expect(check([r[0]!, r[2]!, r[1]!, r[3]!])).toMatchObject({
      kind: 'reordered',
      line: 2,
      message: 'record 3 (line 2) is out of order: record 2 should come before it',
    });
    expect(check([r[3]!, r[0]!, r[1]!, r[2]!])).toMatchObject({ kind: 'reordered', line: 1 });
  });

  it('names lines that are not records at all', () => {
    const r = chain(3);
    expect(check([r[0]!, '{"v":1,"seq":2', r[2]!])).toMatchObject({
      kind: 'edited',
      line: 2,
      message: 'line 2 was edited: it is not a ledger record (the line is not valid JSON)',
    });
    expect(check([r[0]!, '', r[2]!])).toMatchObject({ line: 2, message: expect.stringContaining('the line is empty') });
    expect(check([r[0]!, JSON.stringify({ ...r[1]!, decision: 'maybe' })])).toMatchObject({
      line: 2,
      message: expect.stringContaining('decision'),
    });
  });
});
