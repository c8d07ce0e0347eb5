import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { REPO_ROOT, runCli } from '../support/cli.js';
import { findChromium, runChromium } from '../support/chromium.js';
import { tempDir } from '../support/tmp.js';

/** A recorded passing run with sign-offs (one reused from the ledger, one declined), a retried item and hostile titles. */
const SIGNED_RUNS = join(REPO_ROOT, 'tests/fixtures/signed-release-run/runs');
const SIGNED_RUN_ID = '20261128T090000Z-a1b2c3';

/** Replaces what changes from run to run: times, durations, ids, hashes, user and host. */
function normalise(text: string, run: { runId: string; user: string; host: string }): string {
  return text
    .replaceAll(run.runId, '<run-id>')
    .replace(/\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z/g, '<time>')
    .replace(/\b(?:\d+h \d+m|\d+m \d+s|\d+(?:\.\d+)?(?:ms|s|m|h))\b/g, '<duration>')
    .replace(/\b[0-9a-f]{64}\b/g, '<sha256>')
    .replaceAll(`\`${run.user}\``, '`<user>`')
    .replaceAll(`\`${run.host}\``, '`<host>`')
    .replace(/sfdeploy \d+\.\d+\.\d+\S*/g, 'sfdeploy <version>');
}

describe('sfdeploy report', () => {
  let tmp: ReturnType<typeof tempDir> | undefined;
  afterEach(() => {
    tmp?.remove();
    tmp = undefined;
  });

  it('prints a Markdown receipt with the checklist hash, context, every item with evidence, every sign-off and the ledger head', async () => {
    const r = await runCli(['report', SIGNED_RUN_ID, '--log-dir', SIGNED_RUNS]);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toMatchInlineSnapshot(`
      "# Sign-off receipt: Pre-deployment checklist

      | Field | Value |
      | --- | --- |
      | Checklist | \`pre\` Pre-deployment checklist |
      | Checklist SHA-256 | \`9f2c4e7a1b3d5f6081726354a9b8c7d6e5f4031928374655aabbccddeeff0011\` |
      | Run | \`20261128T090000Z-a1b2c3\` |
      | Release | \`v1.4.0\` |
      | Environment | production |
      | Git commit | \`3f9a1c2b4d5e6f708192a3b4c5d6e7f809a1b2c3\` |
      | Started | 2026-11-28T09:00:00.000Z |
      | Finished | 2026-11-28T09:04:12.500Z (4m 13s) |
      | Run by | \`release-bot\` on \`build-01\`, sfdeploy 0.1.0 |
      | Ledger head | \`c0ffee00deadbeef0123456789abcdef0123456789abcdef0123456789abcdef\` |
      | Verdict | **PASSED** (exit 0) |

      **Items:** 3 passed · 2 warned · 2 signed

      ## Items

      ### Code & Version Control

      | Status | Item | Kind | Duration | Evidence |
      | --- | --- | --- | --- | --- |
      | ✔ pass | All code is committed to version control \`code-committed\` | command | 12ms | \`exit_code == 0, stdout == ""\` · \`exit_code = 0\` |
      | ✔ pass | Version tag created (e.g., v1.0.0) \`code-version-tag\` | command | 9ms | \`exit 0\` · \`exit_code = 0\` |

      ### API \\<b\\>health\\</b\\> \\| status

      | Status | Item | Kind | Duration | Evidence |
      | --- | --- | --- | --- | --- |
      | ✔ pass | Health endpoint healthy \`api-health\` | http | 1.4s | \`200 in 143ms\` · \`status = 200\` · \`latency_ms = 143\` · \`json.status = "healthy"\` · \`json.latency.p95 = 120\` · 2 attempts |
      | ! warn | Escaping \\<script\\>alert("x")\\</script\\> & \\| pipes \`api-escaping\` (optional) | command | 31ms | \`\`sh exited with 3: first line second \`line\` \\| with pipe\`\` · \`exit_code = 3\` |

      ### Deployment Approvals

      | Status | Item | Kind | Duration | Evidence |
      | --- | --- | --- | --- | --- |
      | ✔ signed | Engineering Lead approval \`approval-engineering-lead\` | manual | — | \`confirmed by Ada Lovelace <ada@example.com>\` |
      | ✔ signed | DevOps Lead approval \`approval-devops-lead\` | manual | — | \`signed earlier by Grace Hopper <grace@example.com>\` |
      | ! warn | CTO approval (for major releases) \`approval-cto\` (optional) | manual | — | \`declined by Linus <linus@example.com>: minor release\` |

      ## Sign-offs

      | Item | Decision | Signer | Role | Time | Note | Ledger record |
      | --- | --- | --- | --- | --- | --- | --- |
      | Engineering Lead approval \`approval-engineering-lead\` | confirmed | \`Ada Lovelace <ada@example.com>\` | engineering-lead | 2026-11-28T09:01:42.000Z | \`Reviewed PR #42 \\| all green\` | \`5e1f0c3a9d8b7a6f5e4d3c2b1a09f8e7d6c5b4a39281706f5e4d3c2b1a09f8e7\` |
      | DevOps Lead approval \`approval-devops-lead\` | confirmed (earlier, from the ledger) | \`Grace Hopper <grace@example.com>\` | devops-lead | 2026-11-27T16:30:00.000Z | \`evidence: https://ci.example.com/runs/981\` | \`0a1b2c3d4e5f60718293a4b5c6d7e8f90a1b2c3d4e5f60718293a4b5c6d7e8f9\` |
      | CTO approval (for major releases) \`approval-cto\` | **declined** | \`Linus <linus@example.com>\` | — | 2026-11-28T09:03:05.000Z | \`reason: minor release\` | — |

      _Generated from run log \`20261128T090000Z-a1b2c3\`._
      "
    `);
  });
  it('gives a stable Markdown receipt for a freshly recorded run once times, durations, ids and hashes are normalised', async () => {
    tmp = tempDir();
    const checked = await runCli(
      [
        'check',
        join(REPO_ROOT, 'tests/fixtures/failing-gate/checklist.yaml'),
        '--ci',
        '--log-dir',
        tmp.path('runs'),
        '--release',
        'v2.0.0',
        '--environment',
        'staging',
      ],
      { cwd: tmp.dir },
    );
    expect(checked.code).toBe(1);
    const json = await runCli(['report', 'latest', '--format', 'json', '--log-dir', tmp.path('runs')], { cwd: tmp.dir });
    const receipt = JSON.parse(json.stdout) as { runId: string; user: string; host: string };
    const r = await runCli(['report', 'latest', '--log-dir', tmp.path('runs')], { cwd: tmp.dir });
    expect(r.code).toBe(0);
    expect(normalise(r.stdout, receipt)).toMatchInlineSnapshot(`
      "# Sign-off receipt: Failing gate

      | Field | Value |
      | --- | --- |
      | Checklist | \`gate\` Failing gate |
      | Checklist SHA-256 | \`<sha256>\` |
      | Run | \`<run-id>\` |
      | Release | \`v2.0.0\` |
      | Environment | staging |
      | Git commit | not recorded |
      | Started | <time> |
      | Finished | <time> (<duration>) |
      | Run by | \`<user>\` on \`<host>\`, sfdeploy <version> |
      | Ledger head | none recorded |
      | Verdict | **FAILED** (exit 1) |

      **Items:** 1 passed · 1 failed · 1 warned · 1 errored · 1 pending

      **Blocking:** \`disk-full\`, \`tool-missing\`

      **Awaiting sign-off:** \`release-manager\`

      ## Items

      ### Checks: disk, tools

      | Status | Item | Kind | Duration | Evidence |
      | --- | --- | --- | --- | --- |
      | ✔ pass | Always passes \`passes\` | command | <duration> | \`exit 0\` · \`exit_code = 0\` |
      | ✖ FAIL | Disk: 95% full, second line \`disk-full\` | command | <duration> | \`sh exited with 1: usage 95% \\| limit: 90%\` · \`exit_code = 1\` |
      | ✖ ERROR | Tool is installed \`tool-missing\` | command | <duration> | \`command not found: sfdeploy-test-no-such-tool (is it installed and on PATH?)\` |
      | ! warn | Optional check \`optional-check\` (optional) | command | <duration> | \`sh exited with 2\` · \`exit_code = 2\` |

      ### Approvals

      | Status | Item | Kind | Duration | Evidence |
      | --- | --- | --- | --- | --- |
      | ⏸ pending | Release manager approves \`release-manager\` | manual | — | \`no sign-off yet\` |

      ## Sign-offs

      No sign-offs were recorded in this run.

      _Generated from run log \`<run-id>\`._
      "
    `);
  });

  it('prints the receipt as JSON with the items, sign-offs and ledger head', async () => {
    const r = await runCli(['report', 'latest', '--format', 'json', '--log-dir', SIGNED_RUNS]);
    expect(r.code).toBe(0);
    const receipt = JSON.parse(r.stdout);
    expect(receipt).toMatchObject({
      receiptVersion: 1,
      runId: SIGNED_RUN_ID,
      checklist: { id: 'pre', sha256: '9f2c4e7a1b3d5f6081726354a9b8c7d6e5f4031928374655aabbccddeeff0011' },
      release: 'v1.4.0',
      environment: 'production',
      gitSha: '3f9a1c2b4d5e6f708192a3b4c5d6e7f809a1b2c3',
      verdict: 'passed',
      ledgerHead: 'c0ffee00deadbeef0123456789abcdef0123456789abcdef0123456789abcdef',
    });
    expect(receipt.sections.flatMap((s: { items: { id: string }[] }) => s.items.map((i) => i.id))).toHaveLength(7);
    expect(receipt.sections[1].items[0]).toMatchObject({
      id: 'api-health',
      durationMs: 1450,
      attempts: 2,
      evidence: [
        ['status', 200],
        ['latency_ms', 143],
        ['json.status', 'healthy'],
        ['json.latency.p95', 120],
      ],
    });
    expect(
      receipt.signoffs.map((s: { item: string; by: string; role?: string; decision: string }) => [s.item, s.by, s.role, s.decision]),
    ).toEqual([
      ['approval-engineering-lead', 'Ada Lovelace <ada@example.com>', 'engineering-lead', 'confirmed'],
      ['approval-devops-lead', 'Grace Hopper <grace@example.com>', 'devops-lead', 'confirmed'],
      ['approval-cto', 'Linus <linus@example.com>', undefined, 'declined'],
    ]);
  });

  it('writes a self-contained HTML receipt that escapes every value and renders in headless Chromium without console errors', async () => {
    const chromium = findChromium();
    tmp = tempDir();
    const r = await runCli(['report', SIGNED_RUN_ID, '--format', 'html', '--output', tmp.path('receipt.html'), '--log-dir', SIGNED_RUNS], {
      cwd: tmp.dir,
    });
    expect(r.code).toBe(0);
    expect(r.stderr).toBe(`wrote the html receipt of run ${SIGNED_RUN_ID} to receipt.html\n`);
    const html = readFileSync(tmp.path('receipt.html'), 'utf8');
    expect(html).toMatch(/^<!DOCTYPE html>/);
    expect(html).toContain(
      `<meta http-equiv="Content-Security-Policy" content="default-src &#39;none&#39;; style-src &#39;unsafe-inline&#39;;`,
    );
    expect(html).not.toMatch(/<script|<link|<img|<iframe|\bsrc=|\bhref=|url\(|@import/i);
    expect(html).toContain('Escaping &lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; | pipes');
    expect(html).toContain('API &lt;b&gt;health&lt;/b&gt; | status');
    for (const text of [
      '9f2c4e7a1b3d5f6081726354a9b8c7d6e5f4031928374655aabbccddeeff0011',
      'v1.4.0',
      '3f9a1c2b4d5e6f708192a3b4c5d6e7f809a1b2c3',
      'c0ffee00deadbeef0123456789abcdef0123456789abcdef0123456789abcdef',
      'Ada Lovelace &lt;ada@example.com&gt;',
      'Reviewed PR #42 | all green',
    ]) {
      expect(html).toContain(text);
    }
    expect(html).toMatch(/@media print/);

    const url = pathToFileURL(tmp.path('receipt.html')).href;
    const shot = await runChromium(chromium, url, [`--screenshot=${tmp.path('receipt.png')}`, '--window-size=1000,1400']);
    expect(shot.code).toBe(0);
    expect(shot.console).toEqual([]);
    const png = readFileSync(tmp.path('receipt.png'));
    expect(png.subarray(0, 8).toString('hex')).toBe('89504e470d0a1a0a');
    expect([png.readUInt32BE(16), png.readUInt32BE(20)]).toEqual([1000, 1400]);
    expect(png.length).toBeGreaterThan(20_000);

    const pdf = await runChromium(chromium, url, [`--print-to-pdf=${tmp.path('receipt.pdf')}`, '--no-pdf-header-footer']);
    expect(pdf.code).toBe(0);
    expect(pdf.console).toEqual([]);
    const doc = readFileSync(tmp.path('receipt.pdf')).toString('latin1');
    expect(doc.startsWith('%PDF-')).toBe(true);
    expect(doc).toMatch(/\/MediaBox \[0 0 59[45]\.\d+ 84[12]\.\d+\]/);
  }, 60_000);

  it('exits 2 naming the log directory when the run does not exist', async () => {
    const r = await runCli(['report', '20200101T000000Z-ffffff', '--log-dir', SIGNED_RUNS]);
    expect(r.code).toBe(2);
    expect(r.stderr).toBe(`no run "20200101T000000Z-ffffff" in ${SIGNED_RUNS}\n`);
  });
});
