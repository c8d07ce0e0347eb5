import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { NotificationRecord, RunLog } from '../../src/runner/types.js';
import { runCli } from '../support/cli.js';
import { sendJson, startHttpServer, type TestHttpServer } from '../support/http-server.js';
import { tempDir } from '../support/tmp.js';
import { startWebhookReceiver, type WebhookReceiver } from '../support/webhook-receiver.js';

/** The secret part of every webhook URL: it must never be shown. */
const KEY = 'T0HOOKKEY/B0HOOKKEY/xHookKey8812secret';

const FAILING = (notify: string) => `id: gate
title: Release gate
roles:
  release-manager: { title: Release manager, signers: [ana@example.com] }
${notify}
sections:
  - id: s
    title: S
    items:
      - id: passes
        title: Passes
        probe: { kind: command, run: [node, -e, "process.exit(0)"] }
      - id: migrations
        title: Migrations at head
        probe: { kind: command, run: [node, -e, "console.log('2 pending revisions'); process.exit(3)"], expect: [exit_code == 0] }
      - id: approve
        title: Release manager approval
        manual: { instructions: Approve., roles: [release-manager] }
`;

const NOTIFY_ALL = `vars:
  HOOK_BASE: {}
notify:
  - { url: "\${HOOK_BASE}/slack/${KEY}", format: slack }
  - { url: "\${HOOK_BASE}/teams/${KEY}", format: teams }
  - { url: "\${HOOK_BASE}/json/${KEY}" }`;

const runLogs = (dir: string): RunLog[] =>
  readdirSync(dir)
    .filter((f) => f.endsWith('.json'))
    .map((f) => JSON.parse(readFileSync(join(dir, f), 'utf8')) as RunLog)
    // run ids start with the second the run started: two runs of one second sort by their start time
    .sort((a, b) => a.startedAt.localeCompare(b.startedAt));

