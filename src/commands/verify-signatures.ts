import type { ChalkInstance } from 'chalk';
import type { Env } from '../util/env.js';
import { loadChecklistFile } from '../checklist/load.js';
import { mayActAs, roleLabel } from '../signoff/approvals.js';
import type { SignoffRecord } from '../signoff/chain.js';
import { parseSigner } from '../signoff/identity.js';
import { signaturePolicy, SignatureRules, verifySignatures, type SignatureVerdict } from '../signoff/signature.js';
import { resolveChecklist, type CommandIO } from './io.js';
import { resolve } from 'node:path';

export interface SignatureOptions {
  /** OpenSSH allowed_signers file for records of checklists not given with `--checklist`. */
  allowedSigners?: string | undefined;
  /** Checklists whose roles and `signatures:` apply to their records. */
  checklist?: string[] | undefined;
}

/** A record and how `verify` names it: `record 3 (line 3)` or its object key. */
export interface NamedRecord {
  record: SignoffRecord;
  name: string;
}

const KIND_LABELS: Record<Exclude<SignatureVerdict, { ok: true }>['kind'], string> = {
  unsigned: 'unsigned',
  'unknown-key': 'unknown key',
  'bad-signature': 'bad signature',
  'wrong-signer': "another person's key",
};

/**
 * Checks the signature of every record: with a checklist's roles for its records (`--checklist`), else against
 * `--allowed-signers` / `$SFDEPLOY_ALLOWED_SIGNERS`. Prints one line per problem naming the record and the reason
 * (unknown key, bad signature, another person's key, key not allowed for the role, unsigned where a role needs a
 * signature). Returns true when there was a problem.
 */
export async function reportSignatures(
  records: readonly NamedRecord[],
  shown: string,
  opts: SignatureOptions,
  env: Env,
  io: CommandIO,
  c: ChalkInstance,
): Promise<boolean> {
  const byChecklist = new Map<string, SignatureRules>();
  for (const ref of opts.checklist ?? []) {
    const loaded = await loadChecklistFile(resolveChecklist(ref, io.cwd), { cwd: io.cwd, env });
    byChecklist.set(loaded.definition.id, new SignatureRules(signaturePolicy(loaded, env, io.cwd), loaded.definition.roles));
  }
  const fallbackFile = opts.allowedSigners ?? (env.SFDEPLOY_ALLOWED_SIGNERS?.trim() || undefined);
  const fallback = new SignatureRules(fallbackFile ? { allowedSigners: resolve(io.cwd, fallbackFile), required: false } : undefined, {});
  const rulesOf = (r: SignoffRecord): SignatureRules => {
    const own = byChecklist.get(r.checklist);
    return own?.policy ? own : fallback;
  };
  const byFile = new Map<string, SignoffRecord[]>();
  for (const { record } of records) {
    const file = rulesOf(record).policy?.allowedSigners;
    if (file && record.signature) byFile.set(file, [...(byFile.get(file) ?? []), record]);
  }
  const verdicts = new Map<string, SignatureVerdict>();
  for (const [file, list] of byFile) for (const [h, v] of await verifySignatures(list, file, env)) verdicts.set(h, v);

  let valid = 0;
  let unsigned = 0;
  let unchecked = 0;
  const problems: string[] = [];
  for (const { record: r, name } of records) {
    const rules = rulesOf(r);
    const own = byChecklist.get(r.checklist);
    const what = `${name} (${r.item}, ${r.decision === 'confirmed' ? 'signed' : 'declined'} by ${r.signer}${r.role ? ` as ${r.role}` : ''})`;
    if (!r.signature) {
      unsigned++;
      if (own?.requires(r.role)) problems.push(`${what}: unsigned: ${own.describe(r.role)} accepts only signed sign-offs`);
      continue;
    }
    const v = verdicts.get(r.hash);
    if (!rules.policy || !v) {
      unchecked++;
      continue;
    }
    if (!v.ok) {
      problems.push(`${what}: ${KIND_LABELS[v.kind]}: ${v.message}`);
      continue;
    }
    const roles = own?.roles;
    if (roles && r.role && !mayActAs(roles, r.role, parseSigner(v.principal))) {
      problems.push(
        `${what}: key not allowed for that role: signed by ${v.principal}'s key, and ${roleLabel(roles, r.role)} allows only ${(roles[r.role]?.signers ?? []).join(', ')}`,
      );
      continue;
    }
    valid++;
  }
  for (const p of problems) io.stdout.write(`${c.red('✖')} ${shown}: ${p}\n`);
  const parts = [`${valid} signature${valid === 1 ? '' : 's'} valid`];
  if (unsigned) parts.push(`${unsigned} record${unsigned === 1 ? '' : 's'} unsigned`);
  if (valid || problems.length || (unsigned && byChecklist.size)) {
    io.stdout.write(
      `${problems.length ? c.red('✖') : c.green('✔')} ${shown}: ${parts.join(', ')}${problems.length ? `, ${problems.length} not valid` : ''}\n`,
    );
  }
  if (unchecked) {
    io.stderr.write(
      `note: ${unchecked} signed record${unchecked === 1 ? '' : 's'} not checked: give --allowed-signers FILE or --checklist NAME to check ${unchecked === 1 ? 'its signature' : 'their signatures'}\n`,
    );
  }
  return problems.length > 0;
}
