import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { runCli, type CliResult } from '../support/cli.js';
import { startHttpServer, type TestHttpServer } from '../support/http-server.js';
import { closedPort } from '../support/ports.js';
import { tempDir } from '../support/tmp.js';

/** Every secret carries this marker, so one search finds any of them anywhere. */
const MARK = 'SENTINEL';
const secrets = {
  dbPassword: `pg${MARK}pw8812`,
  redisPassword: `rd${MARK}pw4471`,
  stripe: `sk_live_${MARK}stripe990011`,
  jwt: `jwt${MARK}0123456789abcdef0123456789abcdef`,
  token: `tok${MARK}bearer5521`,
  aws: `aws${MARK}secret/abc+def`,
};

let echo: TestHttpServer;
let ws: ReturnType<typeof tempDir>;
const outputs: { what: string; text: string }[] = [];

const CHECKLIST = `id: secrets
title: Secrets never leak
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
      - id: stripe-mode
        title: Stripe key in test mode
        probe: { kind: env, vars: [STRIPE_API_KEY], pattern: ^sk_test_ }
      - id: bucket
        title: S3 with credentials
        timeout: 3s
        probe: { kind: s3, bucket: media, endpoint: "http://127.0.0.1:\${DEAD_PORT}" }
      - id: approve
        title: Approval
        manual: { instructions: approve }
`;

beforeAll(async () => {
  echo = await startHttpServer((req, res) => {
    res.setHeader('content-type', 'application/json');
    res.end(JSON.stringify({ authorization: req.headers.authorization ?? null, url: req.url }));
  });
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
  await run('check pretty', ['check', 'c.yaml', '--ci', ...common]);
  await run('check json', ['check', 'c.yaml', '--ci', '--format', 'json', ...common]);
  await run('check junit', ['check', 'c.yaml', '--ci', '--format', 'junit', '--output', 'junit.xml', ...common]);
  await run('check passing', ['check', 'c.yaml', '--ci', '--only', 'echo-passes,url-password,approve', ...common]);
  await run('check github', ['check', 'c.yaml', '--ci', ...common], {
    GITHUB_ACTIONS: 'true',
    GITHUB_STEP_SUMMARY: join(ws.dir, 'step-summary.md'),
  });
  for (const format of ['markdown', 'html', 'json'])
    await run(`report ${format}`, ['report', 'latest', '--format', format, '--log-dir', 'runs']);
  await run('report file', ['report', 'latest', '--format', 'html', '--output', 'receipt.html', '--log-dir', 'runs']);
  await run('show', ['show', 'latest', '--log-dir', 'runs']);
  await run('show json', ['show', 'latest', '--format', 'json', '--log-dir', 'runs']);
  await run('runs', ['runs', '--log-dir', 'runs']);
  await run('diff', ['diff', 'latest~1', 'latest', '--log-dir', 'runs']);
  await run('status', ['status', 'c.yaml', '--ledger', 'ledger.jsonl', '--release', 'v1.0.0']);
  await run('verify', ['verify', '--ledger', 'ledger.jsonl', '--log-dir', 'runs']);
  for (const file of walk(ws.dir)) if (!file.endsWith('c.yaml')) outputs.push({ what: file, text: readFileSync(file, 'utf8') });
}, 120_000);

afterAll(async () => {
  await echo.close();
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
    const json = JSON.parse(outputs.find((o) => o.what === 'check json stdout')!.text) as {
      items: { id: string; status: string; message: string; observations: Record<string, unknown> }[];
    };
    const byId = Object.fromEntries(json.items.map((i) => [i.id, i]));
    expect(byId['echo-fails']!.observations.stdout).toBe('*** ***');
    expect(byId['echo-passes']).toMatchObject({ status: 'pass', observations: { stdout: 'key=***' } });
    expect(byId.bearer!.message).toBe('json.authorization == "nope" (got "Bearer ***")');
    expect(byId.db!.status).toBe('fail');
    expect(byId.approve!.status).toBe('signed');
  });

  it('never shows a password, key or token: not in the terminal, formats, reports, run logs nor the ledger', () => {
    const leaks = outputs
      .filter((o) => o.text.includes(MARK))
      .map((o) => `${o.what}: …${o.text.slice(Math.max(0, o.text.indexOf(MARK) - 60), o.text.indexOf(MARK) + 20)}…`);
    expect(leaks).toEqual([]);
  });
});
