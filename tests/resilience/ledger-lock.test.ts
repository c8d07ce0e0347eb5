import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { pathToFileURL } from 'node:url';
import { build } from 'rolldown';
import { loadChecklistFile } from '../../src/checklist/load.js';
import { runCli, REPO_ROOT } from '../support/cli.js';
import { readLedger, signoffScenario } from '../support/signoff.js';

/** The CLI is one bundle (dist/cli.js and chunks): the holder gets FileLedger built on its own from src/. */
let buildDir: string;
let LEDGER_JS: string;
beforeAll(async () => {
  buildDir = mkdtempSync(join(tmpdir(), 'sfdeploy-ledger-build-'));
  const file = join(buildDir, 'ledger.mjs');
  await build({ input: join(REPO_ROOT, 'src/signoff/ledger.ts'), platform: 'node', logLevel: 'silent', output: { file, format: 'esm' } });
  LEDGER_JS = pathToFileURL(file).href;
}, 60_000);
afterAll(() => rmSync(buildDir, { recursive: true, force: true }));

/** A real signer: appends one record with the built FileLedger, saying `holding` once it is inside the lock. */
const holderScript = (): string => `
import { FileLedger } from ${JSON.stringify(LEDGER_JS)};
const [file, draftJson] = process.argv.slice(1);
const written = await new FileLedger(file).append((current) => {
  process.stdout.write('holding ' + (current.head ?? 'none') + '\\n');
  // a moment of work inside the lock, during which the test pauses the whole process
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 1000);
  return [JSON.parse(draftJson)];
});
process.stdout.write('appended ' + written[0].hash + '\\n');
`;

let s: ReturnType<typeof signoffScenario> | undefined;
let child: ChildProcess | undefined;
afterEach(() => {
  if (child && child.exitCode === null) {
    child.kill('SIGCONT');
    child.kill('SIGKILL');
  }
  s?.remove();
});

describe('a signer paused inside the ledger lock', () => {
  it('keeps the lock while stopped for more than 10 s: the second signer waits, no fork, the chain verifies', async () => {
    s = signoffScenario('release-notes');
    const ledger = s.path('.sfdeploy/signoffs.jsonl');
    const item = (await loadChecklistFile(s.checklist, { env: {} })).items.find((it) => it.id === 'release-notes')!;
    const draft = {
      checklist: 'release',
      item: item.id,
      definitionHash: item.definitionHash,
      release: 'v1',
      environment: null,
      decision: 'confirmed',
      signer: 'Paused <paused@example.com>',
      role: null,
      note: null,
      reason: null,
      evidence: null,
      at: new Date().toISOString(),
      host: 'paused-host',
    };
    const first = await runCli(['signoff', 'checklist.yaml', 'release-notes', '--by', 'Ana <ana@example.com>', '--release', 'v0'], {
      cwd: s.dir,
    });
    expect(first.code).toBe(0);

    const holder = spawn(process.execPath, ['--input-type=module', '-e', holderScript(), ledger, JSON.stringify(draft)], {
      cwd: s.dir,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    child = holder;
    let out = '';
    let err = '';
    holder.stderr.on('data', (d: Buffer) => (err += d.toString()));
    const exited = new Promise<number | null>((resolve) => holder.on('close', (code) => resolve(code)));
    await new Promise<void>((resolve, reject) => {
      holder.stdout.on('data', (d: Buffer) => {
        out += d.toString();
        if (out.includes('holding')) resolve();
      });
      holder.on('close', () => reject(new Error(`the holder exited before holding the lock: ${err}`)));
    });
    holder.kill('SIGSTOP');
    const second = runCli(['signoff', 'checklist.yaml', 'release-notes', '--by', 'Bob <bob@example.com>', '--release', 'v2'], {
      cwd: s.dir,
      timeoutMs: 40_000,
    });
    // paused past the old 10 s staleness, and past any heartbeat: the holder is alive, so the lock is still its own
    await new Promise((r) => setTimeout(r, 11_500));
    expect(readLedger(ledger)).toHaveLength(1);
    holder.kill('SIGCONT');
    expect(await exited).toBe(0);
    const bob = await second;
    expect(bob.stderr).toBe('');
    expect(bob.code).toBe(0);

    const records = readLedger(ledger);
    expect(records.map((r) => r.signer)).toEqual(['Ana <ana@example.com>', 'Paused <paused@example.com>', 'Bob <bob@example.com>']);
    expect(records.map((r) => r.prev)).toEqual([null, records[0]!.hash, records[1]!.hash]);
    const verify = await runCli(['verify'], { cwd: s.dir });
    expect(verify.stdout).toContain('3 records, chain intact');
    expect(verify.code).toBe(0);
  }, 60_000);
});
