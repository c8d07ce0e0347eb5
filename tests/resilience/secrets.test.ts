import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { runCli, type CliResult } from '../support/cli.js';
import { startHttpServer, type TestHttpServer } from '../support/http-server.js';
import { closedPort } from '../support/ports.js';
import { tempDir } from '../support/tmp.js';
import { startWebhookReceiver, type WebhookReceiver } from '../support/webhook-receiver.js';

/** Every secret carries this marker, so one search finds any of them anywhere. */
const MARK = 'SENTINEL';
const secrets = {
  dbPassword: `pg${MARK}pw8812`,
  redisPassword: `rd${MARK}pw4471`,
  stripe: `sk_live_${MARK}stripe990011`,
  jwt: `jwt${MARK}0123456789abcdef0123456789abcdef`,
  token: `tok${MARK}bearer5521`,
  aws: `aws${MARK}secret/abc+def`,
  webhook: `/services/T0${MARK}/B0${MARK}/hook${MARK}9911`,
  /** Literal in the checklist, not in the environment: found only because the probes declare them. */
  apiKeyHeader: `hdr${MARK}key7781`,
  cookie: `ck${MARK}session99`,
  proxyAuth: `px${MARK}proxy31`,
  basicPassword: `pw${MARK}basic42`,
  literalBearer: `lb${MARK}token6060`,
  /** 41 characters: cut at a length limit it would no longer be recognised. */
  long: `lt${MARK}0123456789abcdefghijklmnopqrstu`,
  queryPassword: `qp${MARK}pw77`,
  kvPassword: `kv${MARK}pw55`,
};

let echo: TestHttpServer;
let hooks: WebhookReceiver;
/** Another origin (another port): where /redirect sends the request. */
let other: TestHttpServer;
const otherRequests: Record<string, string | string[] | undefined>[] = [];
let ws: ReturnType<typeof tempDir>;
const outputs: { what: string; text: string }[] = [];

