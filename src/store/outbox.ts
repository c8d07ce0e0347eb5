import { readdir, readFile, rm } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { z } from 'zod';
import { removeStaleTempFiles, writeFileAtomic, writeFileAtomicSync } from '../util/atomic-file.js';
import { makeDirectory, makeDirectorySync } from '../util/make-directory.js';

/** The documented shape of a run id (runlog/write.ts newRunId). */
export const RUN_ID = /^\d{8}T\d{6}Z-[0-9a-f]{1,32}$/;

/** Where uploads wait while a store is unreachable, relative to the working directory. */
export const DEFAULT_OUTBOX = '.sfdeploy/outbox';

/** What the outbox needs of a queued sign-off record: its hash names the file. The caller's schema checks the rest. */
export interface QueuedRecord {
  hash: string;
}

/**
 * One upload waiting in the outbox: a sign-off sealed while the ledger was unreachable (`signoff --offline`), or
 * a run log whose upload to the log store failed. File names are derived from what they hold, so queueing the same
 * thing twice keeps one entry.
 */
export type OutboxEntry<R extends QueuedRecord = QueuedRecord> =
  | {
      v: 1;
      kind: 'signoff';
      /** The ledger, `s3://bucket/prefix`. */
      store: string;
      queuedAt: string;
      record: R;
    }
  | {
      v: 1;
      kind: 'run';
      /** The log store, `s3://bucket/prefix`. */
      store: string;
      queuedAt: string;
      runId: string;
      /** The local run log to upload (absolute path): `<runId>.json` in the log directory, nothing else is uploaded. */
      file: string;
    };

/** The schema of an entry whose sign-off records `record` validates. */
const entrySchema = <R extends QueuedRecord>(record: z.ZodType<R>): z.ZodType<OutboxEntry<R>> =>
  z.discriminatedUnion('kind', [
    z.strictObject({ v: z.literal(1), kind: z.literal('signoff'), store: z.string(), queuedAt: z.iso.datetime(), record }),
    z.strictObject({
      v: z.literal(1),
      kind: z.literal('run'),
      store: z.string(),
      queuedAt: z.iso.datetime(),
      runId: z.string().regex(RUN_ID, 'expected a run id such as 20261129T112656Z-3f9a1c'),
      file: z.string(),
    }),
  ]);

export interface QueuedEntry<R extends QueuedRecord = QueuedRecord> {
  /** The entry's file. */
  file: string;
  entry?: OutboxEntry<R> | undefined;
  /** Why the file is not an entry. */
  error?: string | undefined;
}

export const resolveOutbox = (cwd: string): string => resolve(cwd, DEFAULT_OUTBOX);

const nameOf = (entry: OutboxEntry): string =>
  entry.kind === 'signoff' ? `signoff-${entry.record.hash.slice(0, 24)}.json` : `run-${entry.runId}.json`;

/** Queues a sign-off sealed offline; returns the entry's file. */
export async function queueSignoff(dir: string, store: string, record: QueuedRecord, now: Date): Promise<string> {
  return write(dir, { v: 1, kind: 'signoff', store, queuedAt: now.toISOString(), record });
}

/** Queues the upload of a run log. */
export async function queueRun(dir: string, store: string, runId: string, file: string, now: Date): Promise<string> {
  return write(dir, { v: 1, kind: 'run', store, queuedAt: now.toISOString(), runId, file });
}

/** The same, synchronously: the last step of a process about to exit (a second Ctrl-C). */
export function queueRunSync(dir: string, store: string, runId: string, file: string, now: Date): void {
  makeDirectorySync(dir);
  const entry: OutboxEntry = { v: 1, kind: 'run', store, queuedAt: now.toISOString(), runId, file };
  writeFileAtomicSync(join(dir, nameOf(entry)), `${JSON.stringify(entry, null, 2)}\n`);
}

async function write(dir: string, entry: OutboxEntry): Promise<string> {
  await makeDirectory(dir);
  const file = join(dir, nameOf(entry));
  await writeFileAtomic(file, `${JSON.stringify(entry, null, 2)}\n`);
  return file;
}

/** Everything queued, oldest first; `record` validates queued sign-offs. Files that are not entries are returned with the reason. */
export async function readOutbox<R extends QueuedRecord>(dir: string, record: z.ZodType<R>): Promise<QueuedEntry<R>[]> {
  await removeStaleTempFiles(dir);
  let names: string[];
  try {
    names = (await readdir(dir)).filter((n) => n.endsWith('.json') && !n.startsWith('.'));
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw e;
  }
  const schema = entrySchema(record);
  const out: QueuedEntry<R>[] = [];
  for (const name of names) {
    const file = join(dir, name);
    let data: unknown;
    try {
      data = JSON.parse(await readFile(file, 'utf8'));
    } catch {
      out.push({ file, error: 'not valid JSON' });
      continue;
    }
    const parsed = schema.safeParse(data);
    if (parsed.success) out.push({ file, entry: parsed.data });
    else
      out.push({
        file,
        error: `not an outbox entry (${parsed.error.issues[0]?.path.join('.') || 'entry'}: ${parsed.error.issues[0]?.message})`,
      });
  }
  const when = (q: QueuedEntry<R>): string => q.entry?.queuedAt ?? '';
  return out.sort((a, b) => (when(a) < when(b) ? -1 : when(a) > when(b) ? 1 : a.file.localeCompare(b.file)));
}

export const removeEntry = (file: string): Promise<void> => rm(file, { force: true });
