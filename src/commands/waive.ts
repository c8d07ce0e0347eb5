import { Chalk } from 'chalk';
import { loadChecklistFile } from '../checklist/load.js';
import type { LoadedChecklist, PlannedItem } from '../checklist/model.js';
import { suggest } from '../checklist/describe.js';
import { SfdeployError, UsageError } from '../errors.js';
import { currentHost, currentUser, readGitState } from '../runlog/context.js';
import { checkRoleOption, roleLabel } from '../signoff/approvals.js';
import type { RecordDraft, SignoffRecord } from '../signoff/chain.js';
import { resolveSigner } from '../signoff/identity.js';
import { openLedger } from '../signoff/open.js';
import { resolveTarget, UNKNOWN_RELEASE } from '../signoff/target.js';
import { findWaiver, MAX_WAIVER_MS, waiverRole } from '../signoff/waivers.js';
import { formatDuration, parseDuration } from '../util/duration.js';
import { createRedactor } from '../util/redact.js';
import { buildEnv } from './env-files.js';
import { warnIfRewritten } from './rewritten.js';
import { displayPath, resolveChecklist, type CommandIO } from './io.js';

export interface WaiveOptions {
  reason?: string | undefined;
  /** How long the waiver lasts, such as `7d`; at most 90 days. */
  expires?: string | undefined;
  /** Withdraw the waiver in force instead. */
  withdraw?: boolean | undefined;
  by?: string | undefined;
  role?: string | undefined;
  evidence?: string | undefined;
  /** A release, a pattern (`v1.2.*`), `*` for any, or `none`. */
  release?: string | undefined;
  /** An environment, or `*` for any. */
  environment?: string | undefined;
  ledger?: string | undefined;
  envFile: string[];
  var: string[];
}

/** `sfdeploy waive <checklist> <item-id...>`: records a dated waiver of failing automated items, or withdraws one. */
export async function waive(ref: string, itemIds: string[], opts: WaiveOptions, io: CommandIO): Promise<number> {
  const reason = opts.reason?.trim();
  if (!reason) throw new UsageError(`${opts.withdraw ? '--withdraw' : 'a waiver'} needs --reason "why"`);
  let expiresMs: number | undefined;
  if (!opts.withdraw) {
    if (opts.expires === undefined) throw new UsageError('a waiver needs --expires <duration> (such as 7d): waivers never last for ever');
    expiresMs = parseDuration(opts.expires);
    if (!expiresMs || expiresMs > MAX_WAIVER_MS) {
      throw new UsageError(`--expires expects a duration from 1s to 90d, such as 12h or 7d, got "${opts.expires}"`);
    }
  } else if (opts.expires !== undefined) throw new UsageError('--expires goes with a new waiver, not with --withdraw');
  const env = buildEnv(io.env, io.cwd, opts.envFile, opts.var);
  const checklist = await loadChecklistFile(resolveChecklist(ref, io.cwd), { cwd: io.cwd, env });
  checkRoleOption(checklist.definition, opts.role);
  const items = pickAutomated(checklist, itemIds);
  const git = await readGitState(io.cwd);
  const redact = createRedactor(env, checklist.secretNames);
  const scope = resolveTarget(opts, env, git.describe, redact);
  if (scope.releaseUnknown) throw new UsageError(`nothing was waived: ${UNKNOWN_RELEASE} (or '*' for any release)`);
  const signer = await resolveSigner(opts.by, io.cwd, currentUser(env));
  const now = new Date();
  const target = { checklist: checklist.definition.id, release: scope.release, environment: scope.environment };
  const drafts = (records: readonly SignoffRecord[]): RecordDraft[] =>
    items.map((item) => {
      const choice = waiverRole(checklist, item, signer, opts.role);
      if (!choice.ok) throw new SfdeployError('E_WAIVER_REJECTED', `rejected: ${choice.reason}`);
      const base = {
        checklist: target.checklist,
        item: item.id,
        definitionHash: item.definitionHash,
        release: target.release,
        environment: target.environment,
        signer: signer.display,
        role: choice.role,
        note: null,
        reason: redact(reason),
        evidence: opts.evidence?.trim() ? redact(opts.evidence.trim()) : null,
        at: now.toISOString(),
        host: currentHost(),
      };
      if (!opts.withdraw) return { ...base, decision: 'waived', expires: new Date(now.getTime() + expiresMs!).toISOString() };
      const inForce = records.filter(
        (r) =>
          r.decision === 'waived' &&
          r.item === item.id &&
          r.checklist === target.checklist &&
          r.release === target.release &&
          r.environment === target.environment,
      );
      const found = findWaiver(inForce, item, checklist, target, now);
      if (found?.status !== 'valid')
        throw new UsageError(`nothing to withdraw: no waiver of ${item.id} is in force for these release and environment`);
      return { ...base, decision: 'withdrawn', withdraws: found.waiver.record };
    });
  const ledger = openLedger(opts.ledger, env, io.cwd, { checklist: target.checklist });
  await warnIfRewritten(ledger, target.checklist, env, io);
  const written = await ledger.append((current) => drafts(current.records));
  const c = new Chalk({ level: io.color ? 1 : 0 });
  const shown = (v: string | null, none: string) => (v === '*' ? 'any' : (v ?? none));
  for (const r of written) {
    const as = r.role ? ` as ${roleLabel(checklist.definition.roles, r.role)}` : '';
    const where = `release ${shown(r.release, 'none')}, environment ${shown(r.environment, 'none')}`;
    io.stdout.write(
      r.decision === 'waived'
        ? `${c.blue('⊘')} ${r.item} waived by ${r.signer}${as} for ${where} until ${r.expires} (${formatDuration(expiresMs!)}): ${r.reason} ${c.dim(`· ${r.hash.slice(0, 12)}`)}\n`
        : `${c.yellow('↺')} ${r.item}: ${r.signer} withdrew waiver ${r.withdraws?.slice(0, 12)}: ${r.reason} ${c.dim(`· ${r.hash.slice(0, 12)}`)}\n`,
    );
  }
  io.stdout.write(c.dim(`ledger ${displayPath(ledger.location, io.cwd)}\n`));
  return 0;
}

function pickAutomated(checklist: LoadedChecklist, ids: string[]): PlannedItem[] {
  const byId = new Map(checklist.items.map((it) => [it.id, it]));
  const picked = new Map<string, PlannedItem>();
  for (const id of ids) {
    const item = byId.get(id);
    if (!item) {
      const automated = checklist.items.filter((it) => it.probe).map((it) => it.id);
      const hint = suggest(id, automated);
      throw new UsageError(`unknown item "${id}" in checklist ${checklist.definition.id}${hint ? ` (did you mean "${hint}"?)` : ''}`);
    }
    if (!item.probe)
      throw new UsageError(`${id} is a manual item: sign it or decline it (sfdeploy signoff); only automated items are waived`);
    picked.set(id, item);
  }
  return [...picked.values()];
}
