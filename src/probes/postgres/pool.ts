import type { Client, QueryConfig } from 'pg';
import type { ProbeContext } from '../types.js';
import { closePostgres, connectPostgres, type PgTarget } from './connect.js';
import type { SharedClients } from '../shared.js';

/** Connections a run keeps open per connection options: items beyond it wait for one to be free. */
export const POOL_SIZE = 4;
/** How long an item waits for a busy connection before it opens one more: a slow query never holds up another item. */
const OVERFLOW_AFTER_MS = 200;
/** Bound of the `discard all` that resets a connection between items. */
const RESET_TIMEOUT_MS = 5000;

/** A connection lent to one item. */
export interface PgLease {
  client: Client;
  /** True when an earlier item used this connection. */
  reused: boolean;
  /** Milliseconds this item spent opening the connection (0 when it was reused). */
  connectMs: number;
  /** The statement_timeout the connection was opened with, which `discard all` returns it to. */
  openedWithMs: number;
}

interface Pooled {
  client: Client;
  /** The statement_timeout the connection was opened with; `discard all` returns to it. */
  timeoutMs: number;
}

interface Waiter {
  ctx: Pick<ProbeContext, 'signal' | 'timeoutMs'>;
  take(pooled: Pooled): void;
  open(): void;
}

/**
 * The connections of one run to one PostgreSQL target. Each item has a connection to itself while it runs (its own
 * statement_timeout, its abort closing only its connection); between items a connection is reset with
 * `discard all`, and one that broke, was aborted or is left inside a transaction is closed, never lent again.
 */
export class PgPool {
  readonly #target: PgTarget;
  readonly #size: number;
  readonly #idle: Pooled[] = [];
  readonly #live = new Set<Client>();
  readonly #waiters: Waiter[] = [];
  #opening = 0;
  #resetting = 0;
  #closed = false;

  constructor(target: PgTarget, size = POOL_SIZE) {
    this.#target = target;
    this.#size = size;
  }

