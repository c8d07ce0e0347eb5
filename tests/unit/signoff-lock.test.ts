import { existsSync, readFileSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { withFileLock } from '../../src/signoff/lock.js';
import { FileLedger } from '../../src/signoff/ledger.js';
import { tempDir } from '../support/tmp.js';

let dir: ReturnType<typeof tempDir>;
let lock: string;
beforeEach(() => {
  dir = tempDir();
  lock = dir.path('ledger.jsonl.lock');
});
afterEach(() => dir.remove());

const draft = (n: number) => ({
  checklist: 'pre',
  item: 'x',
  definitionHash: 'a'.repeat(64),
  release: `v${n}`,
  environment: null,
  decision: 'confirmed' as const,
  signer: 'Ana',
  role: null,
  note: null,
  reason: null,
  evidence: null,
  at: new Date().toISOString(),
  host: 'h',
});

const holder = (pid: number, host = 'this-host') => JSON.stringify({ pid, host, at: '2026-01-01T00:00:00.000Z', token: 'someone-else' });

describe('ledger lock', () => {
  it('waits for the holder, then runs; the lock file is gone afterwards', async () => {
    writeFileSync(lock, holder(42));
    const released = Date.now() + 80;
    setTimeout(() => rmSync(lock), 80);
    const ranAt = await withFileLock(lock, async () => Date.now(), { host: 'this-host', isAlive: () => true, timeoutMs: 5000 });
    expect(ranAt).toBeGreaterThanOrEqual(released - 5);
    expect(existsSync(lock)).toBe(false);
  });

  it('takes over a lock left by a dead process of this host', async () => {
    writeFileSync(lock, holder(999_999));
    const ran = await withFileLock(lock, async () => readFileSync(lock, 'utf8'), {
      host: 'this-host',
      isAlive: () => false,
      timeoutMs: 1000,
    });
    expect(JSON.parse(ran)).toMatchObject({ host: 'this-host', pid: process.pid });
  });

  it('takes over a lock of another host whose heartbeat is older than staleMs', async () => {
    writeFileSync(lock, holder(1, 'other-host'));
    const old = new Date(Date.now() - 60_000);
    utimesSync(lock, old, old);
    await expect(withFileLock(lock, async () => 'ran', { host: 'this-host', staleMs: 10_000, timeoutMs: 1000 })).resolves.toBe('ran');
  });

  it('never takes a lock of this host whose process is alive, however old (a paused signer keeps it)', async () => {
    writeFileSync(lock, holder(42));
    const old = new Date(Date.now() - 3_600_000);
    utimesSync(lock, old, old);
    await expect(
      withFileLock(lock, async () => 'ran', { host: 'this-host', isAlive: () => true, staleMs: 10_000, timeoutMs: 300 }),
    ).rejects.toThrow('the ledger is locked by process 42 on this-host');
    expect(readFileSync(lock, 'utf8')).toBe(holder(42));
  });

  it('keeps a lock of another host while its heartbeat is fresh; an unreadable owner counts as another host', async () => {
    writeFileSync(lock, holder(1, 'other-host'));
    await expect(withFileLock(lock, async () => 'ran', { host: 'this-host', staleMs: 10_000, timeoutMs: 300 })).rejects.toThrow(
      'locked by process 1 on other-host',
    );
    writeFileSync(lock, '');
    await expect(withFileLock(lock, async () => 'ran', { host: 'this-host', staleMs: 10_000, timeoutMs: 300 })).rejects.toThrow(
      'locked by another process',
    );
  });

  it('the holder refreshes its heartbeat: a long hold outlives staleMs for a waiter of another host', async () => {
    const order: string[] = [];
    const long = withFileLock(
      lock,
      async () => {
        order.push('long start');
        await new Promise((r) => setTimeout(r, 900));
        order.push('long end');
      },
      { host: 'host-a', staleMs: 200, heartbeatMs: 40 },
    );
    await new Promise((r) => setTimeout(r, 50));
    await withFileLock(lock, async () => order.push('waiter'), { host: 'host-b', staleMs: 200, timeoutMs: 5000 });
    await long;
    expect(order).toEqual(['long start', 'long end', 'waiter']);
  });

  it('tells the holder when its lock was taken from it', async () => {
    await expect(
      withFileLock(lock, async (held) => {
        await held.assertHeld();
        writeFileSync(lock, holder(7, 'other-host'));
        await held.assertHeld();
      }),
    ).rejects.toThrow('lost the ledger lock');
    // the other holder's lock is left alone
    expect(readFileSync(lock, 'utf8')).toBe(holder(7, 'other-host'));
  });

  it('gives up on a live lock after the timeout, naming its holder', async () => {
    writeFileSync(lock, holder(42, 'build-agent'));
    await expect(withFileLock(lock, async () => 'ran', { host: 'this-host', timeoutMs: 150 })).rejects.toThrow(
      `the ledger is locked by process 42 on build-agent since 2026-01-01T00:00:00.000Z (${lock}); if no sfdeploy is running, remove that file`,
    );
    expect(readFileSync(lock, 'utf8')).toBe(holder(42, 'build-agent'));
  });

  it('releases the lock when the work throws, and writes nothing to the ledger', async () => {
    const ledger = new FileLedger(dir.path('ledger.jsonl'));
    await expect(
      ledger.append(() => {
        throw new Error('rejected');
      }),
    ).rejects.toThrow('rejected');
    expect(existsSync(lock)).toBe(false);
    expect(existsSync(dir.path('ledger.jsonl'))).toBe(false);
  });

  it('never appends after a head it did not read: a write meanwhile makes the append fail, the chain intact', async () => {
    const ledger = new FileLedger(dir.path('ledger.jsonl'));
    await ledger.append(() => [draft(1)]);
    const intruder = (): string => readFileSync(dir.path('ledger.jsonl'), 'utf8');
    let before = '';
    await expect(
      ledger.append(() => {
        before = intruder();
        // what a second signer that took the lock as stale would write, after the same head
        writeFileSync(dir.path('ledger.jsonl'), `${before}${before.split('\n')[0]!.replace('"v1"', '"v9"')}\n`);
        return [draft(2)];
      }),
    ).rejects.toThrow('changed while this sign-off held its lock; nothing was written');
    expect(intruder().split('\n').filter(Boolean)).toHaveLength(2);
  });

  it('serialises appends from one process: 30 at once make one chain', async () => {
    const ledger = new FileLedger(dir.path('ledger.jsonl'));
    await Promise.all(Array.from({ length: 30 }, (_, n) => ledger.append(() => [draft(n)])));
    const snapshot = await ledger.read();
    expect(snapshot.broken).toBeUndefined();
    expect(snapshot.records.map((r) => r.seq)).toEqual(Array.from({ length: 30 }, (_, i) => i + 1));
  });
});