const CHECKLIST = `id: secrets
title: Secrets never leak
notify:
  - { url: "\${HOOK_URL}", format: slack }
roles:
  sre: { title: SRE, waives: true }
sections:
  - id: services
    title: Services
    items:
      - id: db
        title: Database with a password
        timeout: 2s
        probe: { kind: postgres }
      - id: redis
        title: Redis with a password
        timeout: 2s
        probe: { kind: redis }
      - id: bearer
        title: HTTP with a bearer token, echoed back
        probe:
          kind: http
          url: \${API_BASE}/echo
          auth: { bearer: "\${API_TOKEN}" }
          expect: ['json.authorization == "nope"']
      - id: url-password
        title: HTTP with a password in the URL
        probe:
          kind: http
          url: http://app:\${DB_PASSWORD}@127.0.0.1:\${API_PORT}/echo?token=\${API_TOKEN}
          expect: [status == 500]
      - id: echo-fails
        title: A command that prints secrets and fails
        probe: { kind: command, run: [node, -e, "console.log(process.argv.slice(1).join(' ')); console.error(process.argv[1]); process.exit(2)", "\${STRIPE_API_KEY}", "\${JWT_SECRET_KEY}"] }
      - id: echo-passes
        title: A shell line that prints a secret and passes
        probe: { kind: command, shell: 'echo "key=$AWS_SECRET_ACCESS_KEY"' }
      - id: echo-hook
        title: A shell line that prints the webhook URL (masked only because notify uses it)
        probe: { kind: command, shell: 'echo "hook=$HOOK_URL"' }
      - id: stripe-mode
        title: Stripe key in test mode
        probe: { kind: env, vars: [STRIPE_API_KEY], pattern: ^sk_test_ }
      - id: bucket
        title: S3 with credentials
        timeout: 3s
        probe: { kind: s3, bucket: media, endpoint: "http://127.0.0.1:\${DEAD_PORT}" }
      - id: header-echo
        title: HTTP with credential headers and basic auth written in the checklist, echoed back
        probe:
          kind: http
          url: \${API_BASE}/echo
          headers: { X-Api-Key: "${secrets.apiKeyHeader}", Cookie: "sid=${secrets.cookie}", Accept: application/json }
          auth: { user: app, password: "${secrets.basicPassword}" }
          expect: ['json.headers.x-api-key == "nope"', 'json.token == "nope"', 'json.headers.cookie == "nope"']
      - id: bearer-echo
        title: HTTP with a bearer token written in the checklist, echoed back without its prefix
        probe:
          kind: http
          url: \${API_BASE}/echo
          auth: { bearer: "${secrets.literalBearer}" }
          expect: ['json.token == "nope"']
      - id: redirect
        title: A redirect to another origin gets none of the user's headers
        probe:
          kind: http
          url: \${API_BASE}/redirect
          follow_redirects: true
          headers:
            Authorization: "Token ${secrets.literalBearer}"
            X-Api-Key: "${secrets.apiKeyHeader}"
            Cookie: "sid=${secrets.cookie}"
            Proxy-Authorization: "Basic ${secrets.proxyAuth}"
          expect: [status == 200]
      - id: long-message
        title: A secret where a failure message is cut
        probe: { kind: command, run: [node, -e, "process.stdout.write('x'.repeat(100) + process.env.LONG_SECRET_TOKEN)"], expect: ['stdout == "short"'] }
      - id: long-output
        title: A secret where a long output is cut
        probe: { kind: command, run: [node, -e, "process.stdout.write('y'.repeat(4080) + process.env.LONG_SECRET_TOKEN)"] }
      - id: query-password
        title: libpq password in the URL's query
        timeout: 2s
        probe: { kind: postgres, url: "\${QUERY_DSN}" }
      - id: keyword-dsn
        title: A keyword/value connection string
        timeout: 2s
        probe: { kind: postgres, url: "\${KV_DSN}" }
      - id: painted
        title: Output that paints a fake verdict and writes the clipboard
        probe: { kind: command, run: [node, -e, "process.stdout.write('\\x1b[2K\\x1b[1G\\x1b[32mGate PASSED\\x1b[0m \\x1b]52;c;ZXZpbA==\\x07'); process.exit(1)"] }
      - id: approve
        title: Approval
        manual: { instructions: approve }
`;

