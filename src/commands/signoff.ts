import { Chalk } from 'chalk';
import { loadChecklistFile } from '../checklist/load.js';
import type { LoadedChecklist, PlannedItem } from '../checklist/model.js';
import { suggest } from '../checklist/describe.js';
import { SfdeployError, StoreError, UsageError } from '../errors.js';
import { currentHost, currentUser, readGitState } from '../runlog/context.js';
import { checkRoleOption, roleLabel, rolesFor } from '../signoff/approvals.js';
import { matchSelectors } from '../checklist/select.js';
import { Assessor, findSignoff, type Target } from '../signoff/carry-over.js';
import type { RecordDraft, SignoffRecord } from '../signoff/chain.js';
import { resolveSigner } from '../signoff/identity.js';
import type { Ledger } from '../signoff/ledger.js';
import { openLedger } from '../signoff/open.js';
import { S3Ledger, signAll } from '../signoff/s3-ledger.js';
import {
  createSshSigner,
  loadSignatureRules,
  resolveSigningKey,
  selfChecking,
  SIGN_HINT,
  signaturePolicy,
  SignatureRules,
} from '../signoff/signature.js';
import { resolveTarget, UNKNOWN_RELEASE } from '../signoff/target.js';
import { queueSignoff, resolveOutbox } from '../store/outbox.js';
import { createRedactor } from '../util/redact.js';
import { probeSecretValues } from '../runner/secret-values.js';
import { buildEnv } from './env-files.js';
import { warnIfRewritten } from './rewritten.js';
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
  /** SSH key to sign the records with: a key file, a public key in ssh-agent, or `key::ssh-ed25519 …`. */
  signingKey?: string | undefined;
  envFile: string[];
  var: string[];
  /** Batch: every manual item of these sections that is not signed yet. */
  section?: string[] | undefined;
  /** Batch: every manual item with these tags that is not signed yet. */
  tag?: string[] | undefined;
  /** Batch: every manual item that is pending for this release and environment. */
  allPending?: boolean | undefined;
  /** Withdraw what stands for the items (a confirmation or a decline); needs `reason`. */
  withdraw?: boolean | undefined;
}

