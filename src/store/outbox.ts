import { mkdirSync } from 'node:fs';
import { mkdir, readdir, readFile, rm } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { z } from 'zod';
import { removeStaleTempFiles, writeFileAtomic, writeFileAtomicSync } from '../runlog/atomic-file.js';
import { linkedRecordSchema, type LinkedRecord } from '../signoff/linked.js';

/** The documented shape of a run id (runlog/write.ts newRunId). */
export const RUN_ID = /^\d{8}T\d{6}Z-[0-9a-f]{1,32}$/;

/** Where uploads wait while a store is unreachable, relative to the working directory. */
export const DEFAULT_OUTBOX = '.sfdeploy/outbox';

/**
 * One upload waiting in the outbox: a sign-off sealed while the ledger was unreachable (`signoff --offline`), or
 * a run log whose upload to the log store failed. File names are derived from what they hold, so queueing the same
 * thing twice keeps one entry.
 */
export const outboxEntrySchema = z.discriminatedUnion('kind', [
  z.strictObject({
    v: z.literal(1),
    kind: z.literal('signoff'),
    /** The ledger, `s3://bucket/prefix`. */
    store: z.string(),
    queuedAt: z.iso.datetime(),
    record: linkedRecordSchema,
  }),
  z.strictObject({
    v: z.literal(1),
    kind: z.literal('run'),
    /** The log store, `s3://bucket/prefix`. */
    store: z.string(),
    queuedAt: z.iso.datetime(),
    /** The run's id, `20261129T112656Z-3f9a1c`. */
    runId: z.string().regex(RUN_ID, 'expected a run id such as 20261129T112656Z-3f9a1c'),
    /** The local run log to upload (absolute path): `<runId>.json` in the log directory, nothing else is uploaded. */
    file: z.string(),
  }),
]);

export type OutboxEntry = z.infer<typeof outboxEntrySchema>;

export interface QueuedEntry {
  /** The entry's file. */
  file: string;
  entry?: OutboxEntry | undefined;
  /** Why the file is not an entry. */
  error?: string | undefined;
}

export const resolveOutbox = (cwd: string): string => resolve(cwd, DEFAULT_OUTBOX);

const nameOf = (entry: OutboxEntry): string =>
  entry.kind === 'signoff' ? `signoff-${entry.record.hash.slice(0, 24)}.json` : `run-${entry.runId}.json`;

/** Queues a sign-off sealed offline; returns the entry's file. */
export async function queueSignoff(dir: string, store: string, record: LinkedRecord, now: Date): Promise<string> {
  return write(dir, { v: 1, kind: 'signoff', store, queuedAt: now.toISOString(), record });
}

/** Queues the upload of a run log. */
export async function queueRun(dir: string, store: string, runId: string, file: string, now: Date): Promise<string> {
  return write(dir, { v: 1, kind: 'run', store, queuedAt: now.toISOString(), runId, file });
}

/** The same, synchronously: the last step of a process about to exit (a second Ctrl-C). */
export function queueRunSync(dir: string, store: string, runId: string, file: string, now: Date): void {
  mkdirSync(dir, { recursive: true });
  const entry: OutboxEntry = { v: 1, kind: 'run', store, queuedAt: now.toISOString(), runId, file };
  writeFileAtomicSync(join(dir, nameOf(entry)), `${JSON.stringify(entry, null, 2)}\n`);
}

async function write(dir: string, entry: OutboxEntry): Promise<string> {
  await mkdir(dir, { recursive: true });
  const file = join(dir, nameOf(entry));
  await writeFileAtomic(file, `${JSON.stringify(entry, null, 2)}\n`);
  return file;
}

/** Everything queued, oldest first. Files that are not entries are returned with the reason. */
export async function readOutbox(dir: string): Promise<QueuedEntry[]> {
  await removeStaleTempFiles(dir);
  let names: string[];
  try {
    names = (await readdir(dir)).filter((n) => n.endsWith('.json') && !n.startsWith('.'));
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw e;
  }
  const out: QueuedEntry[] = [];
  for (const name of names) {
    const file = join(dir, name);
    let data: unknown;
    try {
      data = JSON.parse(await readFile(file, 'utf8'));
    } catch {
      out.push({ file, error: 'not valid JSON' });
      continue;
    }
    const parsed = outboxEntrySchema.safeParse(data);
    if (parsed.success) out.push({ file, entry: parsed.data });
    else
      out.push({
        file,
        error: `not an outbox entry (${parsed.error.issues[0]?.path.join('.') || 'entry'}: ${parsed.error.issues[0]?.message})`,
      });
  }
  const when = (q: QueuedEntry): string => q.entry?.queuedAt ?? '';
  return out.sort((a, b) => (when(a) < when(b) ? -1 : when(a) > when(b) ? 1 : a.file.localeCompare(b.file)));
}

export const removeEntry = (file: string): Promise<void> => rm(file, { force: true });