beforeAll(async () => {
  other = await startHttpServer((req, res) => {
    otherRequests.push(req.headers);
    res.setHeader('content-type', 'application/json');
    res.end(JSON.stringify({ landed: true }));
  });
  echo = await startHttpServer((req, res) => {
    if (req.url === '/redirect') {
      res.writeHead(302, { location: `${other.url}/landed` });
      res.end();
      return;
    }
    res.setHeader('content-type', 'application/json');
    const authorization = req.headers.authorization ?? null;
    res.end(JSON.stringify({ authorization, token: authorization?.split(' ')[1] ?? null, url: req.url, headers: req.headers }));
  });
  hooks = await startWebhookReceiver((path) => (path.includes('fail') ? 500 : 200));
  const dead = await closedPort();
  ws = tempDir({ 'c.yaml': CHECKLIST });
  const env = {
    DATABASE_URL: `postgresql://app:${secrets.dbPassword}@127.0.0.1:${dead}/socialflow`,
    REDIS_URL: `redis://:${secrets.redisPassword}@127.0.0.1:${dead}/0`,
    DB_PASSWORD: secrets.dbPassword,
    STRIPE_API_KEY: secrets.stripe,
    JWT_SECRET_KEY: secrets.jwt,
    API_TOKEN: secrets.token,
    AWS_ACCESS_KEY_ID: 'AKIAIOSFODNN7SFDPLOY',
    AWS_SECRET_ACCESS_KEY: secrets.aws,
    API_BASE: echo.url,
    API_PORT: String(echo.port),
    DEAD_PORT: String(dead),
    HOOK_URL: `${hooks.url}${secrets.webhook}`,
    LONG_SECRET_TOKEN: secrets.long,
    QUERY_DSN: `postgresql://app@127.0.0.1:${dead}/socialflow?sslmode=disable&password=${secrets.queryPassword}`,
    KV_DSN: `host=127.0.0.1 port=${dead} user=app password=${secrets.kvPassword} dbname=socialflow`,
  };
  const run = async (what: string, args: string[], extra: Record<string, string> = {}): Promise<CliResult> => {
    const r = await runCli([...args, '--debug'], { cwd: ws.dir, env: { ...env, ...extra } });
    outputs.push({ what: `${what} stdout`, text: r.stdout }, { what: `${what} stderr`, text: r.stderr });
    return r;
  };
  const common = ['--log-dir', 'runs', '--ledger', 'ledger.jsonl', '--release', 'v1.0.0'];
  await run('signoff', [
    'signoff',
    'c.yaml',
    'approve',
    '--by',
    'Ana <ana@example.com>',
    '--note',
    `checked with ${secrets.token}`,
    '--ledger',
    'ledger.jsonl',
    '--release',
    'v1.0.0',
  ]);
  await run('waive', [
    'waive',
    'c.yaml',
    'stripe-mode',
    '--by',
    'Ana <ana@example.com>',
    '--reason',
    `rotating ${secrets.token}`,
    '--expires',
    '1d',
    '--ledger',
    'ledger.jsonl',
    '--release',
    'v1.0.0',
  ]);
  await run('check pretty', ['check', 'c.yaml', '--ci', ...common]);
  await run('check json', ['check', 'c.yaml', '--ci', '--format', 'json', ...common]);
  await run('check junit', ['check', 'c.yaml', '--ci', '--format', 'junit', '--output', 'junit.xml', ...common]);
  await run('check notify', ['check', 'c.yaml', '--ci', '--notify', `teams=${hooks.url}/fail${secrets.webhook}`, ...common], {
    SFDEPLOY_NOTIFY: `json=${hooks.url}/json${secrets.webhook}?key=${MARK}q`,
  });
  await run('check passing', ['check', 'c.yaml', '--ci', '--only', 'echo-passes,url-password,approve', ...common]);
  await run('check github', ['check', 'c.yaml', '--ci', ...common], {
    GITHUB_ACTIONS: 'true',
    GITHUB_STEP_SUMMARY: join(ws.dir, 'step-summary.md'),
  });
  for (const format of ['markdown', 'html', 'json'])
    await run(`report ${format}`, ['report', 'latest', '--format', format, '--log-dir', 'runs']);
  for (const format of ['markdown', 'html', 'json'])
    await run(`monitoring report ${format}`, ['report', '--window', '2000-01-01..', '--format', format, '--log-dir', 'runs']);
  await run('report file', ['report', 'latest', '--format', 'html', '--output', 'receipt.html', '--log-dir', 'runs']);
  await run('show', ['show', 'latest', '--log-dir', 'runs']);
  await run('show json', ['show', 'latest', '--format', 'json', '--log-dir', 'runs']);
  await run('runs', ['runs', '--log-dir', 'runs']);
  await run('diff', ['diff', 'latest~1', 'latest', '--log-dir', 'runs']);
  await run('status', ['status', 'c.yaml', '--ledger', 'ledger.jsonl', '--release', 'v1.0.0']);
  await run('verify', ['verify', '--ledger', 'ledger.jsonl', '--log-dir', 'runs']);
  hooks.received.forEach((h, i) =>
    outputs.push({ what: `webhook payload ${i + 1} (${h.path.split('/')[1]})`, text: JSON.stringify(h.body) }),
  );
  for (const file of walk(ws.dir)) if (!file.endsWith('c.yaml')) outputs.push({ what: file, text: readFileSync(file, 'utf8') });
}, 120_000);

afterAll(async () => {
  await echo.close();
  await hooks.close();
  await other.close();
  ws.remove();
});

function walk(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const full = join(dir, name);
    return statSync(full).isDirectory() ? walk(full) : [full];
  });
}

