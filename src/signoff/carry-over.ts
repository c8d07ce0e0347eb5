import type { LoadedChecklist, PlannedItem } from '../checklist/model.js';
import { formatDuration } from '../util/duration.js';
import { mayActAs, roleLabel } from './approvals.js';
import type { ResultReason } from '../runner/types.js';
import type { SignoffRecord } from './chain.js';
import { parseSigner, signerKey, type Signer } from './identity.js';

/** What a sign-off is for: the same checklist, release and environment. */
export interface Target {
  checklist: string;
  release: string | null;
  environment: string | null;
}

/** The state of a manual item according to the ledger. */
export type Assessment =
  | { status: 'signed'; record: SignoffRecord }
  | { status: 'declined'; record: SignoffRecord }
  /** `record`: the latest earlier sign-off, which no longer counts (`reason` says why). */
  | { status: 'pending'; reason: string; record?: SignoffRecord | undefined; code?: ResultReason };

export const NO_SIGNOFF = 'no sign-off yet';

/**
 * The latest ledger record for this item, definition, release and environment decides: confirmed and not
 * expired → signed, declined → declined. Otherwise pending, saying why the closest earlier record does not count.
 */
export function findSignoff(
  records: readonly SignoffRecord[],
  item: PlannedItem,
  checklist: LoadedChecklist,
  target: Target,
  now: Date,
): Assessment {
  const forItem = records.filter((r) => r.checklist === target.checklist && r.item === item.id);
  if (!forItem.length) return { status: 'pending', reason: NO_SIGNOFF, code: 'no-signoff' };
  let r = forItem[0]!;
  let differs = mismatches(r, item, target);
  for (const other of forItem.slice(1)) {
    const d = mismatches(other, item, target);
    if (d.length <= differs.length) [r, differs] = [other, d];
  }
  const who = parseSigner(r.signer).name;
  if (differs.length) return { status: 'pending', reason: explainMismatch(r, who, differs, target), record: r };
  if (r.decision === 'declined') return { status: 'declined', record: r };
  if (item.expiresAfterMs !== undefined) {
    const late = now.getTime() - Date.parse(r.at) - item.expiresAfterMs;
    if (late > 0) return { status: 'pending', reason: `${who}'s sign-off expired ${formatDuration(late)} ago`, record: r };
  }
  const roles = checklist.definition.roles;
  if (r.role && !mayActAs(roles, r.role, parseSigner(r.signer))) {
    return { status: 'pending', reason: `${who} is no longer on the allow-list of ${roleLabel(roles, r.role)}`, record: r };
  }
  return { status: 'signed', record: r };
}

type Mismatch = 'definition' | 'release' | 'environment';

function mismatches(r: SignoffRecord, item: PlannedItem, target: Target): Mismatch[] {
  const out: Mismatch[] = [];
  if (r.definitionHash !== item.definitionHash) out.push('definition');
  if (r.release !== target.release) out.push('release');
  if (r.environment !== target.environment) out.push('environment');
  return out;
}

function explainMismatch(r: SignoffRecord, who: string, what: Mismatch[], target: Target): string {
  const verb = r.decision === 'confirmed' ? 'signed' : 'declined';
  const changed = `the item changed since ${who} ${verb} it`;
  const scope = what.filter((m) => m !== 'definition');
  if (!scope.length) return changed;
  const show = (release: string | null, environment: string | null): string =>
    scope.map((m) => (m === 'release' ? (release ?? 'no release') : (environment ?? 'no environment'))).join(' in ');
  const text = `${verb} by ${who} for ${show(r.release, r.environment)}; this run is ${show(target.release, target.environment)}`;
  return what.includes('definition') ? `${text}, and ${changed}` : text;
}

/**
 * Assesses manual items in turn, remembering who signed what in each `distinct_signers` section: a person's
 * second sign-off in such a section does not count (two-person rule).
 */
export class Assessor {
  private readonly signers = new Map<number, Map<string, string>>();

  constructor(
    private readonly checklist: LoadedChecklist,
    private readonly target: Target,
    private records: readonly SignoffRecord[],
    private readonly now: () => Date,
  ) {}

  /** Replaces the records assessed against (after an append). */
  update(records: readonly SignoffRecord[]): void {
    this.records = records;
  }

  assess(item: PlannedItem): Assessment {
    const found = findSignoff(this.records, item, this.checklist, this.target, this.now());
    if (found.status !== 'signed') return found;
    const signer = parseSigner(found.record.signer);
    const other = this.signedInRun(item, signer);
    if (other) return { status: 'pending', reason: twoPersonReason(signer, other), record: found.record };
    this.register(item, signer);
    return found;
  }

  /** Records that `signer` signed `item` in this run. */
  register(item: PlannedItem, signer: Signer): void {
    if (!item.section.distinctSigners) return;
    let bySigner = this.signers.get(item.section.index);
    if (!bySigner) this.signers.set(item.section.index, (bySigner = new Map<string, string>()));
    if (!bySigner.has(signerKey(signer))) bySigner.set(signerKey(signer), item.id);
  }

  /**
   * Why `signer` may not sign `item` under the two-person rule: another item of its section signed by them in
   * this run or, still valid, in `records`. Undefined when they may.
   */
  conflict(item: PlannedItem, signer: Signer, records: readonly SignoffRecord[] = this.records): string | undefined {
    if (!item.section.distinctSigners) return undefined;
    const other =
      this.signedInRun(item, signer) ??
      this.checklist.items.find((o) => {
        if (o.section.index !== item.section.index || o.id === item.id || !o.manual) return false;
        const found = findSignoff(records, o, this.checklist, this.target, this.now());
        return found.status === 'signed' && signerKey(parseSigner(found.record.signer)) === signerKey(signer);
      })?.id;
    return other ? twoPersonReason(signer, other) : undefined;
  }

  private signedInRun(item: PlannedItem, signer: Signer): string | undefined {
    if (!item.section.distinctSigners) return undefined;
    const other = this.signers.get(item.section.index)?.get(signerKey(signer));
    return other !== item.id ? other : undefined;
  }
}

function twoPersonReason(signer: Signer, otherItem: string): string {
  return `two-person rule: ${signer.name} already signed ${otherItem} in this section, and each of its items needs its own signer`;
}
