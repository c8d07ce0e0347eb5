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

  it('takes over a lock older than staleMs, whoever held it', async () => {
    writeFileSync(lock, holder(1, 'other-host'));
    const old = new Date(Date.now() - 60_000);
    utimesSync(lock, old, old);
    await expect(withFileLock(lock, async () => 'ran', { host: 'this-host', staleMs: 10_000, timeoutMs: 1000 })).resolves.toBe('ran');
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

  it('serialises appends from one process: 30 at once make one chain', async () => {
    const ledger = new FileLedger(dir.path('ledger.jsonl'));
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
    await Promise.all(Array.from({ length: 30 }, (_, n) => ledger.append(() => [draft(n)])));
    const snapshot = await ledger.read();
    expect(snapshot.broken).toBeUndefined();
    expect(snapshot.records.map((r) => r.seq)).toEqual(Array.from({ length: 30 }, (_, i) => i + 1));
  });
});
