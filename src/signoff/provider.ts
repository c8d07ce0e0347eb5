import type { LoadedChecklist, PlannedItem } from '../checklist/model.js';
import { SfdeployError } from '../errors.js';
import type { ManualDecision, SignoffProvider } from '../runner/run.js';
import type { Signoff } from '../runner/types.js';
import { roleLabel, rolesFor } from './approvals.js';
import type { Redactor } from '../util/redact.js';
import { Assessor, type Assessment, type Decided, type Target } from './carry-over.js';
import type { RecordDraft, SignoffRecord } from './chain.js';
import type { Signer } from './identity.js';
import type { Ledger, LedgerSnapshot } from './ledger.js';
import { describeManual, type Questions } from './prompt.js';
import { SIGN_HINT, type SignatureRules, type SignFunction } from './signature.js';

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
  /** Which records count as far as signatures go; every record does when absent. */
  signatures?: SignatureRules | undefined;
  /** Who is at the terminal; absent under --ci, where nobody is asked. */
  interactive?: Interactive | undefined;
}

export interface Interactive {
  signer: Signer;
  role?: string | undefined;
  questions: Questions;
  color: boolean;
  /** Their SSH signing key, when they have one. */
  sign?: SignFunction | undefined;
  /** `--ask`: only these items are asked about; the others are resolved from the ledger as under --ci. Default all. */
  asks?: ((item: PlannedItem) => boolean) | undefined;
  /** Shown once, before the first question: what the automated items found so far. */
  preamble?: (() => string[]) | undefined;
  /** Why nothing may be signed in this run (the release is unknown): shown once, and nobody is asked. */
  refuse?: string | undefined;
}

/**
 * Resolves manual items from the ledger first: a valid sign-off counts, a decline fails the item. Otherwise
 * under --ci the item is pending with the reason; in a terminal the signer is asked, and the answer is appended
 * to the ledger.
 */
export function createSignoffProvider(o: SignoffProviderOptions): SignoffProvider {
  const now = o.now ?? (() => new Date());
  const assessor = new Assessor(o.checklist, o.target, o.snapshot.records, now, o.signatures);
  const roles = o.checklist.definition.roles;

  /** Set once the signer chose "leave the rest pending" (or nothing may be signed): nobody is asked again. */
  let stopped: string | undefined;
  let introduced = false;
  /** The verdict without asking: as under --ci, with `reason` for an item that would have been pending. */
  const unasked = (found: Assessment, reason?: string): ManualDecision => {
    if (found.status === 'signed' || found.status === 'declined') return fromRecord(found.record, 'ledger', o.signatures);
    if (reason) return { status: 'pending', message: `${found.reason}; ${reason}` };
    return { status: 'pending', message: found.reason, ...(found.code ? { reason: found.code } : {}) };
  };

  const ask = async (item: PlannedItem, found: Assessment, signal: AbortSignal, who: Interactive): Promise<ManualDecision> => {
    const { signer, questions } = who;
    const itemRoles = item.manual?.roles ?? [];
    const lines = await describeManual(
      item,
      itemRoles.length ? itemRoles.map((r) => roleLabel(roles, r)).join(' or ') : undefined,
      who.color,
    );
    if (found.status === 'declined') {
      lines.push(`  Declined earlier by ${found.record.signer}: ${found.record.reason ?? ''}`);
      lines.push('  The decline stands until someone confirms the item or withdraws the decline.');
    } else if (found.status === 'pending' && found.record) lines.push(`  An earlier sign-off no longer counts: ${found.reason}`);
    const refuse = (reason: string): ManualDecision => {
      questions.show([...lines, `  You cannot sign this item: ${reason}`]);
      return found.status === 'declined' ? fromRecord(found.record, 'ledger', o.signatures) : { status: 'pending', message: reason };
    };
    const choice = rolesFor(item, roles, signer, who.role);
    if (!choice.ok) return refuse(choice.reason);
    const conflict = assessor.conflict(item, signer);
    if (conflict) return refuse(conflict);
    const unsignable = !who.sign && choice.roles.find((r) => o.signatures?.requires(r));
    if (unsignable !== undefined && unsignable !== false) {
      return refuse(`${o.signatures!.describe(unsignable)} accepts only signed sign-offs (${SIGN_HINT})`);
    }
    questions.show(lines);
    const decision = await questions.decide(signer.display, signal);
    if (decision === 'quit') {
      stopped = `the rest was left pending at the prompt by ${signer.display}`;
      return unasked(found, stopped);
    }
    // leaving an item pending changes nothing in the ledger: an earlier decline stands, as under --ci
    if (decision === 'pending') return unasked(found, `left pending at the prompt by ${signer.display}`);
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
    }, who.sign);
    assessor.update([...before, record!]);
    o.onHead?.(record!.hash);
    if (decision === 'confirm') assessor.register(item, signer);
    return fromRecord(record as Decided, 'prompt', o.signatures);
  };

  return {
    async resolve(item, signal) {
      const found = assessor.assess(item);
      const who = o.interactive;
      if (found.status === 'signed' || !who || (who.asks && !who.asks(item))) return unasked(found);
      if (stopped) return unasked(found, stopped);
      if (!introduced) {
        introduced = true;
        const intro = [...(who.preamble?.() ?? []), ...(who.refuse ? [who.refuse] : [])];
        if (intro.length) who.questions.show(['', ...intro]);
        if (who.refuse) stopped = who.refuse;
      }
      if (stopped) return unasked(found, stopped);
      return ask(item, found, signal, who);
    },
  };
}

/** The run's view of a ledger record: `signed`, or `fail` for a decline. */
export function fromRecord(record: Decided, source: Signoff['source'], signatures?: SignatureRules): ManualDecision {
  const verdict = signatures?.verdict(record);
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
    ...(verdict?.ok ? { signature: { principal: verdict.principal, fingerprint: verdict.fingerprint } } : {}),
  };
  if (record.decision === 'declined') return { status: 'fail', message: `declined by ${record.signer}: ${record.reason ?? ''}`, signoff };
  return { status: 'signed', message: `signed by ${record.signer}${record.role ? ` as ${record.role}` : ''}`, signoff };
}
