import { readFileSync, writeFileSync } from 'node:fs';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { MAX_RUN_LOG_BYTES } from '../../src/runlog/read.js';
import { runCli } from '../support/cli.js';
import { forgeDeclines, readLedger, signoffScenario } from '../support/signoff.js';

/**
 * A file ledger rewritten with recomputed hashes, or cut at its end, is a well-formed chain: only the run logs that
 * saw its earlier records tell. `check` cross-checks them as `verify` does and refuses to reuse its sign-offs.
 */
describe('check with a file ledger rewritten after a run saw it', () => {
  let w: ReturnType<typeof signoffScenario>;
  beforeEach(() => {
    w = signoffScenario('release-notes');
  });
  afterEach(() => w.remove());
  const cli = (args: string[]) => runCli(args, { cwd: w.dir });
  const ledgerFile = () => w.path('.sfdeploy/signoffs.jsonl');
  const check = (release: string) => cli(['check', 'checklist.yaml', '--ci', '--release', release, '--log-dir', 'runs']);
  const sign = (by: string, release: string, ...more: string[]) =>
    cli(['signoff', 'checklist.yaml', 'release-notes', '--by', by, '--release', release, ...more]);

  it('does not reuse a decline forged into a confirmation: exit 1, naming the ledger and the run that saw the decline', async () => {
    expect((await sign('Ana <ana@example.com>', 'v0')).code).toBe(0);
    expect((await sign('Bob <bob@example.com>', 'v1', '--decline', '--reason', 'notes missing')).code).toBe(0);
    const seen = await check('v1');
    expect(seen.code).toBe(1);
    const runId = /runs\/(\S+)\.json/.exec(seen.stdout)![1]!;

    const original = forgeDeclines(ledgerFile());
    expect(readLedger(ledgerFile()).map((r) => r.decision)).toEqual(['confirmed', 'confirmed']);
    const head = String(original[1]!.hash).slice(0, 12);

    const r = await check('v1');
    expect(r.code).toBe(1);
    const out = r.stdout + r.stderr;
    expect(out).toContain(`run ${runId} recorded ledger head ${head}, which .sfdeploy/signoffs.jsonl no longer contains`);
    expect(out).toContain(
      `run ${runId} relied on record ${head} (release-notes, declined by Bob <bob@example.com>), which .sfdeploy/signoffs.jsonl no longer contains`,
    );
    expect(r.stdout).not.toMatch(/✔ release-notes/);
    // verify prints the same facts
    const v = await cli(['verify', '--log-dir', 'runs']);
    expect(v.code).toBe(1);
    expect(v.stdout).toContain(`✖ run ${runId} recorded ledger head ${head}, which .sfdeploy/signoffs.jsonl no longer contains`);
  });

  it('does not reuse a confirmation whose later decline was deleted from the end of the ledger', async () => {
    expect((await sign('Ana <ana@example.com>', 'v1')).code).toBe(0);
    expect((await check('v1')).code).toBe(0);
    expect((await sign('Bob <bob@example.com>', 'v1', '--decline', '--reason', 'rollback plan missing')).code).toBe(0);
    const seen = await check('v1');
    expect(seen.code).toBe(1);
    const runId = /runs\/(\S+)\.json/.exec(seen.stdout)![1]!;
    const declined = String(readLedger(ledgerFile())[1]!.hash).slice(0, 12);

    const kept = readFileSync(ledgerFile(), 'utf8').split('\n').filter(Boolean).slice(0, 1);
    writeFileSync(ledgerFile(), `${kept.join('\n')}\n`);

    const r = await check('v1');
    expect(r.code).toBe(1);
    const out = r.stdout + r.stderr;
    expect(out).toContain(`run ${runId} recorded ledger head ${declined}, which .sfdeploy/signoffs.jsonl no longer contains`);
    expect(out).toContain('.sfdeploy/signoffs.jsonl');
  });

  it('signoff warns that check will refuse the rewritten ledger, and still records the sign-off', async () => {
    expect((await sign('Bob <bob@example.com>', 'v1', '--decline', '--reason', 'notes missing')).code).toBe(0);
    expect((await check('v1')).code).toBe(1);
    forgeDeclines(ledgerFile());
    const env = { SFDEPLOY_LOG_DIR: 'runs' };
    const signed = await runCli(['signoff', 'checklist.yaml', 'release-notes', '--by', 'Cy <cy@example.com>', '--release', 'v2'], {
      cwd: w.dir,
      env,
    });
    expect(signed.code).toBe(0);
    expect(signed.stderr).toContain(
      'warning: ledger .sfdeploy/signoffs.jsonl no longer holds records that 1 earlier run saw (rewritten with recomputed hashes, or cut at its end)',
    );
    expect(signed.stderr).toContain('`sfdeploy check` will not count what is signed in it now either');
    expect(readLedger(ledgerFile()).at(-1)).toMatchObject({ signer: 'Cy <cy@example.com>', release: 'v2' });
    // an intact ledger: no word
    const fresh = signoffScenario('release-notes');
    try {
      const quiet = await runCli(['signoff', 'checklist.yaml', 'release-notes', '--by', 'Cy <cy@example.com>', '--release', 'v2'], {
        cwd: fresh.dir,
        env,
      });
      expect(quiet.code).toBe(0);
      expect(quiet.stderr).toBe('');
    } finally {
      fresh.remove();
    }
  });

  it('status does not show the forged sign-off as signed, and names the run that saw the decline', async () => {
    expect((await sign('Bob <bob@example.com>', 'v1', '--decline', '--reason', 'notes missing')).code).toBe(0);
    const seen = await check('v1');
    expect(seen.code).toBe(1);
    const runId = /runs\/(\S+)\.json/.exec(seen.stdout)![1]!;
    const head = String(forgeDeclines(ledgerFile())[0]!.hash).slice(0, 12);

    const r = await cli(['status', 'checklist.yaml', '--release', 'v1', '--log-dir', 'runs']);
    expect(r.code).toBe(0);
    expect(r.stdout).not.toContain('signed by Bob');
    expect(r.stdout).toContain('release-notes  pending: ledger .sfdeploy/signoffs.jsonl no longer holds records that 1 earlier run saw');
    expect(r.stderr).toContain(`warning: run ${runId} recorded ledger head ${head}, which .sfdeploy/signoffs.jsonl no longer contains`);
    const json = await cli(['status', 'checklist.yaml', '--release', 'v1', '--log-dir', 'runs', '--json']);
    const parsed = JSON.parse(json.stdout) as { rewritten?: string; items: { status: string }[] };
    expect(parsed.items.map((i) => i.status)).toEqual(['pending']);
    expect(parsed.rewritten).toContain('no longer holds records');
  });

  it('still passes with an intact ledger that earlier runs saw grow', async () => {
    expect((await sign('Ana <ana@example.com>', 'v1')).code).toBe(0);
    expect((await check('v1')).code).toBe(0);
    expect((await sign('Ana <ana@example.com>', 'v2')).code).toBe(0);
    expect((await check('v2')).code).toBe(0);
    const r = await check('v1');
    expect(r.stderr).not.toContain('no longer contains');
    expect(r.code).toBe(0);
  });
});

