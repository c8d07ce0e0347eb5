import { open, readFile } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import type { Env } from '../util/env.js';
import { SfdeployError } from '../errors.js';
import {
  formatRecord,
  parseLedger,
  sealRecord,
  verifyChain,
  type ChainBreak,
  type LedgerEntry,
  type LedgerRecord,
  type RecordDraft,
  type SignoffRecord,
} from './chain.js';
import type { LinkedProblem } from './linked.js';
import { withFileLock, type LockOptions } from './lock.js';
import { signedMessage, withSignature, type SignFunction } from './signature.js';
import { makeDirectory } from '../util/make-directory.js';

/** How often a signed append re-reads and signs again when other sign-offs were appended while it signed. */
const SIGNED_APPEND_ATTEMPTS = 10;

/** Default ledger, next to the default run log directory `.sfdeploy/runs`. */
export const DEFAULT_LEDGER = '.sfdeploy/signoffs.jsonl';

/** What a ledger holds at one moment. */
export interface LedgerSnapshot<R extends SignoffRecord = SignoffRecord> {
  /** False when there is no ledger yet (nothing was ever signed). */
  exists: boolean;
  /** The file ledger's lines; empty for the S3 ledger. */
  entries: LedgerEntry[];
  /** The records that count: before the first break of the chain (file), or every intact one in causal order (S3). */
  records: R[];
  /** File: hash of the last trusted record. S3: the digest of every intact record's hash. Null when there is none. */
  head: string | null;
  /** Where the file ledger's chain breaks, if it does. */
  broken: ChainBreak | undefined;
  /** S3 ledger: objects that were edited, moved, unreadable, or that saw a record no longer there. */
  problems?: LinkedProblem[] | undefined;
}

/**
 * An append-only store of sign-off records with tamper evidence: a hash-chained file (FileLedger), or one
 * immutable hash-linked object per record on S3 (S3Ledger), with the same two operations.
 */
export interface Ledger {
  /** Where it lives, for messages: a path, or `s3://bucket/prefix`. */
  readonly location: string;
  read(): Promise<LedgerSnapshot>;
  /**
   * Reads the current state, lets `build` check it (throwing rejects the whole append) and return drafts, then
   * seals and writes them. The file ledger holds a lock meanwhile; the S3 ledger needs none (each record is a new
   * object). Returns the written records. With `sign`, each sealed record is signed (signature.ts) before it is
   * written; the file ledger then signs without holding the lock and writes only if nobody appended meanwhile.
   */
  append(build: (current: LedgerSnapshot) => RecordDraft[], sign?: SignFunction): Promise<SignoffRecord[]>;
}

/** `--ledger`, else `$SFDEPLOY_LEDGER`, else `.sfdeploy/signoffs.jsonl`, relative to the working directory. */
export function resolveLedgerPath(flag: string | undefined, env: Env, cwd: string): string {
  return resolve(cwd, flag ?? (env.SFDEPLOY_LEDGER || DEFAULT_LEDGER));
}

export function snapshotOf(entries: LedgerEntry[], exists = true): LedgerSnapshot<LedgerRecord> {
  const broken = verifyChain(entries);
  const records = entries.filter((e) => !broken || e.line < broken.line).flatMap((e) => (e.record ? [e.record] : []));
  return { exists, entries, records, head: records[records.length - 1]?.hash ?? null, broken };
}

/** The warning `check` and `status` print about a broken chain or damaged records, naming the ledger as `shown`. */
export function brokenLedgerWarning(snapshot: LedgerSnapshot, shown: string): string | undefined {
  const b = snapshot.broken;
  if (b) return `warning: ${shown}: ${b.message}; sign-offs from line ${b.line} on are ignored (run \`sfdeploy verify\`)\n`;
  const problems = snapshot.problems ?? [];
  if (!problems.length) return undefined;
  return problems
    .map(
      (p) =>
        `warning: ${shown}: ${p.message}${p.kind === 'edited' || p.kind === 'unreadable' ? '; it is ignored' : ''} (run \`sfdeploy verify\`)\n`,
    )
    .join('');
}

/** A JSON Lines file, locked with `<file>.lock` while appending; each append is a single write. */
export class FileLedger implements Ledger {
  readonly location: string;
  private readonly lock: LockOptions;

  constructor(file: string, lock: LockOptions = {}) {
    this.location = file;
    this.lock = lock;
  }

  /** Reads without locking; a last line without its newline may be an append in progress, so that case is re-read under the lock (when it can be taken). */
  async read(): Promise<LedgerSnapshot<LedgerRecord>> {
    let text = await this.readText();
    if (text && !text.endsWith('\n')) {
      const unlocked = text;
      text = await withFileLock(`${this.location}.lock`, () => this.readText(), this.lock).catch(() => unlocked);
    }
    return text === undefined ? snapshotOf([], false) : snapshotOf(parseLedger(text));
  }

