import { createHash } from 'node:crypto';
import { z } from 'zod';
import { canonicalJson } from '../util/canonical-json.js';

const SHA256 = z.string().regex(/^[0-9a-f]{64}$/, 'expected a SHA-256 hex digest');

/**
 * One line of the sign-off ledger (JSON Lines). `hash` is the SHA-256 of the canonical JSON of every other
 * field, `prev` the hash of the record before it (null for the first): editing, inserting, deleting or
 * reordering a record breaks the chain.
 */
export const ledgerRecordSchema = z.strictObject({
  /** Record format version. */
  v: z.literal(1),
  /** 1, 2, 3… in file order. */
  seq: z.int().min(1),
  /** Checklist `id`. */
  checklist: z.string().min(1),
  /** Item `id`. */
  item: z.string().min(1),
  /** SHA-256 of the item's definition when it was signed: a changed item needs a new sign-off. */
  definitionHash: SHA256,
  release: z.string().nullable(),
  environment: z.string().nullable(),
  decision: z.enum(['confirmed', 'declined']),
  /** `Name <email>`, an email or a name. */
  signer: z.string().min(1),
  /** The checklist role signed as; null when the item names no role. */
  role: z.string().nullable(),
  note: z.string().nullable(),
  /** Why it was declined; null for a confirmation. */
  reason: z.string().nullable(),
  /** A note or URL proving the check was done. */
  evidence: z.string().nullable(),
  /** ISO 8601 time of the sign-off. */
  at: z.iso.datetime(),
  host: z.string(),
  prev: SHA256.nullable(),
  hash: SHA256,
});

export type LedgerRecord = z.infer<typeof ledgerRecordSchema>;

/** What a caller supplies; the ledger adds `v`, `seq`, `prev` and `hash`. */
export type RecordDraft = Omit<LedgerRecord, 'v' | 'seq' | 'prev' | 'hash'>;

/**
 * A sign-off as carry-over, status and the run log see it, whatever the ledger's record format: a chained
 * record of the file ledger (v1) or a hash-linked record of the S3 ledger (v2, see linked.ts).
 */
export type SignoffRecord = RecordDraft & { hash: string };

/** One line of a ledger file, parsed when it could be. */
export interface LedgerEntry {
  /** 1-based line number. */
  line: number;
  record?: LedgerRecord | undefined;
  /** Why the line is not a record. */
  error?: string | undefined;
}

export type TamperKind = 'edited' | 'inserted' | 'deleted' | 'reordered';

/** The first place where the chain breaks. Entries before `line` are intact. */
export interface ChainBreak {
  kind: TamperKind;
  line: number;
  message: string;
}

/** SHA-256 over the canonical JSON of a record without its own hash (both record formats). */
export function hashRecord(record: object): string {
  const { hash: _hash, ...content } = record as { hash?: string };
  return createHash('sha256').update(canonicalJson(content)).digest('hex');
}

/** The sign-off fields of a draft and nothing else, so no stray property ever enters a record or its hash. */
export function draftFields(draft: RecordDraft): RecordDraft {
  const { checklist, item, definitionHash, release, environment, decision, signer, role, note, reason, evidence, at, host } = draft;
  return { checklist, item, definitionHash, release, environment, decision, signer, role, note, reason, evidence, at, host };
}

/** Chains a draft onto `prev` (the current head, or undefined for an empty ledger). */
export function sealRecord(draft: RecordDraft, prev: Pick<LedgerRecord, 'seq' | 'hash'> | undefined): LedgerRecord {
  const unsealed = { v: 1 as const, seq: (prev?.seq ?? 0) + 1, ...draftFields(draft), prev: prev?.hash ?? null };
  return { ...unsealed, hash: hashRecord(unsealed) };
}

/** The JSONL line of a record, fields in a readable order. */
export function formatRecord(record: LedgerRecord): string {
  const ordered: LedgerRecord = {
    v: record.v,
    seq: record.seq,
    checklist: record.checklist,
    item: record.item,
    definitionHash: record.definitionHash,
    release: record.release,
    environment: record.environment,
    decision: record.decision,
    signer: record.signer,
    role: record.role,
    note: record.note,
    reason: record.reason,
    evidence: record.evidence,
    at: record.at,
    host: record.host,
    prev: record.prev,
    hash: record.hash,
  };
  return `${JSON.stringify(ordered)}\n`;
}

