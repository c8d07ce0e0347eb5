import { Chalk } from 'chalk';
import { resolve } from 'node:path';
import { SfdeployError } from '../errors.js';
import { readRunHistory } from '../runlog/read.js';
import { FileLedger, resolveLedgerPath } from '../signoff/ledger.js';
import { buildEnv } from './env-files.js';
import { displayPath, type CommandIO } from './io.js';

export interface VerifyOptions {
  ledger?: string | undefined;
  logDir?: string | undefined;
}

/**
 * `sfdeploy verify`: recomputes the ledger's hash chain. Exit 0 when intact, 1 naming the first edited,
 * inserted, deleted or reordered record. Run logs whose recorded ledger head is missing are warned about.
 */
export async function verify(opts: VerifyOptions, io: CommandIO): Promise<number> {
  const c = new Chalk({ level: io.color ? 1 : 0 });
  const env = buildEnv(io.env, io.cwd, [], []);
  const ledger = new FileLedger(resolveLedgerPath(opts.ledger, env, io.cwd));
  const shown = displayPath(ledger.location, io.cwd);
  const snapshot = await ledger.read();
  if (!snapshot.exists) throw new SfdeployError('E_NO_LEDGER', `no ledger at ${shown}: nothing was signed there (give --ledger PATH)`);
  if (snapshot.broken) {
    const intact = snapshot.records.length;
    io.stdout.write(`${c.red('✖')} ${shown}: ${snapshot.broken.message}\n`);
    io.stdout.write(c.dim(`  ${intact ? `the ${intact} record${intact === 1 ? '' : 's'} before line ${snapshot.broken.line} are intact; ` : ''}nothing from line ${snapshot.broken.line} on can be trusted\n`));
    return 1;
  }
  const n = snapshot.records.length;
  io.stdout.write(`${c.green('✔')} ${shown}: ${n} record${n === 1 ? '' : 's'}, chain intact${snapshot.head ? c.dim(` (head ${snapshot.head.slice(0, 12)})`) : ''}\n`);

  const logDir = resolve(io.cwd, opts.logDir ?? env.SFDEPLOY_LOG_DIR ?? '.sfdeploy/runs');
  const { runs } = await readRunHistory(logDir);
  const hashes = new Set(snapshot.records.map((r) => r.hash));
  for (const run of runs) {
    const head = run.context.ledgerHead;
    if (head && !hashes.has(head)) {
      io.stderr.write(
        `warning: run ${run.runId} relied on ledger head ${head.slice(0, 12)}, which ${shown} does not contain: records were deleted from its end, or that run used another ledger\n`,
      );
    }
  }
  return 0;
}
