import type { Env } from '../util/env.js';
import type { RunLog } from '../runner/types.js';
import { isS3Url, keyUnder, parseS3Url, S3Objects, type S3Location } from '../store/s3.js';
import { mapLimit } from '../util/map-limit.js';
import { UsageError } from '../errors.js';
import { parseRunLog, RUN_FILE, type RunHistory } from './read.js';

const READ_CONCURRENCY = 16;
/** The later state of a run log (a watch's last run with its watch-end notices), beside `<run-id>.json`. */
const FINAL_SUFFIX = '.watch-end.json';

/**
 * The team's run history on S3: `<prefix>/runs/<run-id>.json`, each the finished (or interrupted) run log,
 * created once with `If-None-Match: *`; a watch's last run also has `<run-id>.watch-end.json`, its run log with the
 * watch-end notices, created once too, which readers take in its place. Nothing is ever overwritten, so the store
 * works under the IAM policy that allows only creating puts (docs/team-ledger.md).
 */
export class RunLogStore {
  readonly location: string;
  private readonly store: S3Objects;

  constructor(location: S3Location, env: Env) {
    this.location = location.url;
    this.store = new S3Objects(location, env);
  }

  keyOf(runId: string): string {
    return keyUnder(this.store.location, `runs/${runId}.json`);
  }

  /** Uploads a run log's text; a run already there stays as it is (a retried upload). */
  async upload(runId: string, text: string): Promise<'uploaded' | 'already'> {
    return (await this.store.putNew(this.keyOf(runId), text)) === 'created' ? 'uploaded' : 'already';
  }

  /**
   * Records a later state of a run uploaded earlier, beside it (`<run-id>.watch-end.json`, created once): the
   * watch-end notices are added to the last run log of a watch after that run was uploaded.
   */
  async update(runId: string, text: string): Promise<void> {
    await this.store.putNew(keyUnder(this.store.location, `runs/${runId}${FINAL_SUFFIX}`), text);
  }

  /** Every run log under the prefix; unreadable ones are warnings. */
  async read(): Promise<RunHistory> {
    const all = await this.store.list(keyUnder(this.store.location, 'runs/'));
    const keys = new Set(all.map((o) => o.key));
    const listed = all
      .filter((o) => RUN_FILE.test(o.key.slice(o.key.lastIndexOf('/') + 1)))
      .map((o) => {
        const final = o.key.replace(/\.json$/, FINAL_SUFFIX);
        return keys.has(final) ? { ...o, key: final } : o;
      });
    const warnings: string[] = [];
    const runs = await mapLimit(listed, READ_CONCURRENCY, async (o) => {
      const where = `s3://${this.store.location.bucket}/${o.key}`;
      try {
        return parseRunLog((await this.store.get(o.key)) ?? '', where);
      } catch (e) {
        warnings.push(`${(e as Error).message}; skipped`);
        return undefined;
      }
    });
    return { runs: runs.filter((r): r is RunLog => r !== undefined), warnings };
  }
}

/** `--log-store`, else `$SFDEPLOY_LOG_STORE`; undefined when neither is set. Only `s3://` stores exist. */
export function resolveLogStore(flag: string | undefined, env: Env): RunLogStore | undefined {
  const where = flag ?? (env.SFDEPLOY_LOG_STORE || undefined);
  if (where === undefined) return undefined;
  const what = flag !== undefined ? '--log-store' : 'SFDEPLOY_LOG_STORE';
  const shown: string = where;
  if (!isS3Url(where)) throw new UsageError(`${what} expects s3://bucket/prefix, got "${shown}"`);
  return new RunLogStore(parseS3Url(where, what), env);
}