/** Splits ledger text into entries; a trailing newline ends the last record, it does not start an empty one. */
export function parseLedger(text: string): LedgerEntry[] {
  const lines = text.split('\n');
  if (lines[lines.length - 1] === '') lines.pop();
  return lines.map((raw, i) => {
    const line = i + 1;
    if (raw.trim() === '') return { line, error: 'the line is empty' };
    let data: unknown;
    try {
      data = JSON.parse(raw);
    } catch {
      return { line, error: 'the line is not valid JSON' };
    }
    const parsed = ledgerRecordSchema.safeParse(data);
    if (!parsed.success) {
      const issue = parsed.error.issues[0]!;
      const where = issue.path.length ? `${issue.path.join('.')}: ` : '';
      return { line, error: `${where}${issue.message}` };
    }
    return { line, record: parsed.data };
  });
}

/**
 * Recomputes every hash and link, and names the first edited, inserted, deleted or reordered record.
 * Deleting records from the end cannot be seen in the chain itself: run logs record the head they used.
 */
export function verifyChain(entries: readonly LedgerEntry[]): ChainBreak | undefined {
  const bySeq = new Map<number, LedgerRecord[]>();
  for (const { record } of entries) if (record) bySeq.set(record.seq, [...(bySeq.get(record.seq) ?? []), record]);
  /** A record whose seq is unique and whose link points at the record of the seq before it: genuine, maybe misplaced. */
  const genuine = (r: LedgerRecord): boolean => {
    const before = r.seq === 1 ? [] : (bySeq.get(r.seq - 1) ?? []);
    return bySeq.get(r.seq)?.length === 1 && (r.seq === 1 ? r.prev === null : before.length === 1 && before[0]!.hash === r.prev);
  };
  let prev: { record: LedgerRecord; line: number } | undefined;
  let beforePrev: LedgerRecord | undefined;
  for (let i = 0; i < entries.length; i++) {
    const { line, record: r, error } = entries[i]!;
    if (!r) return { kind: 'edited', line, message: `line ${line} was edited: it is not a ledger record (${error})` };
    const name = `record ${r.seq} (line ${line})`;
    if (hashRecord(r) !== r.hash) return { kind: 'edited', line, message: `${name} was edited: its content no longer matches its hash` };
    const expectedSeq = (prev?.record.seq ?? 0) + 1;
    const expectedPrev = prev?.record.hash ?? null;
    if (r.seq === expectedSeq && r.prev === expectedPrev) {
      beforePrev = prev?.record;
      prev = { record: r, line };
      continue;
    }
    if (prev && r.prev === (beforePrev?.hash ?? null) && r.seq === prev.record.seq) {
      return {
        kind: 'inserted',
        line: prev.line,
        message: `record ${prev.record.seq} (line ${prev.line}) was inserted: the record after it links to the one before it`,
      };
    }
    const next = entries[i + 1]?.record;
    if (next && next.seq === expectedSeq && next.prev === expectedPrev && !genuine(r)) {
      return { kind: 'inserted', line, message: `${name} was inserted: the record after it links to the one before it` };
    }
    if (r.seq < expectedSeq) {
      return { kind: 'reordered', line, message: `${name} is out of order: it comes after record ${expectedSeq - 1}` };
    }
    if (r.seq > expectedSeq) {
      if (bySeq.has(expectedSeq)) {
        return { kind: 'reordered', line, message: `${name} is out of order: record ${expectedSeq} should come before it` };
      }
      const missing = r.seq - 1 === expectedSeq ? `record ${expectedSeq} was` : `records ${expectedSeq}-${r.seq - 1} were`;
      const where = prev ? `${name} follows record ${prev.record.seq}` : `the ledger starts at ${name}`;
      return { kind: 'deleted', line, message: `${missing} deleted: ${where}` };
    }
    return {
      kind: 'edited',
      line: prev?.line ?? line,
      message: prev
        ? `record ${prev.record.seq} (line ${prev.line}) was rewritten: ${name} does not link to it`
        : `${name} was edited: the first record links to a record before it`,
    };
  }
  return undefined;
}
