import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { summarize } from '../runner/gate.js';
import type { RunListener, RunLog } from '../runner/types.js';
import { writeFileAtomic, writeFileAtomicSync } from './atomic-file.js';

/**
 * Writes `<dir>/<runId>.json` atomically (temp file + rename) at the start of the run and after every item.
 * Writes are serialised and coalesced: a slow disk never sees two writers, and the newest state always lands.
 */
export class RunLogWriter implements RunListener {
  readonly path: string;
  private latest: RunLog | undefined;
  private writing: Promise<void> = Promise.resolve();
  private dirty = false;
  private failure: Error | undefined;

  constructor(dir: string, runId: string) {
    this.path = join(dir, `${runId}.json`);
  }

  async start(log: RunLog): Promise<void> {
    const { dirname } = await import('node:path');
    await mkdir(dirname(this.path), { recursive: true });
    this.latest = log;
    await this.writeNow();
  }

  onItemEnd(_item: unknown, _result: unknown, log: RunLog): void {
    this.schedule(log);
  }

  /** Queues a write of this state. */
  schedule(log: RunLog): void {
    this.latest = log;
    if (this.dirty) return;
    this.dirty = true;
    this.writing = this.writing.then(async () => {
      this.dirty = false;
      await this.writeNow();
    });
  }

  /** Waits for every queued write; rethrows the first write failure. */
  async flush(log?: RunLog): Promise<void> {
    if (log) this.schedule(log);
    await this.writing;
    if (this.failure) throw this.failure;
  }

  /** A last synchronous write of the newest state marked interrupted, for a process that is about to exit. */
  writeInterruptedSync(finishedAt: Date): void {
    if (!this.latest) return;
    const log: RunLog = this.latest.finishedAt
      ? this.latest
      : {
          ...this.latest,
          status: 'interrupted',
          finishedAt: finishedAt.toISOString(),
          summary: summarize(this.latest.items, this.latest.summary.total, true),
        };
    writeFileAtomicSync(this.path, `${JSON.stringify(log, null, 2)}\n`);
  }

  private async writeNow(): Promise<void> {
    if (!this.latest) return;
    try {
      await writeFileAtomic(this.path, `${JSON.stringify(this.latest, null, 2)}\n`);
    } catch (e) {
      this.failure ??= e as Error;
    }
  }
}

/** A sortable, unique run id: `20261129T112656Z-3f9a1c`. */
export function newRunId(now: Date, random: () => string): string {
  const stamp = now.toISOString().replace(/[-:]/g, '').replace(/\.\d+Z$/, 'Z');
  return `${stamp}-${random()}`;
}