  /** A connection for one item: an idle one, a new one while fewer than the pool size are open, or the next one freed. */
  async acquire(ctx: Pick<ProbeContext, 'signal' | 'timeoutMs'>, fresh = false): Promise<PgLease> {
    if (this.#closed) throw new Error('the run has ended');
    const idle = fresh ? undefined : this.#idle.pop();
    if (idle) return this.#lend(idle, ctx);
    // a connection being reset after the previous item is free in a moment: cheaper than opening another
    const soonFree = this.#resetting > this.#waiters.length;
    if (fresh || (!soonFree && this.#live.size + this.#opening < this.#size)) return this.#open(ctx);
    return new Promise<PgLease>((resolve, reject) => {
      const leave = (): void => {
        clearTimeout(timer);
        ctx.signal.removeEventListener('abort', onAbort);
        const at = this.#waiters.indexOf(waiter);
        if (at >= 0) this.#waiters.splice(at, 1);
      };
      const waiter: Waiter = {
        ctx,
        take: (pooled) => {
          leave();
          this.#lend(pooled, ctx).then(resolve, reject);
        },
        open: () => {
          leave();
          this.#open(ctx).then(resolve, reject);
        },
      };
      const onAbort = (): void => {
        leave();
        reject(new Error(`waiting for a connection to ${this.#target.where} was aborted`));
      };
      // a connection still opening will be free soon after: only busy ones (a slow query) make a waiter open another
      const overflow = (): void => {
        if (this.#opening > 0) timer = setTimeout(overflow, OVERFLOW_AFTER_MS);
        else waiter.open();
      };
      let timer = setTimeout(overflow, OVERFLOW_AFTER_MS);
      ctx.signal.addEventListener('abort', onAbort, { once: true });
      this.#waiters.push(waiter);
    });
  }

  /**
   * Gives the connection back after the item. `healthy` is false when the item's work failed other than by an
   * error the server reported (a lost connection, an abort): such a connection is closed.
   */
  release(lease: PgLease, healthy: boolean): void {
    const { client } = lease;
    if (!this.#live.has(client)) return;
    if (!healthy || this.#closed || client.getTransactionStatus() !== 'I') {
      this.destroy(client);
      return;
    }
    const pooled: Pooled = { client, timeoutMs: lease.openedWithMs };
    this.#resetting++;
    client
      .query({ text: 'discard all', query_timeout: RESET_TIMEOUT_MS } as QueryConfig)
      .then(
        () => this.#give(pooled),
        () => this.destroy(client),
      )
      .finally(() => this.#resetting--);
  }

  /** Closes a connection at once and forgets it. */
  destroy(client: Client): void {
    closePostgres(client);
    this.#forget(client);
  }

  /** Closes every connection, idle or lent; later acquisitions fail. */
  close(): void {
    this.#closed = true;
    for (const w of this.#waiters.splice(0)) w.open();
    for (const client of [...this.#live]) this.destroy(client);
  }

  async #open(ctx: Pick<ProbeContext, 'signal' | 'timeoutMs'>): Promise<PgLease> {
    if (this.#closed) throw new Error('the run has ended');
    this.#opening++;
    const started = performance.now();
    let client: Client;
    try {
      client = await connectPostgres(this.#target, ctx);
    } catch (e) {
      this.#opening--;
      this.#wake();
      throw e;
    }
    this.#opening--;
    if (this.#closed) {
      closePostgres(client);
      throw new Error('the run has ended');
    }
    this.#live.add(client);
    // a connection the server ends while idle (restart, pg_terminate_backend) leaves the pool at once
    client.once('end', () => this.#forget(client));
    return { client, reused: false, connectMs: performance.now() - started, openedWithMs: ctx.timeoutMs };
  }

  async #lend(pooled: Pooled, ctx: Pick<ProbeContext, 'signal' | 'timeoutMs'>): Promise<PgLease> {
    const lease: PgLease = { client: pooled.client, reused: true, connectMs: 0, openedWithMs: pooled.timeoutMs };
    if (ctx.timeoutMs !== pooled.timeoutMs) {
      try {
        await pooled.client.query(`set statement_timeout = ${Math.max(1, Math.round(ctx.timeoutMs))}`);
      } catch {
        this.destroy(pooled.client);
        return this.acquire(ctx, true);
      }
    }
    return lease;
  }

  #give(pooled: Pooled): void {
    if (!this.#live.has(pooled.client)) return;
    const waiter = this.#waiters.shift();
    if (waiter) waiter.take(pooled);
    else if (this.#closed || this.#live.size > this.#size) this.destroy(pooled.client);
    else this.#idle.push(pooled);
  }

  #forget(client: Client): void {
    if (!this.#live.delete(client)) return;
    const at = this.#idle.findIndex((p) => p.client === client);
    if (at >= 0) this.#idle.splice(at, 1);
    this.#wake();
  }

  /** A waiter opens a connection itself when there is room for one more. */
  #wake(): void {
    if (this.#waiters.length && this.#live.size + this.#opening < this.#size) this.#waiters[0]!.open();
  }
}

/** The connection could not be opened (or waited for); the message is one readable line without the password. */
export class PgConnectError extends Error {}

/**
 * Runs `work` on a connection to `target`: one of the run's pooled connections when the context shares clients, else
 * its own, closed after. The item's abort closes the connection it holds. A reused connection found broken (the
 * server restarted, the backend was terminated) is discarded and the work runs once more on a fresh one; every other
 * failure is the item's.
 */
export async function withPostgres<T>(
  target: PgTarget,
  ctx: Pick<ProbeContext, 'signal' | 'timeoutMs' | 'shared'>,
  work: (client: Client, lease: PgLease) => Promise<T>,
): Promise<T> {
  const pool = sharedPool(target, ctx.shared);
  let fresh = false;
  for (;;) {
    let lease: PgLease;
    try {
      lease = pool
        ? await pool.acquire(ctx, fresh)
        : { client: await connectPostgres(target, ctx), reused: false, connectMs: 0, openedWithMs: ctx.timeoutMs };
    } catch (e) {
      throw new PgConnectError(e instanceof Error ? e.message : String(e));
    }
    const drop = (): void => (pool ? pool.destroy(lease.client) : closePostgres(lease.client));
    if (ctx.signal.aborted) drop();
    ctx.signal.addEventListener('abort', drop, { once: true });
    let healthy = false;
    try {
      const value = await work(lease.client, lease);
      healthy = true;
      return value;
    } catch (e) {
      healthy = !isConnectionLost(e);
      if (lease.reused && !fresh && !healthy && !ctx.signal.aborted) {
        fresh = true;
        continue;
      }
      throw e;
    } finally {
      ctx.signal.removeEventListener('abort', drop);
      if (pool) pool.release(lease, healthy && !ctx.signal.aborted);
      else closePostgres(lease.client);
    }
  }
}

function sharedPool(target: PgTarget, shared: SharedClients | undefined): PgPool | undefined {
  if (!shared || shared.closed) return undefined;
  // keyed on everything the connection is opened with, TLS files included, so items differing in any of it never share
  const key = `postgres ${JSON.stringify(target)}`;
  return shared.get(
    key,
    () => new PgPool(target),
    (pool) => pool.close(),
  );
}

/**
 * True unless the server answered with an error that leaves the session usable (a syntax error, a statement
 * timeout): a dropped socket, an ended client, or the server ending the session (57P01 admin shutdown, 08xxx).
 */
function isConnectionLost(error: unknown): boolean {
  const e = error as { code?: unknown; severity?: unknown } | undefined;
  if (typeof e?.code !== 'string' || e.severity === undefined || !/^[0-9A-Z]{5}$/.test(e.code)) return true;
  return e.severity === 'FATAL' || e.severity === 'PANIC' || /^(08|57P)/.test(e.code);
}
