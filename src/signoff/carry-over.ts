import type { LoadedChecklist, PlannedItem } from '../checklist/model.js';
import { formatDuration } from '../util/duration.js';
import { mayActAs, roleLabel } from './approvals.js';
import type { ResultReason } from '../runner/types.js';
import type { SignoffRecord } from './chain.js';
import { parseSigner, signerKey, type Signer } from './identity.js';
import { twoPersonRule, type TwoPersonRule } from './two-person.js';
import type { SignatureRules } from './signature.js';

/** What a sign-off is for: the same checklist, release and environment. */
export interface Target {
  checklist: string;
  release: string | null;
  environment: string | null;
}

/** The state of a manual item according to the ledger. */
export type Assessment =
  | { status: 'signed'; record: Decided }
  | { status: 'declined'; record: Decided }
  /** `record`: the latest earlier record, which no longer counts or was withdrawn (`reason` says why). */
  | { status: 'pending'; reason: string; record?: SignoffRecord | undefined; code?: ResultReason };

/** A confirmation or a decline. */
export type Decided = SignoffRecord & { decision: 'confirmed' | 'declined' };

export const NO_SIGNOFF = 'no sign-off yet';

/**
 * The one verdict on a manual item, used by `check` (interactive and --ci), `status` and `serve`. Among the records
 * for this item, definition, release and environment, the latest confirmation, decline or withdrawal decides:
 * a decline stands (the item fails) until a later confirmation or an explicit withdrawal; a withdrawal leaves the
 * item pending; a confirmation counts while it has not expired and its signer may still act as its role. With no
 * such record the item is pending, saying why the closest earlier record does not count.
 */
export function findSignoff(
  records: readonly SignoffRecord[],
  item: PlannedItem,
  checklist: LoadedChecklist,
  target: Target,
  now: Date,
  signatures?: SignatureRules,
): Assessment {
  const all = records.filter((r) => r.checklist === target.checklist && r.item === item.id && r.decision !== 'waived');
  if (!all.length) return { status: 'pending', reason: NO_SIGNOFF, code: 'no-signoff' };
  // Only a record for this very item, release and environment could count, so only its signature matters.
  const refusalOf = (r: SignoffRecord): string | undefined =>
    signatures && !mismatches(r, item, target).length ? signatures.refusal(r) : undefined;
  const refused = new Map(all.flatMap((r) => (refusalOf(r) ? [[r, refusalOf(r)!] as const] : [])));
  const counted = closest(
    all.filter((r) => !refused.has(r)),
    item,
    target,
  );
  const unsigned = closest([...refused.keys()], item, target);
  if (unsigned && !unsigned.differs.length && (!counted || counted.differs.length)) {
    const who = parseSigner(unsigned.r.signer).name;
    return { status: 'pending', reason: `${who}'s sign-off does not count: ${refused.get(unsigned.r)}`, record: unsigned.r };
  }
  const { r, differs } = (counted ?? unsigned)!;
  const who = parseSigner(r.signer).name;
  if (refused.has(r)) return { status: 'pending', reason: `${who}'s sign-off does not count: ${refused.get(r)}`, record: r };
  if (differs.length) return { status: 'pending', reason: explainMismatch(r, who, differs, target), record: r };
  if (r.decision === 'withdrawn') {
    const withdrawn = records.find((o) => o.hash === r.withdraws);
    const what = withdrawn
      ? `${parseSigner(withdrawn.signer).name}'s ${withdrawn.decision === 'declined' ? 'decline' : 'sign-off'}`
      : 'the earlier record';
    return { status: 'pending', reason: `${who} withdrew ${what}: ${r.reason ?? ''}`, record: r };
  }
  const decided = r as Decided;
  if (decided.decision === 'declined') return { status: 'declined', record: decided };
  if (item.expiresAfterMs !== undefined) {
    const late = now.getTime() - Date.parse(r.at) - item.expiresAfterMs;
    if (late > 0) return { status: 'pending', reason: `${who}'s sign-off expired ${formatDuration(late)} ago`, record: r };
  }
  const roles = checklist.definition.roles;
  if (r.role && !mayActAs(roles, r.role, parseSigner(r.signer))) {
    return { status: 'pending', reason: `${who} is no longer on the allow-list of ${roleLabel(roles, r.role)}`, record: r };
  }
  return { status: 'signed', record: decided };
}

type Mismatch = 'definition' | 'release' | 'environment';

