import { randomBytes } from 'node:crypto';
import { link, open, readFile, rename, stat, unlink, utimes } from 'node:fs/promises';
import { hostname } from 'node:os';
import { SfdeployError } from '../errors.js';
import { isProcessAlive } from '../util/process-alive.js';

export interface LockOptions {
  /** Give up waiting after this long. Default 20 s. */
  timeoutMs?: number;
  /**
   * A lock whose holder cannot be checked — it runs on another host, or its owner line is unreadable — is stale
   * once its heartbeat (the file's mtime) is older than this. Default 30 s. A lock of this host is stale only when
   * its process is gone, however old: a paused signer (Ctrl-Z, a VM pause) keeps it.
   */
  staleMs?: number;
  /** How often the holder refreshes the heartbeat. Default a quarter of `staleMs`. */
  heartbeatMs?: number;
  /** Who holds the lock (for the message a waiting process shows). */
  pid?: number;
  host?: string;
  /** Whether a process of this host is alive. */
  isAlive?: (pid: number) => boolean;
}

interface Owner {
  pid: number;
  host: string;
  at: string;
  token: string;
}

/** What the work done under the lock can ask. */
export interface HeldLock {
  /** Throws unless the lock is still this process's own: call it right before a write that depends on what was read. */
  assertHeld(): Promise<void>;
}

/**
 * Runs `fn` holding an exclusive lock file created with O_EXCL, recording the holder's pid, host and a token.
 * Waiters retry with backoff. A lock is stale only when its holder is gone: a dead pid on this host, or, for a
 * holder on another host (whose pid cannot be checked), a heartbeat older than `staleMs`; the holder refreshes
 * the heartbeat while it works. A stale lock is renamed aside atomically, and put back if what was renamed turns
 * out to be a newer lock. Only the holder's own lock is removed at the end.
 */
export async function withFileLock<T>(lockPath: string, fn: (held: HeldLock) => Promise<T>, o: LockOptions = {}): Promise<T> {
  const timeoutMs = o.timeoutMs ?? 20_000;
  const staleMs = o.staleMs ?? 30_000;
  const heartbeatMs = o.heartbeatMs ?? Math.max(50, Math.floor(staleMs / 4));
  const me: Owner = { pid: o.pid ?? process.pid, host: o.host ?? hostname(), at: '', token: randomBytes(8).toString('hex') };
  const isAlive = o.isAlive ?? isProcessAlive;
  const deadline = Date.now() + timeoutMs;
  let delay = 4;
  for (;;) {
    if (await tryCreate(lockPath, me)) break;
    const holder = await readOwner(lockPath);
    if (holder && (await isStale(lockPath, holder, me.host, staleMs, isAlive))) {
      await moveAside(lockPath, holder);
      continue;
    }
    if (Date.now() >= deadline) {
      const who = holder?.owner ? `process ${holder.owner.pid} on ${holder.owner.host} since ${holder.owner.at}` : 'another process';
      throw new SfdeployError(
        'E_LEDGER_LOCKED',
        `the ledger is locked by ${who} (${lockPath}); if no sfdeploy is running, remove that file`,
      );
    }
    await new Promise((r) => setTimeout(r, delay + Math.random() * delay));
    delay = Math.min(delay * 2, 25);
  }
  const ours = async (): Promise<boolean> => (await readOwner(lockPath))?.owner?.token === me.token;
  let beating = Promise.resolve();
  const heartbeat = setInterval(() => {
    beating = beating.then(async () => {
      if (await ours()) await utimes(lockPath, new Date(), new Date()).catch(() => undefined);
    });
  }, heartbeatMs);
  heartbeat.unref();
  const held: HeldLock = {
    assertHeld: async () => {
      if (!(await ours()))
        throw new SfdeployError(
          'E_LEDGER_LOCK_LOST',
          `lost the ledger lock ${lockPath} while holding it (another process took it as stale); nothing was written`,
        );
    },
  };
  try {
    return await fn(held);
  } finally {
    clearInterval(heartbeat);
    await beating;
    if (await ours()) await unlink(lockPath).catch(() => undefined);
  }
}

async function tryCreate(lockPath: string, me: Owner): Promise<boolean> {
  let fh;
  try {
    fh = await open(lockPath, 'wx');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw new SfdeployError('E_LEDGER_LOCK', `cannot create the ledger lock ${lockPath}: ${(e as Error).message}`);
  }
  try {
    await fh.writeFile(JSON.stringify({ ...me, at: new Date().toISOString() }));
  } finally {
    await fh.close();
  }
  return true;
}

interface Holder {
  owner: Owner | undefined;
  ino: number;
  mtimeMs: number;
}

async function readOwner(lockPath: string): Promise<Holder | undefined> {
  try {
    const [info, text] = await Promise.all([stat(lockPath), readFile(lockPath, 'utf8')]);
    let owner: Owner | undefined;
    try {
      const data = JSON.parse(text) as Partial<Owner> | null;
      owner =
        data && Number.isInteger(data.pid) && typeof data.host === 'string' && typeof data.token === 'string' ? (data as Owner) : undefined;
    } catch {
      owner = undefined;
    }
    return { owner, ino: info.ino, mtimeMs: info.mtimeMs };
  } catch {
    return undefined;
  }
}

async function isStale(lockPath: string, h: Holder, host: string, staleMs: number, isAlive: (pid: number) => boolean): Promise<boolean> {
  const gone = h.owner && h.owner.host === host ? !isAlive(h.owner.pid) : Date.now() - h.mtimeMs > staleMs;
  return (
    gone &&
    (await stat(lockPath).then(
      (s) => s.ino === h.ino,
      () => false,
    ))
  );
}

/** Renames the stale lock aside; if what was renamed turns out to be a newer lock, puts it back. */
async function moveAside(lockPath: string, stale: Holder): Promise<void> {
  const aside = `${lockPath}.stale-${randomBytes(4).toString('hex')}`;
  const renamed = await rename(lockPath, aside).then(
    () => true,
    () => false,
  );
  if (!renamed) return;
  const moved = await stat(aside).catch(() => undefined);
  if (moved && moved.ino !== stale.ino) await link(aside, lockPath).catch(() => undefined);
  await unlink(aside).catch(() => undefined);
}
