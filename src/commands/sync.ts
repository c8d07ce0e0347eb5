import { Chalk } from 'chalk';
import { readFile } from 'node:fs/promises';
import { SfdeployError, StoreError } from '../errors.js';
import { hashLinked, linkedRecordSchema, type LinkedRecord } from '../signoff/linked.js';
import { S3Ledger } from '../signoff/s3-ledger.js';
import { RunLogStore } from '../runlog/store.js';
import { readOutbox, removeEntry, resolveOutbox, type OutboxEntry } from '../store/outbox.js';
import { parseS3Url } from '../store/s3.js';
import { buildEnv } from './env-files.js';
import { displayPath, type CommandIO } from './io.js';

/**
 * `sfdeploy sync`: uploads what waits in `.sfdeploy/outbox/` — sign-offs queued by `signoff --offline`, run logs
 * whose upload failed — each to the store it was queued for, and removes it once the store holds it. Idempotent:
 * a record already at its key counts as uploaded, so running it again (or after a crash) never duplicates anything.
 * Exit 0 when the outbox is empty afterwards, 1 when something is left.
 */
export async function sync(_opts: Record<string, never>, io: CommandIO): Promise<number> {
  const c = new Chalk({ level: io.color ? 1 : 0 });
  const env = buildEnv(io.env, io.cwd, [], []);
  const outbox = resolveOutbox(io.cwd);
  const shownOutbox = displayPath(outbox, io.cwd);
  const queued = await readOutbox(outbox, linkedRecordSchema);
  if (!queued.length) {
    io.stdout.write(`nothing to sync: ${shownOutbox} is empty\n`);
    return 0;
  }
  /** Stores found unreachable in this sync: their other entries wait for the next one. */
  const down = new Map<string, string>();
  let left = 0;
  let uploaded = 0;
  let already = 0;
  for (const { file, entry, error } of queued) {
    const name = displayPath(file, io.cwd);
    if (!entry) {
      left++;
      io.stdout.write(`${c.red('✖')} ${name}: ${error}; left in place\n`);
      continue;
    }
    const what = describe(entry);
    const unreachable = down.get(entry.store);
    if (unreachable) {
      left++;
      io.stdout.write(`${c.yellow('⏸')} ${what}: still queued (${unreachable})\n`);
      continue;
    }
    try {
      const done = await upload(entry, env);
      await removeEntry(file);
      if (done.result === 'already') already++;
      else uploaded++;
      io.stdout.write(`${c.green('✔')} ${what} → ${done.where}${done.result === 'already' ? c.dim(' (already there)') : ''}\n`);
    } catch (e) {
      if (!(e instanceof SfdeployError)) throw e;
      left++;
      if (e instanceof StoreError && e.unreachable) down.set(entry.store, e.message);
      io.stdout.write(`${c.red('✖')} ${what}: ${e.message}; still queued\n`);
    }
  }
  io.stdout.write(c.dim(`${uploaded} uploaded${already ? `, ${already} already there` : ''}, ${left} left in ${shownOutbox}\n`));
  return left ? 1 : 0;
}

function describe(entry: OutboxEntry<LinkedRecord>): string {
  if (entry.kind === 'run') return `run log ${entry.runId}`;
  const r = entry.record;
  const scope = `${r.release ?? 'no release'}${r.environment ? ` (${r.environment})` : ''}`;
  return `${r.checklist} ${r.item} ${r.decision === 'confirmed' ? 'signed' : 'declined'} by ${r.signer} for ${scope}`;
}

async function upload(
  entry: OutboxEntry<LinkedRecord>,
  env: Record<string, string | undefined>,
): Promise<{ where: string; result: 'uploaded' | 'already' }> {
  const location = parseS3Url(entry.store, 'the outbox entry store');
  if (entry.kind === 'signoff') {
    if (hashLinked(entry.record) !== entry.record.hash)
      throw new SfdeployError('E_OUTBOX_ENTRY', 'it was edited after it was queued (its content no longer matches its hash); not uploaded');
    const ledger = new S3Ledger(location, env);
    const result = await ledger.upload(entry.record);
    return { where: `s3://${location.bucket}/${ledger.keyOf(entry.record)}`, result };
  }
  let text: string;
  try {
    text = await readFile(entry.file, 'utf8');
  } catch (e) {
    throw new SfdeployError('E_OUTBOX_ENTRY', `cannot read ${entry.file}: ${(e as Error).message}`);
  }
  const store = new RunLogStore(location, env);
  const result = await store.upload(entry.runId, text);
  return { where: `s3://${location.bucket}/${store.keyOf(entry.runId)}`, result };
}
