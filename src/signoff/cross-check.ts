import type { ItemResult, RunLog } from '../runner/types.js';
import type { SignoffRecord } from './chain.js';
import type { Ledger } from './ledger.js';
import { digestOf } from './linked.js';
import { S3Ledger } from './s3-ledger.js';

/** A record a run log relied on (or, file ledger, the head it recorded) that the ledger no longer holds. */
export interface GoneRecord {
  hash: string;
  /** The run recorded this hash as the ledger's head (file ledger). */
  head?: boolean;
  /** The item whose sign-off was this record, when the run says which. */
  item?: ItemResult | undefined;
}

/** What one run log says about the ledger against what the ledger holds now. */
export interface RunCrossCheck {
  run: RunLog;
  /** What the run saw that is gone, in the order it is reported. */
  gone: GoneRecord[];
  /** S3 ledger: every record the run relied on, sorted; file ledger: empty. */
  relied: string[];
  /** S3 ledger: the items whose sign-off was a record, with their records. */
  used: ItemResult[];
  /** False when an S3 run log's digest does not match its own list of records (the run log was edited). */
  digestOk: boolean;
}

/** How a run's item was decided by its sign-off, for messages: `declined by Bob <bob@example.com>`. */
export const decidedBy = (i: ItemResult): string => `${i.signoff!.decision === 'confirmed' ? 'signed' : 'declined'} by ${i.signoff!.by}`;

/**
 * Cross-checks the run logs against a ledger's records, oldest run first: the one check behind `verify` and `check`.
 * File ledger (`linked` undefined): each run that used a file ledger and recorded a head, or relied on a record,
 * that the chain no longer contains — records edited and every later hash recomputed, or deleted from its end (or
 * that run used another ledger file); runs that saw nothing gone are left out. S3 ledger (`linked`, its location):
 * every run that used it, with what it relied on.
 */
export function crossCheckRuns(records: readonly SignoffRecord[], runs: readonly RunLog[], linked?: string): RunCrossCheck[] {
  const present = new Set(records.map((r) => r.hash));
  const oldestFirst = [...runs].reverse();
  if (linked === undefined) {
    return oldestFirst.flatMap((run) => {
      if (run.context.ledger) return [];
      const head = run.context.ledgerHead;
      const gone: GoneRecord[] = head && !present.has(head) ? [{ hash: head, head: true }] : [];
      for (const item of run.items) {
        const record = item.signoff?.record;
        if (record && !present.has(record)) gone.push({ hash: record, item });
      }
      return gone.length ? [{ run, gone, relied: [], used: [], digestOk: true }] : [];
    });
  }
  return oldestFirst
    .filter((r) => r.context.ledger === linked)
    .map((run) => {
      const byHash = new Map(run.items.filter((i) => i.signoff?.record).map((i) => [i.signoff!.record!, i]));
      const listed = run.context.ledgerRecords;
      const relied = [...new Set([...(listed ?? []), ...byHash.keys()])].sort();
      const digestOk = !listed || (listed.length ? digestOf(listed) : null) === (run.context.ledgerHead ?? null);
      const gone = relied.filter((h) => !present.has(h)).map((hash) => ({ hash, item: byHash.get(hash) }));
      return { run, gone, relied, used: [...byHash.values()], digestOk };
    });
}

/** Whether a run's view of the ledger still holds. */
export const stillHolds = (c: RunCrossCheck): boolean => !c.gone.length && c.digestOk;

/**
 * The lines (without a mark) that name what a run saw and `where` no longer holds; `edited` maps an S3 record's
 * claimed hash to the object that now holds an edited copy.
 */
export function goneLines(c: RunCrossCheck, where: string, linked: boolean, edited?: ReadonlyMap<string, string>): string[] {
  const id = c.run.runId;
  const lines = c.digestOk ? [] : [`run ${id}: its ledger digest does not match its list of records: the run log was edited`];
  for (const g of c.gone) {
    const what = g.item ? ` (${g.item.id}, ${decidedBy(g.item)})` : '';
    if (!linked) {
      lines.push(
        `run ${id} ${g.head ? `recorded ledger head ${g.hash.slice(0, 12)}` : `relied on record ${g.hash.slice(0, 12)}${what}`}, which ${where} no longer contains`,
      );
      continue;
    }
    const path = edited?.get(g.hash);
    const how = path ? `which was edited (${path})` : `which is not in ${where} (deleted, or rewritten under another hash)`;
    lines.push(`run ${id} relied on record ${g.hash.slice(0, 12)}${what}, ${how}`);
  }
  return lines;
}

/** The note after the file ledger's list: what those runs saw and how the chain can have lost it. */
export const REWRITTEN_NOTE =
  'saw records this ledger no longer holds: records were edited and every later hash recomputed, or deleted from its end (or those runs used another ledger file)';

/** A ledger that lost records earlier runs saw: the lines naming each run, what happened, and what `check` does about it. */
export interface RewrittenLedger {
  lines: string[];
  /** `ledger … no longer holds records that N earlier runs saw (…)`. */
  fact: string;
  /** The fact and its consequence: its sign-offs are not reused. */
  reason: string;
}

/**
 * What `check` says when the run history shows the ledger lost records its runs saw (the same facts `verify`
 * prints): the lines naming each such run, and the reason its sign-offs are not reused. Undefined when every run's
 * view still holds.
 */
export function rewrittenLedger(
  ledger: Ledger,
  records: readonly SignoffRecord[],
  runs: readonly RunLog[],
  shown: string,
): RewrittenLedger | undefined {
  const linked = ledger instanceof S3Ledger ? ledger.location : undefined;
  const doubts = crossCheckRuns(records, runs, linked).filter((c) => !stillHolds(c));
  if (!doubts.length) return undefined;
  const n = doubts.length;
  const fact = `ledger ${shown} no longer holds records that ${n} earlier run${n === 1 ? '' : 's'} saw (rewritten with recomputed hashes, or cut at its end)`;
  return {
    lines: doubts.flatMap((c) => goneLines(c, shown, linked !== undefined)),
    fact,
    reason: `${fact}: its sign-offs are not reused (run \`sfdeploy verify\`)`,
  };
}

/**
 * `rewrittenLedger`, confirmed against a fresh read of the ledger: a run that started after `records` were read can
 * have seen a record appended meanwhile, which the ledger does hold.
 */
export async function rewrittenSince(
  ledger: Ledger,
  records: readonly SignoffRecord[],
  runs: readonly RunLog[],
  shown: string,
): Promise<RewrittenLedger | undefined> {
  const found = rewrittenLedger(ledger, records, runs, shown);
  if (!found) return undefined;
  const fresh = await ledger.read().catch(() => undefined);
  return fresh ? rewrittenLedger(ledger, fresh.records, runs, shown) : found;
}

/** Whether `check` would decide anything from these records: a sign-off or waiver for its checklist. */
export const reusesSignoffs = (records: readonly SignoffRecord[], checklist: string): boolean =>
  records.some((r) => r.checklist === checklist);
