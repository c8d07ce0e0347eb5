import { Chalk, type ChalkInstance } from 'chalk';
import { SfdeployError } from '../errors.js';
import type { RunLog } from '../runner/types.js';
import { openRunHistory } from '../runlog/history.js';
import type { Env } from '../util/env.js';
import { crossCheckRuns, goneLines, REWRITTEN_NOTE, stillHolds, decidedBy, type RunCrossCheck } from '../signoff/cross-check.js';
import { recordPath } from '../signoff/linked.js';
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
  const rewritten = crossCheckRuns(snapshot.records, runs);
  for (const run of rewritten) for (const line of goneLines(run, shown, false)) io.stdout.write(`${c.red('✖')} ${line}\n`);
  if (!rewritten.length) return badSignatures ? 1 : 0;
  io.stdout.write(c.dim(`  ${plural(rewritten.length, 'run log')} ${REWRITTEN_NOTE}\n`));
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

  const edited = new Map(problems.flatMap((p) => (p.claimed ? [[p.claimed, p.path] as const] : [])));
  let failed = problems.length > 0 || badSignatures;
  for (const run of crossCheckRuns(snapshot.records, history.runs, where)) failed = reportRun(run, edited, where, io, c) || failed;
  return failed ? 1 : 0;
}

/** Lists what a run relied on; returns true when some of it is gone. */
function reportRun(run: RunCrossCheck, edited: ReadonlyMap<string, string>, where: string, io: CommandIO, c: ChalkInstance): boolean {
  const { relied, used } = run;
  const head = run.run.context.ledgerHead;
  const summary = `run ${run.run.runId} relied on ${relied.length ? plural(relied.length, 'record') : 'no records'}${head ? ` (digest ${head.slice(0, 12)})` : ''}${used.length ? `: ${used.map((i) => `${i.id} (${decidedBy(i)})`).join(', ')}` : ''}`;
  if (stillHolds(run)) {
    io.stdout.write(`${c.green('✔')} ${summary} — all present\n`);
    return false;
  }
  io.stdout.write(`${c.red('✖')} ${summary}\n`);
  for (const line of goneLines(run, where, true, edited)) io.stdout.write(`${c.red('✖')} ${line}\n`);
  return true;
}
