import type { Env } from '../util/env.js';
import { isS3Url, parseS3Url } from '../store/s3.js';
import { FileLedger, resolveLedgerPath, type Ledger } from './ledger.js';
import { S3Ledger } from './s3-ledger.js';

/** Which ledger a command uses: `--ledger`, else `$SFDEPLOY_LEDGER`, else `.sfdeploy/signoffs.jsonl`; an `s3://` URL is the team ledger. */
export function openLedger(flag: string | undefined, env: Env, cwd: string, o: { checklist?: string | undefined } = {}): Ledger {
  const where = flag ?? (env.SFDEPLOY_LEDGER || undefined);
  if (isS3Url(where))
    return new S3Ledger(parseS3Url(where, flag !== undefined ? '--ledger' : 'SFDEPLOY_LEDGER'), env, { checklist: o.checklist });
  return new FileLedger(resolveLedgerPath(flag, env, cwd));
}