/** `sfdeploy signoff <checklist> <item-id...>`: records sign-offs (or a decline) in the ledger without running probes. */
export async function signoff(ref: string, itemIds: string[], opts: SignoffOptions, io: CommandIO): Promise<number> {
  const reason = opts.reason?.trim();
  if (opts.decline && opts.withdraw) throw new UsageError('--decline and --withdraw do not go together');
  if (opts.decline && !reason) throw new UsageError('--decline needs --reason "why it is not done"');
  if (opts.withdraw && !reason) throw new UsageError('--withdraw needs --reason "why it no longer stands"');
  if (!opts.decline && !opts.withdraw && opts.reason !== undefined)
    throw new UsageError('--reason goes with --decline or --withdraw; to comment on a confirmation use --note');
  const batch = !!(opts.section?.length || opts.tag?.length || opts.allPending);
  if (batch && itemIds.length) throw new UsageError('name items, or choose them with --section, --tag or --all-pending, not both');
  if (!batch && !itemIds.length) throw new UsageError('name the items to sign, or choose them with --section, --tag or --all-pending');
  const env = buildEnv(io.env, io.cwd, opts.envFile, opts.var);
  const checklist = await loadChecklistFile(resolveChecklist(ref, io.cwd, io.config?.checklists), {
    cwd: io.cwd,
    env,
    environment: opts.environment ?? env.SFDEPLOY_ENVIRONMENT,
    aliases: io.config?.vars,
  });
  checkRoleOption(checklist.definition, opts.role);
  const named = batch ? batchCandidates(checklist, opts) : pickItems(checklist, itemIds);

  const git = await readGitState(io.cwd);
  const redact = createRedactor(env, checklist.secretNames, probeSecretValues(checklist.items));
  const resolved = resolveTarget(opts, env, git.describe, redact);
  if (resolved.releaseUnknown) throw new UsageError(`nothing was signed: ${UNKNOWN_RELEASE}`);
  const target: Target = { checklist: checklist.definition.id, release: resolved.release, environment: resolved.environment };
  const signer = await resolveSigner(opts.by, io.cwd, currentUser(env));
  const roles = checklist.definition.roles;
  const now = new Date();
  const host = currentHost();
  const c = new Chalk({ level: io.color ? 1 : 0 });
  const scope = `${target.release ?? 'no release'}${target.environment ? ` (${target.environment})` : ''}`;

  /** The items this command signs, given the ledger: batch selections leave out what is signed (or, for --all-pending, not pending). */
  const chosen = (records: readonly SignoffRecord[]): PlannedItem[] => {
    if (!batch) return named;
    const assessor = new Assessor(checklist, target, records, () => now, rules);
    const picked = named.filter((item) => {
      const status = assessor.assess(item).status;
      return opts.allPending ? status === 'pending' : status !== 'signed';
    });
    if (!picked.length)
      throw new UsageError(`nothing to sign: every item chosen is ${opts.allPending ? 'signed or declined' : 'signed'} for ${scope}`);
    return picked;
  };
  const standing = (records: readonly SignoffRecord[], item: PlannedItem): SignoffRecord => {
    const found = findSignoff(records, item, checklist, target, now);
    const r = found.record;
    const bound = r && r.definitionHash === item.definitionHash && r.release === target.release && r.environment === target.environment;
    if (!r || !bound || r.decision === 'withdrawn') {
      const why = found.status === 'pending' ? ` (${found.reason})` : '';
      throw new UsageError(`nothing to withdraw: ${item.id} has no confirmation or decline for ${scope}${why}`);
    }
    return r;
  };
  const draftFor = (item: PlannedItem, records: readonly SignoffRecord[]): RecordDraft => {
    const choice = rolesFor(item, roles, signer, opts.role);
    if (!choice.ok) throw new SfdeployError('E_SIGNOFF_REJECTED', `rejected: ${choice.reason}`);
    if (choice.roles.length > 1) {
      throw new UsageError(
        `${item.id} can be signed as ${choice.roles.map((r) => roleLabel(roles, r!)).join(' or ')}: say which with --role`,
      );
    }
    if (!opts.decline && !opts.withdraw && item.manual?.evidence === 'required' && !opts.evidence?.trim() && !opts.note?.trim()) {
      throw new UsageError(`${item.id} requires evidence: add --evidence <url> or --note "what you checked"`);
    }
    return {
      checklist: target.checklist,
      item: item.id,
      definitionHash: item.definitionHash,
      release: target.release,
      environment: target.environment,
      decision: opts.decline ? 'declined' : opts.withdraw ? 'withdrawn' : 'confirmed',
      signer: signer.display,
      role: choice.roles[0] ?? null,
      note: opts.note?.trim() ? redact(opts.note.trim()) : null,
      reason: opts.decline || opts.withdraw ? redact(reason!) : null,
      evidence: opts.evidence?.trim() ? redact(opts.evidence.trim()) : null,
      ...(opts.withdraw && { withdraws: standing(records, item).hash }),
      at: now.toISOString(),
      host,
    };
  };

  const ledger = openLedger(opts.ledger, env, io.cwd, { checklist: target.checklist });
  await warnIfRewritten(ledger, target.checklist, env, io);
  const key = await resolveSigningKey(opts.signingKey, env, io.cwd);
  const rules = signaturePolicy(checklist, env, io.cwd)
    ? await loadSignatureRules(checklist, await readForSignatures(ledger), env, io.cwd, target)
    : new SignatureRules(undefined, roles);
  const sign = key ? selfChecking(await createSshSigner(key, env, io.cwd), rules, env) : undefined;
  let shown = false;
  const check = (records: readonly SignoffRecord[]): RecordDraft[] => {
    const items = chosen(records);
    const drafts = items.map((item) => draftFor(item, records));
    const needsKey = drafts.find((d) => rules.requires(d.role));
    if (needsKey && !key) {
      throw new SfdeployError(
        'E_SIGNOFF_REJECTED',
        `rejected: ${needsKey.item}: ${rules.describe(needsKey.role)} accepts only signed sign-offs, and --by alone proves nothing: ${SIGN_HINT}`,
      );
    }
    if (batch && !shown) {
      shown = true;
      const verb = opts.decline ? 'Declining' : opts.withdraw ? 'Withdrawing' : 'Signing';
      io.stdout.write(`${verb} ${items.length} item${items.length === 1 ? '' : 's'} as ${signer.display} for ${scope}:\n`);
      for (const item of items)
        io.stdout.write(`  ${item.id}  ${c.dim(`${item.title} — ${item.manual!.instructions.trim().split('\n')[0]}`)}\n`);
    }
    if (opts.decline || opts.withdraw) return drafts;
    const assessor = new Assessor(checklist, target, records, () => now, rules);
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
    written = await ledger.append((current) => check(current.records), sign);
  } catch (e) {
    if (!(e instanceof StoreError && e.unreachable && ledger instanceof S3Ledger)) throw e;
    if (!opts.offline) {
      throw new StoreError(
        ledger.location,
        `${e.reason}; nothing was signed (with --offline the sign-off is queued locally for \`sfdeploy sync\`)`,
        true,
      );
    }
    const sealed = await signAll(ledger.seal(check([]), undefined), sign);
    const outbox = resolveOutbox(io.cwd);
    for (const record of sealed) await queueSignoff(outbox, ledger.location, record, now);
    written = sealed;
    queued = `${e.message}; queued in ${displayPath(outbox, io.cwd)}: run \`sfdeploy sync\` to upload`;
  }

  for (const r of written) {
    const as = r.role ? ` as ${roleLabel(roles, r.role)}` : '';
    const line =
      r.decision === 'confirmed'
        ? `${c.cyan('✔')} ${r.item} signed by ${r.signer}${as} for ${scope}`
        : r.decision === 'withdrawn'
          ? `${c.yellow('↺')} ${r.item}: ${r.signer} withdrew record ${r.withdraws?.slice(0, 12)} for ${scope}: ${r.reason}`
          : `${c.red('✖')} ${r.item} declined by ${r.signer}${as} for ${scope}: ${r.reason}`;
    const seq = 'seq' in r && typeof r.seq === 'number' ? `record ${r.seq} ` : 'record ';
    const verdict = rules.verdict(r);
    const signed = verdict?.ok
      ? ` ${c.dim(`· signed by ${verdict.principal}'s key ${verdict.fingerprint ?? ''}`.trimEnd())}`
      : r.signature
        ? ` ${c.dim('· signed')}`
        : '';
    io.stdout.write(
      `${queued ? line.replace(/^\S+/, c.yellow('⏸')) : line} ${c.dim(`· ${seq}${r.hash.slice(0, 12)}`)}${signed}${queued ? ' — queued, not yet in the ledger' : ''}\n`,
    );
  }
  if (queued) io.stderr.write(`${queued}\n`);
  else io.stdout.write(c.dim(`ledger ${displayPath(ledger.location, io.cwd)}\n`));
  return 0;
}

/** The enabled manual items of the sections and tags chosen (all of them for --all-pending alone), in checklist order. */
function batchCandidates(checklist: LoadedChecklist, opts: SignoffOptions): PlannedItem[] {
  const selectors = [...(opts.section ?? []).map((s) => `section:${s}`), ...(opts.tag ?? []).map((t) => `tag:${t}`)];
  const ids = selectors.length ? matchSelectors(checklist.items, selectors) : undefined;
  const items = checklist.items.filter((it) => it.manual && it.enabled && (!ids || ids.has(it.id)));
  if (!items.length) throw new UsageError(`no manual item to sign in ${selectors.join(', ') || `checklist ${checklist.definition.id}`}`);
  return items;
}

/** The records whose signatures the two-person rule needs checked; none when an S3 ledger is unreachable (see --offline). */
async function readForSignatures(ledger: Ledger): Promise<readonly SignoffRecord[]> {
  try {
    return (await ledger.read()).records;
  } catch (e) {
    if (e instanceof StoreError) return [];
    throw e;
  }
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
