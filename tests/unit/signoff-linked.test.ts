import { describe, expect, it } from 'vitest';
import type { RecordDraft } from '../../src/signoff/chain.js';
import {
  causalOrder,
  digestOf,
  formatLinked,
  hashLinked,
  headsOf,
  keySegment,
  linkedRecordSchema,
  recordPath,
  sealLinked,
  verifyLinked,
  type LinkedRecord,
} from '../../src/signoff/linked.js';

const draft = (item: string, at: string, o: Partial<RecordDraft> = {}): RecordDraft => ({
  checklist: 'pre',
  item,
  definitionHash: 'a'.repeat(64),
  release: 'v1.2.0',
  environment: 'production',
  decision: 'confirmed',
  signer: 'Ana <ana@example.com>',
  role: null,
  note: null,
  reason: null,
  evidence: null,
  at,
  host: 'laptop',
  ...o,
});

const id = (n: number): string => n.toString(16).padStart(16, '0');
const objects = (records: LinkedRecord[]) => records.map((r) => ({ path: recordPath(r), text: formatLinked(r) }));

describe('hash-linked ledger records (v2)', () => {
  it('hash their content with the seen hashes sorted, and parse back with the strict schema', () => {
    const a = sealLinked(draft('a', '2026-03-01T10:00:00.000Z'), id(1), []);
    const b = sealLinked(draft('b', '2026-03-01T10:01:00.000Z'), id(2), ['f'.repeat(64), a.hash]);
    expect(b.seen).toEqual([a.hash, 'f'.repeat(64)].sort());
    expect(b.hash).toBe(hashLinked(b));
    expect(hashLinked({ ...b, note: 'x' })).not.toBe(b.hash);
    expect(linkedRecordSchema.parse(JSON.parse(formatLinked(b)))).toEqual(b);
    expect(linkedRecordSchema.safeParse({ ...b, extra: 1 }).success).toBe(false);
    expect(linkedRecordSchema.safeParse({ ...b, v: 1 }).success).toBe(false);
  });

  it('live at signoffs/<checklist>/<release>/<environment>/<time>-<id>.json, one segment each', () => {
    const r = sealLinked(draft('a', '2026-03-01T11:02:41.113Z', { release: 'feature/x y', environment: null }), id(7), []);
    expect(recordPath(r)).toBe(`signoffs/pre/feature%2Fx%20y/_/20260301T110241113Z-${id(7)}.json`);
    expect(keySegment('..')).toBe('%2E%2E');
    expect(keySegment('')).toBe('_');
  });

  it('verify finds edited, unreadable and moved objects and records that saw a record no longer there', () => {
    const a = sealLinked(draft('a', '2026-03-01T10:00:00.000Z'), id(1), []);
    const b = sealLinked(draft('b', '2026-03-01T10:01:00.000Z'), id(2), headsOf([a]));
    const c = sealLinked(draft('c', '2026-03-01T10:02:00.000Z'), id(3), headsOf([a, b]));
    expect(c.seen).toEqual([b.hash]);
    expect(verifyLinked(objects([a, b, c]))).toMatchObject({ records: [a, b, c], problems: [] });

    const edited = { path: recordPath(b), text: formatLinked(b).replace('"note":null', '"note":"forged"') };
    const moved = { path: recordPath({ ...c, release: 'v9' }), text: formatLinked(c) };
    const junk = { path: 'signoffs/pre/x/_/junk.json', text: '{"v":2' };
    const result = verifyLinked([edited, moved, junk]);
    expect(result.records).toEqual([c]);
    expect(result.problems.map((p) => [p.kind, p.path])).toEqual([
      ['edited', recordPath(b)],
      ['misplaced', moved.path],
      ['unreadable', junk.path],
    ]);
    expect(result.problems[0]!.claimed).toBe(b.hash);

    // b is gone altogether: c saw it.
    const gone = verifyLinked(objects([a, c]));
    expect(gone.problems).toEqual([
      {
        kind: 'missing',
        path: recordPath(c),
        missing: b.hash,
        message: `${recordPath(c)} saw record ${b.hash.slice(0, 12)}, which is not in the ledger: it was deleted (or rewritten under another hash)`,
      },
    ]);
  });

  it('orders a record after every record it saw, even when its signer clock is behind', () => {
    const confirmed = sealLinked(draft('a', '2026-03-01T10:00:00.000Z'), id(1), []);
    const declined = sealLinked(draft('a', '2026-03-01T09:00:00.000Z', { decision: 'declined', reason: 'rollback plan missing' }), id(2), [
      confirmed.hash,
    ]);
    const unrelated = sealLinked(draft('b', '2026-03-01T09:30:00.000Z'), id(3), []);
    expect(causalOrder([declined, confirmed, unrelated]).map((r) => r.id)).toEqual([id(3), id(1), id(2)]);
    expect(headsOf([confirmed, declined, unrelated])).toEqual([declined.hash, unrelated.hash].sort());
  });

  it('digests a set of hashes whatever their order or repetition', () => {
    const h = ['1'.repeat(64), '2'.repeat(64)];
    expect(digestOf(h)).toBe(digestOf([h[1]!, h[0]!, h[0]!]));
    expect(digestOf(h)).not.toBe(digestOf([h[0]!]));
  });
});
