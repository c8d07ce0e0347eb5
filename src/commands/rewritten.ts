import type { Ledger } from '../signoff/ledger.js';
import type { SignoffRecord } from '../signoff/chain.js';
import { rewrittenSince, reusesSignoffs, type RewrittenLedger } from '../signoff/cross-check.js';
import { S3Ledger } from '../signoff/s3-ledger.js';
import { openRunHistory } from '../runlog/history.js';
import type { Env } from '../util/env.js';
import { SfdeployError } from '../errors.js';
import { displayPath, type CommandIO } from './io.js';

/**
 * Whether the run history shows the ledger lost records an earlier run saw (as `check` refuses its sign-offs then),
 * with why; the runs are named on stderr.
 */
export async function rewrittenIn(
  ledger: Ledger,
  records: readonly SignoffRecord[],
  checklist: string,
  opts: { logDir?: string | undefined; logStore?: string | undefined },
  env: Env,
  cwd: string,
  shown: string,
  io: CommandIO,
): Promise<RewrittenLedger | undefined> {
  if (!reusesSignoffs(records, checklist)) return undefined;
  const { runs, warnings } = await openRunHistory(opts, env, cwd).read();
  for (const w of warnings) io.stderr.write(`warning: ${w}\n`);
  const found = await rewrittenSince(ledger, records, runs, ledger instanceof S3Ledger ? ledger.location : shown);
  for (const line of found?.lines ?? []) io.stderr.write(`warning: ${line}\n`);
  return found;
}

/**
 * Before `signoff` or `waive` writes: warns, never stops, when the ledger lost records an earlier run saw, since
 * `check` refuses that ledger's sign-offs, the new one included. A ledger or history that cannot be read says nothing
 * here (the write itself reports an unreachable ledger).
 */
export async function warnIfRewritten(ledger: Ledger, checklist: string, env: Env, io: CommandIO): Promise<void> {
  try {
    const snapshot = await ledger.read();
    const shown = displayPath(ledger.location, io.cwd);
    const found = await rewrittenIn(ledger, snapshot.records, checklist, {}, env, io.cwd, shown, io);
    if (found) {
      io.stderr.write(
        `warning: ${found.fact}: \`sfdeploy check\` will not count what is signed in it now either, until the ledger is restored (run \`sfdeploy verify\`)\n`,
      );
    }
  } catch (e) {
    if (!(e instanceof SfdeployError)) throw e;
  }
}