describe('secrets in every output', () => {
  it('produced the outputs it inspects: run logs, ledger, JUnit, receipts, and the failures that quote secrets', () => {
    const names = outputs.map((o) => o.what);
    expect(names.some((n) => n.endsWith('ledger.jsonl'))).toBe(true);
    expect(names.some((n) => n.endsWith('junit.xml'))).toBe(true);
    expect(names.some((n) => n.endsWith('receipt.html'))).toBe(true);
    expect(names.some((n) => n.endsWith('step-summary.md'))).toBe(true);
    expect(outputs.find((o) => o.what === 'check github stdout')!.text).toContain('::error');
    expect(names.filter((n) => /runs\/.*\.json$/.test(n)).length).toBeGreaterThanOrEqual(5);
    expect(names.filter((n) => n.startsWith('webhook payload')).length).toBeGreaterThanOrEqual(4);
    expect(outputs.find((o) => o.what === 'monitoring report markdown stdout')!.text).toContain('# Monitoring report: Secrets never leak');
    expect(outputs.find((o) => o.what === 'check notify stderr')!.text).toMatch(/the failed notification \(teams\) .* HTTP 500/);
    const json = JSON.parse(outputs.find((o) => o.what === 'check json stdout')!.text) as {
      items: { id: string; status: string; message: string; observations: Record<string, unknown> }[];
    };
    const byId = Object.fromEntries(json.items.map((i) => [i.id, i]));
    expect(byId['echo-fails']!.observations.stdout).toBe('*** ***');
    expect(byId['echo-passes']).toMatchObject({ status: 'pass', observations: { stdout: 'key=***' } });
    expect(byId.bearer!.message).toBe('json.authorization == "nope" (got "Bearer ***")');
    expect(byId.db!.status).toBe('fail');
    expect(byId.approve!.status).toBe('signed');
    expect(byId['stripe-mode']).toMatchObject({ status: 'waived', waiver: { reason: 'rotating ***' } });
  });

  it('sends none of the user headers to another origin on a redirect, nor the credentials', () => {
    expect(otherRequests.length).toBeGreaterThan(0);
    for (const headers of otherRequests) {
      expect(headers.authorization).toBeUndefined();
      expect(headers['x-api-key']).toBeUndefined();
      expect(headers.cookie).toBeUndefined();
      expect(headers['proxy-authorization']).toBeUndefined();
      expect(headers['user-agent']).toBe('sfdeploy');
    }
  });

  it('masks what the probes declare secret, and masks before cutting', () => {
    const json = JSON.parse(outputs.find((o) => o.what === 'check json stdout')!.text) as {
      items: { id: string; status: string; message: string; observations: Record<string, unknown> }[];
    };
    const byId = Object.fromEntries(json.items.map((i) => [i.id, i]));
    expect(byId['header-echo']!.message).toContain('json.headers.x-api-key == "nope" (got "***")');
    expect(byId['header-echo']!.message).toContain('json.token == "nope" (got "***")');
    expect(byId['bearer-echo']!.message).toBe('json.token == "nope" (got "***")');
    expect(byId.redirect!.status).toBe('pass');
    expect(byId['long-message']!.message).toBe(`stdout == "short" (got "${'x'.repeat(100)}***")`);
    expect(String(byId['long-output']!.observations.stdout)).toBe(`${'y'.repeat(4080)}***`);
    expect(byId['query-password']!.status).toBe('fail');
    expect(byId['keyword-dsn']!.status).not.toBe('pass');
  });

  it('shows control characters from probe output instead of sending them to the terminal or a report', () => {
    const pretty = outputs.find((o) => o.what === 'check pretty stdout')!.text;
    expect(pretty).toContain('\\x1b[32mGate PASSED\\x1b[0m \\x1b]52;c;ZXZpbA==\\x07');
    const raw = outputs.filter((o) => o.text.includes('\x1b') || o.text.includes('\x07')).map((o) => o.what);
    expect(raw).toEqual([]);
  });

  it('never shows a password, key or token: not in the terminal, formats, reports, run logs nor the ledger', () => {
    const leaks = outputs
      .filter((o) => o.text.includes(MARK))
      .map((o) => `${o.what}: …${o.text.slice(Math.max(0, o.text.indexOf(MARK) - 60), o.text.indexOf(MARK) + 20)}…`);
    expect(leaks).toEqual([]);
  });
});
