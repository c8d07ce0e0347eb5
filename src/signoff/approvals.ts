import type { PlannedItem } from '../checklist/model.js';
import type { ChecklistDefinition } from '../checklist/schema.js';
import { suggest } from '../checklist/describe.js';
import { UsageError } from '../errors.js';
import { parseSigner, type Signer } from './identity.js';

type Roles = ChecklistDefinition['roles'];

/** `CTO (cto)`, or the bare id of an undeclared role. */
export function roleLabel(roles: Roles, id: string): string {
  const title = roles[id]?.title;
  return title && title !== id ? `${title} (${id})` : id;
}

/** Rejects a `--role` the checklist does not declare. */
export function checkRoleOption(definition: ChecklistDefinition, role: string | undefined): void {
  if (role === undefined || definition.roles[role]) return;
  const known = Object.keys(definition.roles);
  const hint = suggest(role, known);
  throw new UsageError(
    `unknown role "${role}"${hint ? ` (did you mean "${hint}"?)` : ''}: checklist ${definition.id} ${known.length ? `declares ${known.join(', ')}` : 'declares no roles'}`,
  );
}

/** Whether the role's allow-list (by email, or by name when an entry has no email) admits this signer. */
export function mayActAs(roles: Roles, role: string, signer: Signer): boolean {
  const allowed = roles[role]?.signers;
  if (!allowed) return true;
  return allowed.some((entry) => {
    const e = parseSigner(entry);
    if (e.email) return !!signer.email && e.email.toLowerCase() === signer.email.toLowerCase();
    return e.name.toLowerCase() === signer.name.toLowerCase();
  });
}

/** The roles a signer may sign an item as (`[null]` for an item that names none), or why they may not sign it. */
export type RoleChoice = { ok: true; roles: (string | null)[] } | { ok: false; reason: string };

export function rolesFor(item: PlannedItem, roles: Roles, signer: Signer, wanted: string | undefined): RoleChoice {
  const itemRoles = item.manual?.roles ?? [];
  if (!itemRoles.length) {
    if (wanted && !mayActAs(roles, wanted, signer)) return { ok: false, reason: notAllowed(roles, wanted, signer) };
    return { ok: true, roles: [wanted ?? null] };
  }
  const needs = itemRoles.map((r) => roleLabel(roles, r)).join(' or ');
  if (wanted && !itemRoles.includes(wanted)) {
    return { ok: false, reason: `${item.id} must be signed as ${needs}, not as ${roleLabel(roles, wanted)}` };
  }
  const candidates = wanted ? [wanted] : itemRoles;
  const allowed = candidates.filter((r) => mayActAs(roles, r, signer));
  if (allowed.length) return { ok: true, roles: allowed };
  if (candidates.length === 1) return { ok: false, reason: notAllowed(roles, candidates[0]!, signer) };
  return { ok: false, reason: `${signer.display} may not sign as ${needs}: none of their allow-lists names them` };
}

function notAllowed(roles: Roles, role: string, signer: Signer): string {
  const list = roles[role]?.signers ?? [];
  return `${signer.display} may not sign as ${roleLabel(roles, role)}: only ${list.join(', ')} may`;
}