/** The latest of the records that differ least from the item and target. */
function closest(
  records: readonly SignoffRecord[],
  item: PlannedItem,
  target: Target,
): { r: SignoffRecord; differs: Mismatch[] } | undefined {
  let best: { r: SignoffRecord; differs: Mismatch[] } | undefined;
  for (const r of records) {
    const differs = mismatches(r, item, target);
    if (!best || differs.length <= best.differs.length) best = { r, differs };
  }
  return best;
}

function mismatches(r: SignoffRecord, item: PlannedItem, target: Target): Mismatch[] {
  const out: Mismatch[] = [];
  if (r.definitionHash !== item.definitionHash) out.push('definition');
  if (r.release !== target.release) out.push('release');
  if (r.environment !== target.environment) out.push('environment');
  return out;
}

function explainMismatch(r: SignoffRecord, who: string, what: Mismatch[], target: Target): string {
  const verb = { confirmed: 'signed', declined: 'declined', withdrawn: 'withdrawn', waived: 'waived' }[r.decision];
  const changed = `the item changed since ${who} ${verb} it`;
  const scope = what.filter((m) => m !== 'definition');
  if (!scope.length) return changed;
  const show = (release: string | null, environment: string | null): string =>
    scope.map((m) => (m === 'release' ? (release ?? 'no release') : (environment ?? 'no environment'))).join(' in ');
  const text = `${verb} by ${who} for ${show(r.release, r.environment)}; this run is ${show(target.release, target.environment)}`;
  return what.includes('definition') ? `${text}, and ${changed}` : text;
}

/**
 * Assesses manual items in turn, remembering who signed what under each two-person rule: a person's second
 * sign-off of items one rule binds does not count.
 */
export class Assessor {
  private readonly signers = new Map<number, Map<string, string>>();

  constructor(
    private readonly checklist: LoadedChecklist,
    private readonly target: Target,
    private records: readonly SignoffRecord[],
    private readonly now: () => Date,
    /** Which records count as far as signatures go (none needed when absent). */
    readonly signatures?: SignatureRules,
  ) {}

  /** Replaces the records assessed against (after an append). */
  update(records: readonly SignoffRecord[]): void {
    this.records = records;
  }

  assess(item: PlannedItem): Assessment {
    const found = findSignoff(this.records, item, this.checklist, this.target, this.now(), this.signatures);
    if (found.status !== 'signed') return found;
    const signer = parseSigner(found.record.signer);
    const other = this.signedInRun(item, signer);
    if (other) return { status: 'pending', reason: twoPersonReason(other.rule, signer, other.item), record: found.record };
    this.register(item, signer);
    return found;
  }

  /** Records that `signer` signed `item` in this run. */
  register(item: PlannedItem, signer: Signer): void {
    const rule = twoPersonRule(this.checklist, item);
    if (!rule) return;
    let bySigner = this.signers.get(rule.key);
    if (!bySigner) this.signers.set(rule.key, (bySigner = new Map<string, string>()));
    if (!bySigner.has(signerKey(signer))) bySigner.set(signerKey(signer), item.id);
  }

  /**
   * Why `signer` may not sign `item` under the two-person rule binding it: another item the same rule binds, signed
   * by them in this run or, still valid, in `records`. Undefined when they may.
   */
  conflict(item: PlannedItem, signer: Signer, records: readonly SignoffRecord[] = this.records): string | undefined {
    const rule = twoPersonRule(this.checklist, item);
    if (!rule) return undefined;
    const other =
      this.signedInRun(item, signer)?.item ??
      this.checklist.items.find((o) => {
        if (o.id === item.id || twoPersonRule(this.checklist, o)?.key !== rule.key) return false;
        const found = findSignoff(records, o, this.checklist, this.target, this.now(), this.signatures);
        return found.status === 'signed' && signerKey(parseSigner(found.record.signer)) === signerKey(signer);
      })?.id;
    return other ? twoPersonReason(rule, signer, other) : undefined;
  }

  private signedInRun(item: PlannedItem, signer: Signer): { rule: TwoPersonRule; item: string } | undefined {
    const rule = twoPersonRule(this.checklist, item);
    if (!rule) return undefined;
    const other = this.signers.get(rule.key)?.get(signerKey(signer));
    return other !== undefined && other !== item.id ? { rule, item: other } : undefined;
  }
}

function twoPersonReason(rule: TwoPersonRule, signer: Signer, otherItem: string): string {
  return `${rule.label}: ${signer.name} already signed ${otherItem}, and each item it binds needs its own signer`;
}
