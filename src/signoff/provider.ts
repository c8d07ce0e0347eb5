import type { LoadedChecklist, PlannedItem } from '../checklist/model.js';
import { SfdeployError } from '../errors.js';
import type { ManualDecision, SignoffProvider } from '../runner/run.js';
import type { Signoff } from '../runner/types.js';
import { roleLabel, rolesFor } from './approvals.js';
import type { Redactor } from '../util/redact.js';
import { Assessor, type Assessment, type Target } from './carry-over.js';
import type { RecordDraft, SignoffRecord } from './chain.js';
import type { Signer } from './identity.js';
import type { Ledger, LedgerSnapshot } from './ledger.js';
import { describeManual, type Questions } from './prompt.js';

export interface SignoffProviderOptions {
  checklist: LoadedChecklist;
  target: Target;
  ledger: Ledger;
  /** The ledger as read when the run started. */
  snapshot: LedgerSnapshot;
  host: string;
  /** Masks secrets in what a signer types (a note may quote a token); the ledger never holds them. */
  redact?: Redactor;
  now?: () => Date;
  /** Called with the new ledger head after a sign-off is appended. */
  onHead?: (head: string) => void;
  /** Who is at the terminal; absent under --ci, where nobody is asked. */
  interactive?: { signer: Signer; role?: string | undefined; questions: Questions; color: boolean } | undefined;
}

/**
 * Resolves manual items from the ledger first: a valid sign-off counts, a decline fails the item. Otherwise
 * under --ci the item is pending with the reason; in a terminal the signer is asked, and the answer is appended
 * to the ledger.
 */
export function createSignoffProvider(o: SignoffProviderOptions): SignoffProvider {
  const now = o.now ?? (() => new Date());
  const assessor = new Assessor(o.checklist, o.target, o.snapshot.records, now);
  const roles = o.checklist.definition.roles;

  const ask = async (
    item: PlannedItem,
    found: Assessment,
    signal: AbortSignal,
    who: NonNullable<SignoffProviderOptions['interactive']>,
  ): Promise<ManualDecision> => {
    const { signer, questions } = who;
    const itemRoles = item.manual?.roles ?? [];
    const lines = await describeManual(
      item,
      itemRoles.length ? itemRoles.map((r) => roleLabel(roles, r)).join(' or ') : undefined,
      who.color,
    );
    if (found.status === 'declined') lines.push(`  Declined earlier by ${found.record.signer}: ${found.record.reason ?? ''}`);
    else if (found.status === 'pending' && found.record) lines.push(`  An earlier sign-off no longer counts: ${found.reason}`);
    const refuse = (reason: string): ManualDecision => {
      questions.show([...lines, `  You cannot sign this item: ${reason}`]);
      return { status: 'pending', message: reason };
    };
    const choice = rolesFor(item, roles, signer, who.role);
    if (!choice.ok) return refuse(choice.reason);
    const conflict = assessor.conflict(item, signer);
    if (conflict) return refuse(conflict);
    questions.show(lines);
    const decision = await questions.decide(signer.display, signal);
    if (decision === 'pending') return { status: 'pending', message: `left pending at the prompt by ${signer.display}` };
    const role =
      choice.roles.length > 1
        ? await questions.chooseRole(
            choice.roles.map((r) => ({ id: r!, label: roleLabel(roles, r!) })),
            signal,
          )
        : (choice.roles[0] ?? null);
    const evidenceRequired = item.manual?.evidence === 'required';
    const typed = decision === 'decline' ? await questions.reason(signal) : await questions.note(evidenceRequired, signal);
    const answer = o.redact ? o.redact(typed) : typed;
    const draft: RecordDraft = {
      checklist: o.target.checklist,
      item: item.id,
      definitionHash: item.definitionHash,
      release: o.target.release,
      environment: o.target.environment,
      decision: decision === 'confirm' ? 'confirmed' : 'declined',
      signer: signer.display,
      role,
      note: decision === 'confirm' && !evidenceRequired ? answer || null : null,
      reason: decision === 'decline' ? answer : null,
      evidence: decision === 'confirm' && evidenceRequired ? answer : null,
      at: now().toISOString(),
      host: o.host,
    };
    let before: readonly SignoffRecord[] = [];
    const [record] = await o.ledger.append((current) => {
      const conflict = draft.decision === 'confirmed' ? assessor.conflict(item, signer, current.records) : undefined;
      if (conflict) throw new SfdeployError('E_TWO_PERSON', conflict);
      before = current.records;
      return [draft];
    });
    assessor.update([...before, record!]);
    o.onHead?.(record!.hash);
    if (decision === 'confirm') assessor.register(item, signer);
    return fromRecord(record!, 'prompt');
  };

  return {
    async resolve(item, signal) {
      const found = assessor.assess(item);
      if (found.status === 'signed') return fromRecord(found.record, 'ledger');
      if (o.interactive) return ask(item, found, signal, o.interactive);
      if (found.status === 'declined') return fromRecord(found.record, 'ledger');
      return { status: 'pending', message: found.reason, ...(found.code ? { reason: found.code } : {}) };
    },
  };
}

/** The run's view of a ledger record: `signed`, or `fail` for a decline. */
export function fromRecord(record: SignoffRecord, source: Signoff['source']): ManualDecision {
  const signoff: Signoff = {
    decision: record.decision,
    by: record.signer,
    role: record.role ?? undefined,
    at: record.at,
    host: record.host,
    note: record.note ?? undefined,
    reason: record.reason ?? undefined,
    evidence: record.evidence ?? undefined,
    source,
    record: record.hash,
  };
  if (record.decision === 'declined') return { status: 'fail', message: `declined by ${record.signer}: ${record.reason ?? ''}`, signoff };
  return { status: 'signed', message: `signed by ${record.signer}${record.role ? ` as ${record.role}` : ''}`, signoff };
}