  async append(build: (current: LedgerSnapshot<LedgerRecord>) => RecordDraft[], sign?: SignFunction): Promise<LedgerRecord[]> {
    if (sign) return this.appendSigned(build, sign);
    await makeDirectory(dirname(this.location)).catch((e: Error) => {
      throw new SfdeployError('E_LEDGER_WRITE', `cannot create the ledger directory for ${this.location}: ${e.message}`);
    });
    return withFileLock(
      `${this.location}.lock`,
      async (held) => {
        const text = await this.readText();
        const current = text === undefined ? snapshotOf([], false) : snapshotOf(parseLedger(text));
        if (current.broken) {
          throw new SfdeployError(
            'E_LEDGER_BROKEN',
            `refusing to append to ${this.location}: ${current.broken.message}; run \`sfdeploy verify\``,
          );
        }
        const drafts = build(current);
        const written: LedgerRecord[] = [];
        let head = current.records[current.records.length - 1];
        for (const draft of drafts) {
          head = sealRecord(draft, head);
          written.push(head);
        }
        if (!written.length) return written;
        const separator = text && !text.endsWith('\n') ? '\n' : '';
        const fh = await open(this.location, 'a', 0o644);
        try {
          // appended only after the head read above, under a lock still ours: never a fork of the chain
          const size = (await fh.stat()).size;
          if (size !== Buffer.byteLength(text ?? '', 'utf8')) {
            throw new SfdeployError(
              'E_LEDGER_CHANGED',
              `${this.location} changed while this sign-off held its lock; nothing was written (sign again)`,
            );
          }
          await held.assertHeld();
          const bytes = Buffer.from(separator + written.map(formatRecord).join(''), 'utf8');
          for (let offset = 0; offset < bytes.length;) offset += (await fh.write(bytes, offset)).bytesWritten;
          await fh.sync();
        } finally {
          await fh.close();
        }
        return written;
      },
      this.lock,
    );
  }

  /**
   * Signing may wait for ssh-agent or a passphrase, so it happens outside the lock: read, build, seal and sign, then
   * take the lock and write only if the ledger is still what was signed against; otherwise start again.
   */
  private async appendSigned(build: (current: LedgerSnapshot<LedgerRecord>) => RecordDraft[], sign: SignFunction): Promise<LedgerRecord[]> {
    await makeDirectory(dirname(this.location)).catch((e: Error) => {
      throw new SfdeployError('E_LEDGER_WRITE', `cannot create the ledger directory for ${this.location}: ${e.message}`);
    });
    for (let attempt = 1; ; attempt++) {
      let text = await this.readText();
      // A last line without its newline may be an append in progress: read it again once that append is done.
      if (text && !text.endsWith('\n')) text = await withFileLock(`${this.location}.lock`, () => this.readText(), this.lock);
      const current = text === undefined ? snapshotOf([], false) : snapshotOf(parseLedger(text));
      if (current.broken) {
        throw new SfdeployError(
          'E_LEDGER_BROKEN',
          `refusing to append to ${this.location}: ${current.broken.message}; run \`sfdeploy verify\``,
        );
      }
      const written: LedgerRecord[] = [];
      let head = current.records[current.records.length - 1];
      for (const draft of build(current)) {
        const sealed = sealRecord(draft, head);
        head = withSignature(sealed, await sign(signedMessage(sealed)));
        written.push(head);
      }
      if (!written.length) return written;
      const done = await withFileLock(
        `${this.location}.lock`,
        async () => {
          if ((await this.readText()) !== text) return false;
          const separator = text && !text.endsWith('\n') ? '\n' : '';
          const fh = await open(this.location, 'a', 0o644);
          try {
            const bytes = Buffer.from(separator + written.map(formatRecord).join(''), 'utf8');
            for (let offset = 0; offset < bytes.length;) offset += (await fh.write(bytes, offset)).bytesWritten;
            await fh.sync();
          } finally {
            await fh.close();
          }
          return true;
        },
        this.lock,
      );
      if (done) return written;
      if (attempt >= SIGNED_APPEND_ATTEMPTS) {
        throw new SfdeployError(
          'E_LEDGER_BUSY',
          `${this.location} kept changing while signing (${attempt} attempts); nothing was written, try again`,
        );
      }
    }
  }

  private async readText(): Promise<string | undefined> {
    try {
      return await readFile(this.location, 'utf8');
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw new SfdeployError('E_LEDGER_READ', `cannot read the ledger ${this.location}: ${(e as Error).message}`);
    }
  }
}
