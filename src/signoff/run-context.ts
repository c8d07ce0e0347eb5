import type { RunContextInfo } from '../runner/types.js';
import type { Target } from './carry-over.js';
import type { Ledger, LedgerSnapshot } from './ledger.js';
import { digestOf } from './linked.js';
import { S3Ledger } from './s3-ledger.js';
import { ANY, scopeMatches } from './waivers.js';

type LedgerContext = Pick<RunContextInfo, 'ledgerHead' | 'ledger' | 'ledgerRecords'>;

/**
 * What a run records about the ledger it relies on. File ledger: the head record's hash (one chain). S3 ledger:
 * its location, the hashes of the records for this checklist, release and environment (and the waivers covering them)
 * — the only ones that can decide an item of this run — and their digest as `ledgerHead`.
 */
export function ledgerContext(ledger: Ledger, snapshot: LedgerSnapshot | undefined, target: Target): LedgerContext {
  if (!(ledger instanceof S3Ledger)) return { ledgerHead: snapshot?.head ?? null };
  const hashes = (snapshot?.records ?? [])
    .filter(
      (r) =>
        r.checklist === target.checklist &&
        (r.decision === 'waived'
          ? scopeMatches(r.release, target.release) && (r.environment === ANY || r.environment === target.environment)
          : r.release === target.release && r.environment === target.environment),
    )
    .map((r) => r.hash)
    .sort();
  return { ledgerHead: hashes.length ? digestOf(hashes) : null, ledger: ledger.location, ledgerRecords: hashes };
}

/** Records in the run's context a sign-off appended during the run. */
export function noteAppended(context: RunContextInfo, hash: string): void {
  if (!context.ledgerRecords) {
    context.ledgerHead = hash;
    return;
  }
  context.ledgerRecords = [...new Set([...context.ledgerRecords, hash])].sort();
  context.ledgerHead = digestOf(context.ledgerRecords);
}
