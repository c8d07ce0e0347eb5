import { randomBytes } from 'node:crypto';
import type { Env } from '../util/env.js';
import { StoreError } from '../errors.js';
import { keyUnder, S3Objects, type S3Location, type StoreSettings } from '../store/s3.js';
import { mapLimit } from '../util/map-limit.js';
import type { RecordDraft } from './chain.js';
import type { Ledger, LedgerSnapshot } from './ledger.js';
import { checklistPath, digestOf, formatLinked, headsOf, recordPath, sealLinked, verifyLinked, type LinkedRecord } from './linked.js';

const READ_CONCURRENCY = 16;

export interface S3LedgerOptions extends StoreSettings {
  /** Read only this checklist's records (`signoffs/<checklist>/`); all of them when absent (verify). */
  checklist?: string | undefined;
  /** Record ids; 16 random hex digits by default. */
  newId?: () => string;
}

/**
 * The team ledger on S3: `<prefix>/signoffs/<checklist>/<release>/<environment>/<time>-<id>.json`, one object per
 * sign-off, created with `If-None-Match: *` and never rewritten. Reading lists the prefix; appending reads, then
 * puts new objects only — no lock and no read-modify-write, so concurrent signers never lose each other's records.
 */
export class S3Ledger implements Ledger {
  readonly location: string;
  readonly store: S3Objects;
  private readonly checklist: string | undefined;
  private readonly newId: () => string;

  constructor(location: S3Location, env: Env, o: S3LedgerOptions = {}) {
    this.location = location.url;
    this.store = new S3Objects(location, env, o);
    this.checklist = o.checklist;
    this.newId = o.newId ?? (() => randomBytes(8).toString('hex'));
  }

  /** The full key of a record. */
  keyOf(record: LinkedRecord): string {
    return keyUnder(this.store.location, recordPath(record));
  }

  async read(): Promise<LedgerSnapshot<LinkedRecord>> {
    const root = keyUnder(this.store.location, '');
    const scope = keyUnder(this.store.location, this.checklist ? checklistPath(this.checklist) : 'signoffs/');
    const listed = (await this.store.list(scope)).filter((o) => o.key.endsWith('.json'));
    const read = await mapLimit(listed, READ_CONCURRENCY, async (o) => ({
      path: o.key.slice(root.length),
      text: await this.store.get(o.key),
    }));
    // An object listed but gone when read was deleted meanwhile: records that saw it will say so.
    const history = verifyLinked(read.flatMap((o) => (o.text === undefined ? [] : [{ path: o.path, text: o.text }])));
    const hashes = history.records.map((r) => r.hash);
    return {
      exists: listed.length > 0,
      entries: [],
      records: history.records,
      head: hashes.length ? digestOf(hashes) : null,
      broken: undefined,
      problems: history.problems,
    };
  }

  /** Seals drafts as records that saw `current`'s heads; nothing is written. */
  seal(drafts: readonly RecordDraft[], current: Pick<LedgerSnapshot<LinkedRecord>, 'records'> | undefined): LinkedRecord[] {
    const seen = current ? headsOf(current.records) : [];
    return drafts.map((d) => sealLinked(d, this.newId(), seen));
  }

  async append(build: (current: LedgerSnapshot) => RecordDraft[]): Promise<LinkedRecord[]> {
    const current = await this.read();
    const records = this.seal(build(current), current);
    return Promise.all(records.map((r) => this.put(r)));
  }

  /**
   * Writes one sealed record under its own key. A taken key (a store honouring If-None-Match that already holds
   * it) is fine when it holds this very record — a retried upload — and otherwise a collision of random ids, so
   * the record is written again under a new id.
   */
  async put(record: LinkedRecord): Promise<LinkedRecord> {
    for (let attempt = 0; ; attempt++) {
      const key = this.keyOf(record);
      if ((await this.store.putNew(key, formatLinked(record))) === 'created') return record;
      if (await this.holds(record)) return record;
      if (attempt >= 2) throw new StoreError(this.location, `${key} is taken by another object`, false);
      const { hash: _hash, id: _id, v: _v, seen, ...draft } = record;
      record = sealLinked(draft, this.newId(), seen);
    }
  }

  /**
   * Uploads a record sealed earlier (queued offline): idempotent — a record already at its key is left alone, and a
   * different object at that key is an error, never overwritten knowingly.
   */
  async upload(record: LinkedRecord): Promise<'uploaded' | 'already'> {
    if (await this.holds(record)) return 'already';
    const key = this.keyOf(record);
    if ((await this.store.putNew(key, formatLinked(record))) === 'created' || (await this.holds(record))) return 'uploaded';
    throw new StoreError(this.location, `${key} already holds a different object; the queued record was not uploaded`, false);
  }

  /** Whether the record's key holds exactly this record. */
  async holds(record: LinkedRecord): Promise<boolean> {
    return (await this.store.get(this.keyOf(record))) === formatLinked(record);
  }
}
