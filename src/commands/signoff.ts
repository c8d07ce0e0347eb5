import { Chalk } from 'chalk';
import { loadChecklistFile } from '../checklist/load.js';
import type { LoadedChecklist, PlannedItem } from '../checklist/model.js';
import { suggest } from '../checklist/describe.js';
import { SfdeployError, StoreError, UsageError } from '../errors.js';
import { currentHost, currentUser, readGitState } from '../runlog/context.js';
import { checkRoleOption, roleLabel, rolesFor } from '../signoff/approvals.js';
import { Assessor, type Target } from '../signoff/carry-over.js';
import type { RecordDraft, SignoffRecord } from '../signoff/chain.js';
import { resolveSigner } from '../signoff/identity.js';
import { openLedger } from '../signoff/open.js';
import { S3Ledger } from '../signoff/s3-ledger.js';
import { resolveTarget } from '../signoff/target.js';
import { queueSignoff, resolveOutbox } from '../store/outbox.js';
import { createRedactor } from '../util/redact.js';
import { buildEnv } from './env-files.js';
import { displayPath, resolveChecklist, type CommandIO } from './io.js';

export interface SignoffOptions {
  decline: boolean;
  reason?: string | undefined;
  by?: string | undefined;
  role?: string | undefined;
  note?: string | undefined;
  evidence?: string | undefined;
  release?: string | undefined;
  environment?: string | undefined;
  ledger?: string | undefined;
  /** S3 ledger: when it is unreachable, seal the records and queue them in `.sfdeploy/outbox/` for `sfdeploy sync`. */
  offline?: boolean | undefined;
  envFile: string[];
  var: string[];
}

/** `sfdeploy signoff <checklist> <item-id...>`: records sign-offs (or a decline) in the ledger without running probes. */
export async function signoff(ref: string, itemIds: string[], opts: SignoffOptions, io: CommandIO): Promise<number> {
  const reason = opts.reason?.trim();
  if (opts.decline && !reason) throw new UsageError('--decline needs --reason "why it is not done"');
  if (!opts.decline && opts.reason !== undefined)
    throw new UsageError('--reason goes with --decline; to comment on a confirmation use --note');
  const env = buildEnv(io.env, io.cwd, opts.envFile, opts.var);
  const checklist = await loadChecklistFile(resolveChecklist(ref, io.cwd), { env });
  checkRoleOption(checklist.definition, opts.role);
  const items = pickItems(checklist, itemIds);

  const git = await readGitState(io.cwd);
  const redact = createRedactor(env, checklist.secretNames);
  const target: Target = { checklist: checklist.definition.id, ...resolveTarget(opts, env, git.describe, redact) };
  const signer = await resolveSigner(opts.by, io.cwd, currentUser(env));
  const roles = checklist.definition.roles;
  const now = new Date();
  const host = currentHost();

  const drafts: RecordDraft[] = items.map((item) => {
    const choice = rolesFor(item, roles, signer, opts.role);
    if (!choice.ok) throw new SfdeployError('E_SIGNOFF_REJECTED', `rejected: ${choice.reason}`);
    if (choice.roles.length > 1) {
      throw new UsageError(
        `${item.id} can be signed as ${choice.roles.map((r) => roleLabel(roles, r!)).join(' or ')}: say which with --role`,
      );
    }
    if (!opts.decline && item.manual?.evidence === 'required' && !opts.evidence?.trim() && !opts.note?.trim()) {
      throw new UsageError(`${item.id} requires evidence: add --evidence <url> or --note "what you checked"`);
    }
    return {
      checklist: target.checklist,
      item: item.id,
      definitionHash: item.definitionHash,
      release: target.release,
      environment: target.environment,
      decision: opts.decline ? 'declined' : 'confirmed',
      signer: signer.display,
      role: choice.roles[0] ?? null,
      note: opts.note?.trim() ? redact(opts.note.trim()) : null,
      reason: opts.decline ? redact(reason!) : null,
      evidence: opts.evidence?.trim() ? redact(opts.evidence.trim()) : null,
      at: now.toISOString(),
      host,
    };
  });

  const ledger = openLedger(opts.ledger, env, io.cwd, { checklist: target.checklist });
  const check = (records: readonly SignoffRecord[]): RecordDraft[] => {
    if (opts.decline) return drafts;
    const assessor = new Assessor(checklist, target, records, () => now);
    for (const item of items) {
      const conflict = assessor.conflict(item, signer);
      if (conflict) throw new SfdeployError('E_SIGNOFF_REJECTED', `rejected: ${item.id}: ${conflict}`);
      assessor.register(item, signer);
    }
    return drafts;
  };
  let written: SignoffRecord[];
  let queued: string | undefined;
  try {
    written = await ledger.append((current) => check(current.records));
  } catch (e) {
    if (!(e instanceof StoreError && e.unreachable && ledger instanceof S3Ledger)) throw e;
    if (!opts.offline) {
      throw new StoreError(
        ledger.location,
        `${e.reason}; nothing was signed (with --offline the sign-off is queued locally for \`sfdeploy sync\`)`,
        true,
      );
    }
    const sealed = ledger.seal(check([]), undefined);
    const outbox = resolveOutbox(io.cwd);
    for (const record of sealed) await queueSignoff(outbox, ledger.location, record, now);
    written = sealed;
    queued = `${e.message}; queued in ${displayPath(outbox, io.cwd)}: run \`sfdeploy sync\` to upload`;
  }

  const c = new Chalk({ level: io.color ? 1 : 0 });
  const scope = `${target.release ?? 'no release'}${target.environment ? ` (${target.environment})` : ''}`;
  for (const r of written) {
    const as = r.role ? ` as ${roleLabel(roles, r.role)}` : '';
    const line =
      r.decision === 'confirmed'
        ? `${c.cyan('✔')} ${r.item} signed by ${r.signer}${as} for ${scope}`
        : `${c.red('✖')} ${r.item} declined by ${r.signer}${as} for ${scope}: ${r.reason}`;
    const seq = 'seq' in r && typeof r.seq === 'number' ? `record ${r.seq} ` : 'record ';
    io.stdout.write(
      `${queued ? line.replace(/^\S+/, c.yellow('⏸')) : line} ${c.dim(`· ${seq}${r.hash.slice(0, 12)}`)}${queued ? ' — queued, not yet in the ledger' : ''}\n`,
    );
  }
  if (queued) io.stderr.write(`${queued}\n`);
  else io.stdout.write(c.dim(`ledger ${displayPath(ledger.location, io.cwd)}\n`));
  return 0;
}

/** The named manual items, in the order given, each once. Unknown or automated items are usage errors. */
function pickItems(checklist: LoadedChecklist, ids: string[]): PlannedItem[] {
  const byId = new Map(checklist.items.map((it) => [it.id, it]));
  const picked = new Map<string, PlannedItem>();
  for (const id of ids) {
    const item = byId.get(id);
    if (!item) {
      const manual = checklist.items.filter((it) => it.manual).map((it) => it.id);
      const hint = suggest(id, manual);
      throw new UsageError(
        `unknown item "${id}" in checklist ${checklist.definition.id}${hint ? ` (did you mean "${hint}"?)` : ''}; its manual items are ${manual.join(', ') || '(none)'}`,
      );
    }
    if (!item.manual) throw new UsageError(`${id} is an automated item (probe ${item.kind}): only manual items take a sign-off`);
    picked.set(id, item);
  }
  return [...picked.values()];
}
