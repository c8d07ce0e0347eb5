import { createHash } from 'node:crypto';
import { z } from 'zod';
import { draftFields, hashRecord, ledgerRecordSchema, type RecordDraft } from './chain.js';

const SHA256 = z.string().regex(/^[0-9a-f]{64}$/, 'expected a SHA-256 hex digest');

/**
 * One sign-off of the S3 ledger (record format 2): its own object, never rewritten. Instead of v1's single chain
 * (`seq`, `prev`: one writer at a time, under a lock) each record names the records its signer had seen when
 * signing (`seen`: the heads of what they read, like a commit's parents), so concurrent signers on different
 * machines each write without coordination and the records still form one hash-linked history. `hash` is the
 * SHA-256 of the canonical JSON of every other field, as in v1.
 */
export const linkedRecordSchema = ledgerRecordSchema.omit({ v: true, seq: true, prev: true, hash: true }).extend({
  /** Record format version. */
  v: z.literal(2),
  /** 16 random hex digits; with `at` it names the object, so two records never share a key. */
  id: z.string().regex(/^[0-9a-f]{16}$/, 'expected 16 hex digits'),
  /** Hashes of the newest records the signer had read (those no other record it read had seen), sorted. Empty for the first record, or one queued offline. */
  seen: z.array(SHA256),
  hash: SHA256,
});

export type LinkedRecord = z.infer<typeof linkedRecordSchema>;

/** SHA-256 over the canonical JSON of a record without its own hash. */
export const hashLinked: (record: Omit<LinkedRecord, 'hash'> & { hash?: string }) => string = hashRecord;

/** Seals a draft: the record that names `seen` (hashes of what its signer read) and hashes itself. */
export function sealLinked(draft: RecordDraft, id: string, seen: readonly string[]): LinkedRecord {
  const unsealed = { v: 2 as const, id, ...draftFields(draft), seen: [...new Set(seen)].sort() };
  return { ...unsealed, hash: hashLinked(unsealed) };
}

/** The object body: JSON, fields in a readable order, one line. */
export function formatLinked(r: LinkedRecord): string {
  const ordered: LinkedRecord = {
    v: r.v,
    id: r.id,
    checklist: r.checklist,
    item: r.item,
    definitionHash: r.definitionHash,
    release: r.release,
    environment: r.environment,
    decision: r.decision,
    signer: r.signer,
    role: r.role,
    note: r.note,
    reason: r.reason,
    evidence: r.evidence,
    ...(r.withdraws !== undefined && { withdraws: r.withdraws }),
    ...(r.expires !== undefined && { expires: r.expires }),
    at: r.at,
    host: r.host,
    seen: r.seen,
    ...(r.signature !== undefined ? { signature: r.signature } : {}),
    hash: r.hash,
  };
  return `${JSON.stringify(ordered)}\n`;
}

/** A key segment: `_` for none, else URI-encoded (so a release `feature/x` stays one segment). */
export function keySegment(value: string | null): string {
  if (value === null || value === '') return '_';
  return encodeURIComponent(value).replace(/^\.\.?$/, (dots) => '%2E'.repeat(dots.length));
}

/** `signoffs/<checklist>/` — where the records of one checklist live, under the ledger prefix. */
export const checklistPath = (checklist: string): string => `signoffs/${keySegment(checklist)}/`;

/** `signoffs/<checklist>/<release>/<environment>/<time>-<id>.json`, under the ledger prefix. */
export function recordPath(r: Pick<LinkedRecord, 'checklist' | 'release' | 'environment' | 'at' | 'id'>): string {
  const time = r.at.replace(/[-:.]/g, '');
  return `${checklistPath(r.checklist)}${keySegment(r.release)}/${keySegment(r.environment)}/${time}-${r.id}.json`;
}

export type LinkedProblemKind = 'unreadable' | 'edited' | 'misplaced' | 'missing';

/** Something wrong with one object of the ledger. */
export interface LinkedProblem {
  kind: LinkedProblemKind;
  /** The object's key relative to the ledger prefix. */
  path: string;
  message: string;
  /** `missing`: the hash referenced that no record has. */
  missing?: string | undefined;
  /** `edited`, `unreadable`: the hash the object claims (what other records and run logs refer to it by). */
  claimed?: string | undefined;
}

