/**
 * Clients the items of one run share: a pool of PostgreSQL connections per connection options, one Redis connection
 * per URL and TLS options, one S3 client per endpoint, region and credentials. The runner creates one per run and
 * closes it when the run ends, finished or interrupted; outside a run (`ProbeContext.shared` unset) a probe connects
 * on its own, as before.
 */
export class SharedClients {
  readonly #entries = new Map<string, { value: unknown; close: () => unknown }>();
  #closed = false;

  /** True once the run has ended: a probe still running has been abandoned and must not connect again. */
  get closed(): boolean {
    return this.#closed;
  }

  /**
   * The value under `key`, made by `create` on first use; `close` disposes of it when the run ends or when it is
   * dropped. Keys hold credentials: they stay in this map and are never written anywhere.
   */
  get<T>(key: string, create: () => T, close: (value: T) => unknown): T {
    if (this.#closed) throw new Error('the run has ended');
    const found = this.#entries.get(key);
    if (found) return found.value as T;
    const value = create();
    this.#entries.set(key, { value, close: () => close(value) });
    return value;
  }

  /** Forgets the value under `key` and closes it, if it is still `value` (a broken connection): the next item makes a fresh one. */
  drop(key: string, value: unknown): void {
    const found = this.#entries.get(key);
    if (!found || found.value !== value) return;
    this.#entries.delete(key);
    void settle(found.close);
  }

  /** Closes everything; later `get` calls throw. */
  async close(): Promise<void> {
    this.#closed = true;
    const entries = [...this.#entries.values()];
    this.#entries.clear();
    await Promise.all(entries.map((e) => settle(e.close)));
  }
}

async function settle(close: () => unknown): Promise<void> {
  try {
    await close();
  } catch {
    // closing a broken client fails the way it broke: nothing left to release
  }
}