describe('notifications', () => {
  let tmp: ReturnType<typeof tempDir> | undefined;
  let hooks: WebhookReceiver | undefined;
  let app: TestHttpServer | undefined;
  afterEach(async () => {
    await hooks?.close();
    await app?.close();
    tmp?.remove();
    hooks = app = tmp = undefined;
  });

  it('sfdeploy.config.yaml notify: sends for every checklist run in the repository, its URL masked like the others', async () => {
    hooks = await startWebhookReceiver();
    tmp = tempDir({
      'c.yaml': FAILING(''),
      'sfdeploy.config.yaml': `notify:\n  - { url: "\${TEAM_HOOK}", format: json, on: [failed] }\n`,
    });
    const r = await runCli(['check', 'c.yaml', '--ci', '--log-dir', 'runs', '--ledger', 'l.jsonl', '--release', 'v2.0.0'], {
      cwd: tmp.dir,
      env: { TEAM_HOOK: `${hooks.url}/team/${KEY}` },
    });
    expect(r.code).toBe(1);
    expect(hooks.received.map((h) => h.path)).toEqual([`/team/${KEY}`]);
    expect(hooks.received[0]!.body).toMatchObject({ event: 'failed', verdict: 'failed' });
    const [log] = runLogs(tmp.path('runs'));
    expect(log!.notifications?.map((n) => [n.event, n.ok])).toEqual([['failed', true]]);
    expect(JSON.stringify(log)).not.toContain(KEY.split('/')[2]);
    expect(r.stdout + r.stderr).not.toContain(KEY.split('/')[2]);
    const unset = await runCli(['check', 'c.yaml', '--ci', '--log-dir', 'runs', '--ledger', 'l.jsonl', '--release', 'v2.0.0'], {
      cwd: tmp.dir,
    });
    expect(unset.code).toBe(1);
    expect(unset.stderr).toContain('warning: sfdeploy.config.yaml notify[0].url: TEAM_HOOK is not set; nothing is sent to it');
  });

  it('sends a failed gate to Slack, Teams and JSON webhooks with the verdict, the failing items and a link to the run', async () => {
    hooks = await startWebhookReceiver();
    tmp = tempDir({ 'c.yaml': FAILING(NOTIFY_ALL) });
    const r = await runCli(['check', 'c.yaml', '--ci', '--log-dir', 'runs', '--ledger', 'l.jsonl', '--release', 'v2.0.0'], {
      cwd: tmp.dir,
      env: { HOOK_BASE: hooks.url },
    });
    expect(r.code).toBe(1);
    expect(r.stderr).toBe('');
    const [log] = runLogs(tmp.path('runs'));
    expect(hooks.received.map((h) => h.path).sort()).toEqual([`/json/${KEY}`, `/slack/${KEY}`, `/teams/${KEY}`]);
    expect(hooks.received.every((h) => h.contentType?.startsWith('application/json'))).toBe(true);
    const body = (kind: string) => hooks!.received.find((h) => h.path.startsWith(`/${kind}/`))!.body as Record<string, unknown>;
    const link = `file://${tmp.path(`runs/${log!.runId}.json`)}`;

    const slack = body('slack') as {
      text: string;
      blocks: { type: string; text?: { text: string }; fields?: { text: string }[]; elements?: { text: string }[] }[];
    };
    expect(slack.text).toBe('✖ Gate failed: Release gate · release v2.0.0 · failing: migrations');
    expect(slack.blocks.map((b) => b.type)).toEqual(['header', 'section', 'section', 'section', 'context']);
    expect(slack.blocks[0]!.text!.text).toBe('✖ Gate failed: Release gate');
    expect(slack.blocks[1]!.fields!.map((f) => f.text)).toEqual([
      '*Verdict*\nFAILED (exit 1)',
      '*Checklist*\nRelease gate (gate)',
      '*Release*\nv2.0.0',
      '*Environment*\nnot recorded',
      `*Run*\n${log!.runId}`,
    ]);
    expect(slack.blocks[2]!.text!.text).toBe('*Failing items*\n• `migrations` Migrations at head: exit_code == 0 (got 3)');
    expect(slack.blocks[3]!.text!.text).toBe(
      '*Waiting for sign-off*\n• `approve` Release manager approval: may sign release-manager (Release manager: ana@example.com)',
    );
    expect(slack.blocks[4]!.elements![0]!.text).toBe(`<${link}|Open the run> · \`sfdeploy report ${log!.runId}\``);

    const teams = body('teams') as {
      type: string;
      attachments: {
        contentType: string;
        contentUrl: null;
        content: { type: string; version: string; body: { type: string; text?: string; facts?: { title: string; value: string }[] }[] };
      }[];
    };
    expect(teams.type).toBe('message');
    expect(teams.attachments).toHaveLength(1);
    const card = teams.attachments[0]!;
    expect(card.contentType).toBe('application/vnd.microsoft.card.adaptive');
    expect(card.contentUrl).toBeNull();
    expect(card.content).toMatchObject({ type: 'AdaptiveCard', version: '1.4' });
    expect(card.content.body[0]).toMatchObject({ type: 'TextBlock', text: '✖ Gate failed: Release gate', color: 'Attention' });
    expect(card.content.body[1]!.facts).toContainEqual({ title: 'Verdict', value: 'FAILED (exit 1)' });
    expect(card.content.body.map((b) => b.text)).toContain('**migrations** Migrations at head: exit\\_code == 0 (got 3)');
    expect(card.content.body.map((b) => b.text)).toContain(link);

    expect(body('json')).toMatchObject({
      schema: 'sfdeploy.notification/v1',
      event: 'failed',
      runId: log!.runId,
      release: 'v2.0.0',
      verdict: 'failed',
      exitCode: 1,
      failing: [{ id: 'migrations', title: 'Migrations at head', status: 'fail', message: 'exit_code == 0 (got 3)' }],
      link,
      reportCommand: `sfdeploy report ${log!.runId}`,
    });
    expect(log!.notifications!.map((n) => [n.event, n.format, n.ok, n.attempts, n.status, n.target])).toEqual([
      ['failed', 'slack', true, 1, 200, `${hooks.url}/…`],
      ['failed', 'teams', true, 1, 200, `${hooks.url}/…`],
      ['failed', 'json', true, 1, 200, `${hooks.url}/…`],
    ]);
    const everything = [r.stdout, r.stderr, readFileSync(tmp.path(`runs/${log!.runId}.json`), 'utf8')].join('\n');
    expect(everything).not.toContain('HookKey');
  });

  it('names the pending sign-offs and who may sign them (--notify json=URL), and sends nothing for a passing gate', async () => {
    hooks = await startWebhookReceiver();
    tmp = tempDir({ 'c.yaml': FAILING('') });
    const flag = `json=${hooks.url}/flag/${KEY}`;
    const pending = await runCli(
      ['check', 'c.yaml', '--ci', '--skip', 'migrations', '--notify', flag, '--log-dir', 'runs', '--ledger', 'l.jsonl'],
      {
        cwd: tmp.dir,
      },
    );
    expect(pending.code).toBe(3);
    expect(hooks.received).toHaveLength(1);
    expect(hooks.received[0]!.body).toMatchObject({
      event: 'pending',
      verdict: 'pending',
      headline: '⏳ Waiting for sign-off: Release gate',
      failing: [],
      pending: [
        {
          id: 'approve',
          title: 'Release manager approval',
          roles: [{ role: 'release-manager', title: 'Release manager', signers: ['ana@example.com'] }],
          maySign: 'release-manager (Release manager: ana@example.com)',
        },
      ],
    });
    const passed = await runCli(
      ['check', 'c.yaml', '--ci', '--only', 'passes', '--notify', flag, '--log-dir', 'runs', '--ledger', 'l.jsonl'],
      { cwd: tmp.dir },
    );
    expect(passed.code).toBe(0);
    expect(hooks.received).toHaveLength(1);
    expect(runLogs(tmp.path('runs')).map((l) => l.notifications?.length)).toEqual([1, undefined]);
  });

  it.each([
    ['hangs', 'hang' as const, /no answer within 300ms/],
    ['answers 500', 500, /HTTP 500: receiver error/],
  ])(
    'a receiver that %s changes nothing but a warning: same exit code, one retry, the outcome in the run log',
    async (_what, answer, reason) => {
      hooks = await startWebhookReceiver(() => answer);
      tmp = tempDir({ 'c.yaml': FAILING(`notify:\n  - { url: "${'$'}{HOOK_BASE}/json/${KEY}", timeout: 300ms }`) });
      const r = await runCli(['check', 'c.yaml', '--ci', '--log-dir', 'runs', '--ledger', 'l.jsonl'], {
        cwd: tmp.dir,
        env: { HOOK_BASE: hooks.url },
      });
      expect(r.code).toBe(1);
      expect(hooks.received).toHaveLength(2);
      const warnings = r.stderr.split('\n').filter(Boolean);
      expect(warnings).toHaveLength(1);
      expect(warnings[0]).toMatch(
        new RegExp(
          `^warning: the failed notification \\(json\\) to http://127\\.0\\.0\\.1:\\d+/… was not delivered: ${reason.source} \\(after a retry\\); the gate is unchanged$`,
        ),
      );
      const [log] = runLogs(tmp.path('runs'));
      expect(log!.summary.verdict).toBe('failed');
      expect(log!.status).toBe('failed');
      const record = log!.notifications![0]! satisfies NotificationRecord;
      expect(record).toMatchObject({ event: 'failed', ok: false, attempts: 2 });
      expect(record.error).toMatch(reason);
      expect(`${r.stdout}${r.stderr}${JSON.stringify(log)}`).not.toContain('HookKey');
    },
  );

  it('tells the webhooks when a watch run turns red, when it recovers and when the watch ends ($SFDEPLOY_NOTIFY)', async () => {
    hooks = await startWebhookReceiver();
    app = await startHttpServer((_req, res, n) =>
      n === 2 ? sendJson(res, 503, { status: 'degraded' }) : sendJson(res, 200, { status: 'healthy' }),
    );
    tmp = tempDir({
      'w.yaml': `id: w\ntitle: Health watch\nsections:\n  - id: s\n    title: S\n    items:\n      - id: api-health\n        title: Health endpoint healthy\n        probe: { kind: http, url: "${app.url}/health", expect: [status == 200] }\n`,
    });
    const r = await runCli(['check', 'w.yaml', '--every', '1s', '--for', '3s', '--log-dir', 'runs'], {
      cwd: tmp.dir,
      env: { SFDEPLOY_NOTIFY: `json=${hooks.url}/watch/${KEY}  slack=${hooks.url}/slack/${KEY}` },
    });
    expect(r.code).toBe(1);
    expect(r.stderr).toBe('');
    const events = hooks.received
      .filter((h) => h.path.startsWith('/watch/'))
      .map((h) => h.body as { event: string; runId: string; watch?: unknown });
    expect(events.map((e) => e.event)).toEqual(['red', 'recovered', 'watch-end']);
    const logs = runLogs(tmp.path('runs'));
    expect(logs.map((l) => l.summary.verdict)).toEqual(['passed', 'failed', 'passed']);
    expect(events.map((e) => e.runId)).toEqual([logs[1]!.runId, logs[2]!.runId, logs[2]!.runId]);
    expect(events[2]!.watch).toMatchObject({
      runs: 3,
      passed: 2,
      failed: 1,
      reason: 'done',
      firstRun: logs[0]!.runId,
      firstFailure: { runId: logs[1]!.runId, items: ['api-health'] },
    });
    expect(hooks.received.filter((h) => h.path.startsWith('/slack/'))).toHaveLength(3);
    expect(logs.map((l) => (l.notifications ?? []).map((n) => `${n.event}:${n.format}`))).toEqual([
      [],
      ['red:json', 'red:slack'],
      ['recovered:json', 'recovered:slack', 'watch-end:json', 'watch-end:slack'],
    ]);
    expect(new Set(logs.map((l) => l.context.watch?.id)).size).toBe(1);
    const report = await runCli(['report', '--watch', logs[0]!.runId, '--format', 'json', '--log-dir', 'runs'], { cwd: tmp.dir });
    expect(report.code).toBe(0);
    expect((JSON.parse(report.stdout) as { runs: { runId: string }[] }).runs.map((x) => x.runId)).toEqual(logs.map((l) => l.runId));
  });

  it('refuses a --notify value that is not an http(s) URL without quoting it, before running anything', async () => {
    tmp = tempDir({ 'c.yaml': FAILING('') });
    const r = await runCli(['check', 'c.yaml', '--ci', '--notify', `slack=ftp://x/${KEY}`, '--log-dir', 'runs'], { cwd: tmp.dir });
    expect(r.code).toBe(2);
    expect(r.stderr).toBe('error: --notify expects [slack=|teams=|json=]http(s)://… (the value is not shown: it may be a secret)\n');
  });

  it('warns, without the URL, when a notify: variable is unset, and the gate is unchanged', async () => {
    tmp = tempDir({ 'c.yaml': FAILING(NOTIFY_ALL) });
    const r = await runCli(['check', 'c.yaml', '--ci', '--log-dir', 'runs', '--ledger', 'l.jsonl'], { cwd: tmp.dir });
    expect(r.code).toBe(1);
    expect(r.stderr.split('\n').filter(Boolean)).toEqual([
      'warning: notify[0].url: HOOK_BASE is not set; nothing is sent to it',
      'warning: notify[1].url: HOOK_BASE is not set; nothing is sent to it',
      'warning: notify[2].url: HOOK_BASE is not set; nothing is sent to it',
    ]);
  });
});