describe('the run history check reads', () => {
  it('skips a run log file larger than MAX_RUN_LOG_BYTES with a warning instead of reading it whole', async () => {
    const w = signoffScenario('release-notes');
    try {
      const cli = (args: string[]) => runCli(args, { cwd: w.dir });
      expect((await cli(['signoff', 'checklist.yaml', 'release-notes', '--by', 'Ana <ana@example.com>', '--release', 'v1'])).code).toBe(0);
      const seen = await cli(['check', 'checklist.yaml', '--ci', '--release', 'v1', '--log-dir', 'runs']);
      expect(seen.code).toBe(0);
      const file = /(runs\/\S+\.json)/.exec(seen.stdout)![1]!;
      const big = w.path(file.replace(/-[0-9a-f]+\.json$/, '-ffffff.json'));
      // a valid run log, padded past the cap: read whole, it would parse
      writeFileSync(big, readFileSync(w.path(file), 'utf8') + ' '.repeat(MAX_RUN_LOG_BYTES));
      const r = await cli(['check', 'checklist.yaml', '--ci', '--release', 'v1', '--log-dir', 'runs']);
      expect(r.stderr).toContain(`${big}: larger than ${MAX_RUN_LOG_BYTES} bytes; skipped`);
      expect(r.code).toBe(0);
    } finally {
      w.remove();
    }
  });
});
