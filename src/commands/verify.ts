import { Chalk, type ChalkInstance } from 'chalk';
import { SfdeployError } from '../errors.js';
import type { RunLog } from '../runner/types.js';
import { openRunHistory } from '../runlog/history.js';
import type { Env } from '../util/env.js';
import { digestOf, recordPath } from '../signoff/linked.js';
import { openLedger } from '../signoff/open.js';
import { S3Ledger } from '../signoff/s3-ledger.js';
import { buildEnv } from './env-files.js';
import { reportSignatures, type SignatureOptions } from './verify-signatures.js';
import { displayPath, type CommandIO } from './io.js';

export interface VerifyOptions extends SignatureOptions {
  ledger?: string | undefined;
  logDir?: string | undefined;
  /** Also cross-check the run logs of the team's log store. */
  logStore?: string | undefined;
}

/**
 * `sfdeploy verify`: recomputes the ledger's hashes. File ledger: the chain — exit 0 when intact, 1 naming the
 * first edited, inserted, deleted or reordered record, or each run log (local, or in the log store) that recorded a
 * head or relied on a record the chain no longer contains (rewritten with recomputed hashes, or cut at its end).
 * S3 ledger: every record — exit 1 listing each edited, moved or unreadable object, each record that saw a record no
 * longer there, and each run log that relied on a record that is gone; it lists what every run log relied on.
 */
export async function verify(opts: VerifyOptions, io: CommandIO): Promise<number> {
  const c = new Chalk({ level: io.color ? 1 : 0 });
  const env = buildEnv(io.env, io.cwd, [], []);
  const ledger = openLedger(opts.ledger, env, io.cwd);
  const history = openRunHistory(opts, env, io.cwd);
  const shown = displayPath(ledger.location, io.cwd);
  if (ledger instanceof S3Ledger) return verifyLinkedLedger(ledger, await history.read(), io, c, opts, env);
  const snapshot = await ledger.read();
  if (!snapshot.exists) throw new SfdeployError('E_NO_LEDGER', `no ledger at ${shown}: nothing was signed there (give --ledger PATH)`);
  if (snapshot.broken) {
    const intact = snapshot.records.length;
    io.stdout.write(`${c.red('✖')} ${shown}: ${snapshot.broken.message}\n`);
    io.stdout.write(
      c.dim(
        `  ${intact ? `the ${intact} record${intact === 1 ? '' : 's'} before line ${snapshot.broken.line} are intact; ` : ''}nothing from line ${snapshot.broken.line} on can be trusted\n`,
      ),
    );
    return 1;
  }
  const n = snapshot.records.length;
  io.stdout.write(
    `${c.green('✔')} ${shown}: ${n} record${n === 1 ? '' : 's'}, chain intact${snapshot.head ? c.dim(` (head ${snapshot.head.slice(0, 12)})`) : ''}\n`,
  );

  const badSignatures = await reportSignatures(
    snapshot.entries.flatMap((e) => (e.record ? [{ record: e.record, name: `record ${e.record.seq} (line ${e.line})` }] : [])),
    shown,
    opts,
    env,
    io,
    c,
  );

  const { runs, warnings } = await history.read();
  for (const w of warnings) io.stderr.write(`warning: ${w}\n`);
  const hashes = new Set(snapshot.records.map((r) => r.hash));
  let rewritten = 0;
  for (const run of [...runs].reverse()) {
    if (run.context.ledger) continue;
    const head = run.context.ledgerHead;
    const lines: string[] = [];
    if (head && !hashes.has(head)) lines.push(`recorded ledger head ${head.slice(0, 12)}`);
    for (const item of run.items) {
      const record = item.signoff?.record;
      if (record && !hashes.has(record)) {
        const what = item.signoff!.decision === 'confirmed' ? 'signed' : 'declined';
        lines.push(`relied on record ${record.slice(0, 12)} (${item.id}, ${what} by ${item.signoff!.by})`);
      }
    }
    if (!lines.length) continue;
    rewritten++;
    for (const line of lines) io.stdout.write(`${c.red('✖')} run ${run.runId} ${line}, which ${shown} no longer contains\n`);
  }
  if (!rewritten) return badSignatures ? 1 : 0;
  io.stdout.write(
    c.dim(
      `  ${plural(rewritten, 'run log')} saw records this ledger no longer holds: records were edited and every later hash recomputed, or deleted from its end (or those runs used another ledger file)\n`,
    ),
  );
  return 1;
}

