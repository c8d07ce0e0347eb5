import type { LoadedChecklist, PlannedItem } from '../checklist/model.js';
import { matchSelectors } from '../checklist/select.js';
import type { ItemResult, Waiver } from '../runner/types.js';
import { formatDuration } from '../util/duration.js';
import { mayActAs, roleLabel } from './approvals.js';
import type { Target } from './carry-over.js';
import type { SignoffRecord } from './chain.js';
import { parseSigner, type Signer } from './identity.js';

/** `*` as a waiver's release or environment: any. */
export const ANY = '*';

/** The longest waiver: a waiver is a dated exception, not a way to switch a check off. */
export const MAX_WAIVER_MS = 90 * 86_400_000;

/** A waiver's release (exact, `*` for any, or a pattern where `*` matches any run of characters) against a run's. */
export function scopeMatches(pattern: string | null, value: string | null): boolean {
  if (pattern === null || value === null) return pattern === value;
  if (!pattern.includes(ANY)) return pattern === value;
  const parts = pattern.split(ANY);
  if (!value.startsWith(parts[0]!) || !value.endsWith(parts[parts.length - 1]!)) return false;
  let at = parts[0]!.length;
  const end = value.length - parts[parts.length - 1]!.length;
  for (const part of parts.slice(1, -1)) {
    const found = value.indexOf(part, at);
    if (found < 0 || found + part.length > end) return false;
    at = found + part.length;
  }
  return at <= end;
}

/** The roles that may waive `item`: `waives: true`, or a list of ids and selectors that names it. */
export function waivingRoles(checklist: LoadedChecklist, item: PlannedItem): string[] {
  return Object.entries(checklist.definition.roles)
    .filter(([, role]) => role.waives === true || (Array.isArray(role.waives) && coveredBy(checklist, role.waives, item)))
    .map(([id]) => id);
}

function coveredBy(checklist: LoadedChecklist, selectors: string[], item: PlannedItem): boolean {
  try {
    return matchSelectors(checklist.items, selectors).has(item.id);
  } catch {
    // a selector matching nothing in this checklist covers nothing
    return selectors.some((s) => s === item.id || s === `section:${item.section.id}` || item.tags.some((t) => s === `tag:${t}`));
  }
}

/** The role a signer waives `item` as, or why they may not. */
export function waiverRole(
  checklist: LoadedChecklist,
  item: PlannedItem,
  signer: Signer,
  wanted: string | undefined,
): { ok: true; role: string } | { ok: false; reason: string } {
  const roles = checklist.definition.roles;
  const candidates = waivingRoles(checklist, item);
  if (!candidates.length) {
    return {
      ok: false,
      reason: `no role of checklist ${checklist.definition.id} may waive ${item.id} (give a role \`waives: true\` or a list naming it)`,
    };
  }
  const named = candidates.map((r) => roleLabel(roles, r)).join(' or ');
  if (wanted && !candidates.includes(wanted))
    return { ok: false, reason: `${roleLabel(roles, wanted)} may not waive ${item.id}; ${named} may` };
  const allowed = (wanted ? [wanted] : candidates).filter((r) => mayActAs(roles, r, signer));
  if (!allowed.length)
    return { ok: false, reason: `${signer.display} may not waive ${item.id}: only ${named} may, and their allow-lists do not name them` };
  if (allowed.length > 1)
    return {
      ok: false,
      reason: `${item.id} can be waived as ${allowed.map((r) => roleLabel(roles, r)).join(' or ')}: say which with --role`,
    };
  return { ok: true, role: allowed[0]! };
}

export type WaiverState = { status: 'valid'; waiver: Waiver } | { status: 'expired'; waiver: Waiver; lateMs: number };

/**
 * The waiver that covers a run of `item`: a `waived` record for its checklist, item and definition, whose release
 * and environment cover the run's, not withdrawn, and whose role may still waive it (allow-list included). A valid
 * one wins over expired ones; among expired ones the latest is named, so the run says which waiver ran out.
 */
export function findWaiver(
  records: readonly SignoffRecord[],
  item: PlannedItem,
  checklist: LoadedChecklist,
  target: Target,
  now: Date,
): WaiverState | undefined {
  const withdrawn = new Set(records.flatMap((r) => (r.decision === 'withdrawn' && r.withdraws ? [r.withdraws] : [])));
  const roles = checklist.definition.roles;
  const mayWaive = new Set(waivingRoles(checklist, item));
  const covering = records.filter(
    (r) =>
      r.decision === 'waived' &&
      r.checklist === target.checklist &&
      r.item === item.id &&
      r.definitionHash === item.definitionHash &&
      r.expires !== undefined &&
      !withdrawn.has(r.hash) &&
      scopeMatches(r.release, target.release) &&
      (r.environment === ANY || r.environment === target.environment) &&
      r.role !== null &&
      mayWaive.has(r.role) &&
      mayActAs(roles, r.role, parseSigner(r.signer)),
  );
  const valid = covering.filter((r) => Date.parse(r.expires!) > now.getTime());
  if (valid.length) return { status: 'valid', waiver: waiverOf(valid[valid.length - 1]!, false) };
  const last = covering[covering.length - 1];
  if (!last) return undefined;
  return { status: 'expired', waiver: waiverOf(last, true), lateMs: now.getTime() - Date.parse(last.expires!) };
}

function waiverOf(r: SignoffRecord, expired: boolean): Waiver {
  return {
    by: r.signer,
    role: r.role ?? undefined,
    reason: r.reason ?? '',
    at: r.at,
    expires: r.expires!,
    release: r.release,
    environment: r.environment,
    record: r.hash,
    ...(expired && { expired: true }),
  };
}

/**
 * A run's waiver step: a failing, erroring or warning automated item under a valid waiver becomes `waived`
 * (message: who, until when, why, and what failed); under an expired one it keeps its status and says the waiver ran out.
 */
export function createWaiverStep(
  checklist: LoadedChecklist,
  target: Target,
  records: () => readonly SignoffRecord[],
  now: () => Date,
): (item: PlannedItem, result: ItemResult) => ItemResult {
  return (item, result) => {
    if (result.status !== 'fail' && result.status !== 'error' && result.status !== 'warn') return result;
    const found = findWaiver(records(), item, checklist, target, now());
    if (!found) return result;
    const w = found.waiver;
    const who = `${w.by}${w.role ? ` as ${w.role}` : ''}`;
    if (found.status === 'expired') {
      return {
        ...result,
        waiver: w,
        message: `${result.message} (the waiver by ${who} expired ${formatDuration(found.lateMs)} ago: ${w.reason})`,
      };
    }
    return {
      ...result,
      status: 'waived',
      waiver: w,
      message: `waived by ${who} until ${w.expires}: ${w.reason}; it did not pass: ${result.message}`,
    };
  };
}
