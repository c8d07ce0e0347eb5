import { join, dirname } from 'node:path';
import { SfdeployError } from '../errors.js';
import { summarize } from '../runner/gate.js';
import type { RunListener, RunLog } from '../runner/types.js';
import { makeDirectory } from '../util/make-directory.js';
import { writeFileAtomic, writeFileAtomicSync } from '../util/atomic-file.js';

/** The run log could not be written in full when the run ended (a full or read-only disk). Exit code 1. */
export class RunLogWriteError extends SfdeployError {
  /** The run log was written without its observations and attempts (finished, but without evidence). */
  readonly slim: boolean;
  constructor(path: string, reason: string, slim: boolean) {
    super(
      'E_RUN_LOG_WRITE',
      slim
        ? `could not write the run log ${path} in full (${reason}): it was recorded without observations; the gate does not pass`
        : `could not write the run log ${path} (${reason}): this run is not recorded; the gate does not pass`,
      1,
    );
    this.slim = slim;
  }
}

/**
 * Writes `<dir>/<runId>.json` atomically (temp file + rename) at the start of the run and after every item.
 * Writes are serialised and coalesced: a slow disk never sees two writers, and the newest state always lands.
 * They are also spaced so that writing takes at most a quarter of the run: a small log takes a millisecond to
 * write, so it is still written after every item, but a 5,000-item log is not rewritten 5,000 times.
 */
export class RunLogWriter implements RunListener {
  readonly path: string;
  private latest: RunLog | undefined;
  private writing: Promise<void> = Promise.resolve();
  private dirty = false;
  /** The failure of the newest write; undefined when it landed. */
  private failure: Error | undefined;
  /** A finished item never changes: its JSON is made once, not again for every later write of the log. */
  private readonly itemJson = new WeakMap<object, string>();
  private lastWriteMs = 0;
  private lastWriteEnd = 0;
  /** flush() wants the newest state written now, without the pause between writes. */
  private hurry = false;
  private wake: (() => void) | undefined;

  constructor(dir: string, runId: string) {
    this.path = join(dir, `${runId}.json`);
  }

  async start(log: RunLog): Promise<void> {
    await makeDirectory(dirname(this.path));
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
      await this.pause();
      this.dirty = false;
      await this.writeNow();
    });
  }

  /**
   * Waits for every queued write. When the newest state could not be written, writes it once more without
   * observations and attempts (a smaller file may still fit), then throws RunLogWriteError.
   */
  async flush(log?: RunLog, shownPath = this.path): Promise<void> {
    if (log) this.schedule(log);
    this.hurry = true;
    this.wake?.();
    try {
      await this.writing;
    } finally {
      this.hurry = false;
    }
    const failure = this.failure;
    if (!failure || !this.latest) return;
    const reason = (failure as NodeJS.ErrnoException).code ?? failure.message;
    const slim: RunLog = {
      ...this.latest,
      items: this.latest.items.map((i) => ({ ...i, observations: {}, attempts: [] })),
    };
    const wrote = await writeFileAtomic(this.path, `${JSON.stringify(slim, null, 2)}\n`).then(
      () => true,
      () => false,
    );
    throw new RunLogWriteError(shownPath, reason, wrote);
  }

  /** Waits three times as long as the last write took, less the time since it ended. */
  private pause(): Promise<void> {
    const wait = this.lastWriteMs * 3 - (performance.now() - this.lastWriteEnd);
    if (this.hurry || wait < 1) return Promise.resolve();
    return new Promise<void>((resolve) => {
      const timer = setTimeout(() => this.wake?.(), wait);
      this.wake = (): void => {
        clearTimeout(timer);
        this.wake = undefined;
        resolve();
      };
    });
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
    const started = performance.now();
    try {
      await writeFileAtomic(this.path, this.serialize(this.latest));
      this.failure = undefined;
    } catch (e) {
      this.failure = e as Error;
    }
    this.lastWriteEnd = performance.now();
    this.lastWriteMs = this.lastWriteEnd - started;
  }

  /** `JSON.stringify(log, null, 2)` plus a newline, byte for byte, reusing the JSON of items already written. */
  private serialize(log: RunLog): string {
    if (!log.items.length) return `${JSON.stringify(log, null, 2)}\n`;
    const items = log.items.map((item) => {
      let text = this.itemJson.get(item);
      if (text === undefined) {
        // only \n: JSON.stringify leaves U+2028 and U+2029 raw inside strings, and /^/m would indent after them too
        text = `    ${JSON.stringify(item, null, 2).replaceAll('\n', '\n    ')}`;
        this.itemJson.set(item, text);
      }
      return text;
    });
    // a string value cannot hold a raw newline, so this is the top-level key and nothing else
    const outer = JSON.stringify({ ...log, items: [] }, null, 2);
    return `${outer.replace('\n  "items": []', () => `\n  "items": [\n${items.join(',\n')}\n  ]`)}\n`;
  }
}

/** A sortable, unique run id: `20261129T112656Z-3f9a1c`. */
export function newRunId(now: Date, random: () => string): string {
  const stamp = now
    .toISOString()
    .replace(/[-:]/g, '')
    .replace(/\.\d+Z$/, 'Z');
  return `${stamp}-${random()}`;
}