const plural = (n: number, word: string): string => `${n} ${word}${n === 1 ? '' : 's'}`;

async function verifyLinkedLedger(
  ledger: S3Ledger,
  history: { runs: RunLog[]; warnings: string[] },
  io: CommandIO,
  c: ChalkInstance,
  opts: SignatureOptions,
  env: Env,
): Promise<number> {
  const snapshot = await ledger.read();
  const where = ledger.location;
  if (!snapshot.exists)
    throw new SfdeployError('E_NO_LEDGER', `no ledger at ${where}: nothing was signed there (give --ledger s3://bucket/prefix)`);
  const problems = snapshot.problems ?? [];
  const n = snapshot.records.length;
  if (!problems.length) {
    io.stdout.write(
      `${c.green('✔')} ${where}: ${plural(n, 'record')}, every hash intact, no record missing${snapshot.head ? c.dim(` (digest ${snapshot.head.slice(0, 12)})`) : ''}\n`,
    );
  } else {
    for (const p of problems) io.stdout.write(`${c.red('✖')} ${where}: ${p.message}\n`);
    const damaged = problems.filter((p) => p.kind === 'edited' || p.kind === 'unreadable').length;
    io.stdout.write(c.dim(`  ${plural(n, 'record')} intact${damaged ? `, ${damaged} ignored` : ''}\n`));
  }
  for (const w of history.warnings) io.stderr.write(`warning: ${w}\n`);
  const badSignatures = await reportSignatures(
    snapshot.records.map((r) => ({ record: r, name: recordPath(r) })),
    where,
    opts,
    env,
    io,
    c,
  );

  const present = new Set(snapshot.records.map((r) => r.hash));
  const edited = new Map(problems.flatMap((p) => (p.claimed ? [[p.claimed, p.path] as const] : [])));
  let failed = problems.length > 0 || badSignatures;
  for (const run of history.runs.filter((r) => r.context.ledger === where).reverse()) {
    failed = reportRun(run, present, edited, where, io, c) || failed;
  }
  return failed ? 1 : 0;
}

/** Lists what a run relied on; returns true when some of it is gone. */
function reportRun(
  run: RunLog,
  present: ReadonlySet<string>,
  edited: ReadonlyMap<string, string>,
  where: string,
  io: CommandIO,
  c: ChalkInstance,
): boolean {
  const byHash = new Map(run.items.filter((i) => i.signoff?.record).map((i) => [i.signoff!.record!, i]));
  const relied = [...new Set([...(run.context.ledgerRecords ?? []), ...byHash.keys()])].sort();
  const missing = relied.filter((h) => !present.has(h));
  const digestOk =
    !run.context.ledgerRecords ||
    (run.context.ledgerRecords.length ? digestOf(run.context.ledgerRecords) : null) === (run.context.ledgerHead ?? null);
  const used = [...byHash.values()].map(
    (i) => `${i.id} (${i.signoff!.decision === 'confirmed' ? 'signed' : 'declined'} by ${i.signoff!.by})`,
  );
  const summary = `run ${run.runId} relied on ${relied.length ? plural(relied.length, 'record') : 'no records'}${run.context.ledgerHead ? ` (digest ${run.context.ledgerHead.slice(0, 12)})` : ''}${used.length ? `: ${used.join(', ')}` : ''}`;
  if (!missing.length && digestOk) {
    io.stdout.write(`${c.green('✔')} ${summary} — all present\n`);
    return false;
  }
  io.stdout.write(`${c.red('✖')} ${summary}\n`);
  if (!digestOk)
    io.stdout.write(`${c.red('✖')} run ${run.runId}: its ledger digest does not match its list of records: the run log was edited\n`);
  for (const h of missing) {
    const item = byHash.get(h);
    const what = item ? ` (${item.id}, ${item.signoff!.decision === 'confirmed' ? 'signed' : 'declined'} by ${item.signoff!.by})` : '';
    const path = edited.get(h);
    const how = path ? `which was edited (${path})` : `which is not in ${where} (deleted, or rewritten under another hash)`;
    io.stdout.write(`${c.red('✖')} run ${run.runId} relied on record ${h.slice(0, 12)}${what}, ${how}\n`);
  }
  return true;
}