export interface LinkedHistory {
  /** Records whose hash is intact, in causal order: a record after every record it saw; otherwise by time, then id. */
  records: LinkedRecord[];
  problems: LinkedProblem[];
  /** Hashes claimed by objects that were edited: a reference to one is reported as the edit, not as a deletion. */
  edited: Set<string>;
}

/**
 * Checks the objects of an S3 ledger (`path` relative to its prefix, `text` the body): each parses as a record,
 * its hash matches its content, its key matches its content, and every record it saw is there. Edited or unreadable
 * records are left out of `records`; the others count.
 */
export function verifyLinked(objects: readonly { path: string; text: string }[]): LinkedHistory {
  const problems: LinkedProblem[] = [];
  const edited = new Set<string>();
  const intact = new Map<string, { record: LinkedRecord; path: string }>();
  for (const { path, text } of objects) {
    let data: unknown;
    try {
      data = JSON.parse(text);
    } catch {
      problems.push({ kind: 'unreadable', path, message: `${path} is not a ledger record (not valid JSON)` });
      continue;
    }
    const parsed = linkedRecordSchema.safeParse(data);
    if (!parsed.success) {
      const issue = parsed.error.issues[0]!;
      const claimed = (data as { hash?: unknown } | null)?.hash;
      if (typeof claimed === 'string') edited.add(claimed);
      problems.push({
        kind: 'unreadable',
        path,
        claimed: typeof claimed === 'string' ? claimed : undefined,
        message: `${path} is not a ledger record (${issue.path.length ? `${issue.path.join('.')}: ` : ''}${issue.message})`,
      });
      continue;
    }
    const record = parsed.data;
    if (hashLinked(record) !== record.hash) {
      edited.add(record.hash);
      problems.push({ kind: 'edited', path, claimed: record.hash, message: `${path} was edited: its content no longer matches its hash` });
      continue;
    }
    if (recordPath(record) !== path) {
      problems.push({ kind: 'misplaced', path, message: `${path} was moved or copied: its content belongs at ${recordPath(record)}` });
    }
    if (!intact.has(record.hash)) intact.set(record.hash, { record, path });
  }
  for (const { record, path } of intact.values()) {
    for (const seen of record.seen) {
      if (intact.has(seen) || edited.has(seen)) continue;
      problems.push({
        kind: 'missing',
        path,
        missing: seen,
        message: `${path} saw record ${seen.slice(0, 12)}, which is not in the ledger: it was deleted (or rewritten under another hash)`,
      });
    }
  }
  return { records: causalOrder([...intact.values()].map((e) => e.record)), problems, edited };
}

/** A record after every record it saw; among records free to go next, the earliest `at`, then `id`. */
export function causalOrder(records: readonly LinkedRecord[]): LinkedRecord[] {
  const pending = [...records].sort((a, b) => (a.at < b.at ? -1 : a.at > b.at ? 1 : a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  const present = new Set(pending.map((r) => r.hash));
  const placed = new Set<string>();
  const out: LinkedRecord[] = [];
  while (pending.length) {
    let i = pending.findIndex((r) => r.seen.every((h) => placed.has(h) || !present.has(h)));
    // A cycle cannot be hashed into existence; this only guards against a loop on impossible input.
    if (i < 0) i = 0;
    const [r] = pending.splice(i, 1);
    placed.add(r!.hash);
    out.push(r!);
  }
  return out;
}

/** The records nobody else in `records` saw: what a new record names in `seen`. */
export function headsOf(records: readonly { hash: string; seen?: readonly string[] }[]): string[] {
  const seenByOthers = new Set(records.flatMap((r) => r.seen ?? []));
  return records
    .map((r) => r.hash)
    .filter((h) => !seenByOthers.has(h))
    .sort();
}

/** SHA-256 over a set of record hashes (sorted, one per line): names exactly that set. */
export function digestOf(hashes: readonly string[]): string {
  return createHash('sha256')
    .update([...new Set(hashes)].sort().join('\n'))
    .digest('hex');
}
