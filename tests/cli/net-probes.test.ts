import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeTestCertificates } from '../support/certs.js';
import { runCli } from '../support/cli.js';
import { startDnsServer, type TestDnsServer } from '../support/dns-server.js';
import { GIT_ENV, gitSandbox, type TestRepo } from '../support/git-repo.js';
import { sendJson, startHttpServer, type TestHttpServer } from '../support/http-server.js';
import { startPrometheus, type FakePrometheus } from '../support/prometheus-server.js';

const PASSWORD = 'cli-Secret-pa55-9f8e';
const ERROR_RATE = 'sum(rate(http_requests_total{status=~"5.."}[5m])) / sum(rate(http_requests_total[5m]))';

let api: TestHttpServer;
let secure: TestHttpServer;
let dns: TestDnsServer;
let prom: FakePrometheus;
let repo: TestRepo;
const sandbox = gitSandbox();

/** A deploy gate over every network probe, against loopback servers, in a clean git checkout. */
const checklist = () => `id: deploy-gate
title: Deploy gate
sections:
  - id: release
    title: Release
    items:
      - id: git-release
        title: Tagged, clean, .env not committed
        probe:
          kind: git
          paths: [.env]
          expect:
            - clean == true
            - tag_is_semver == true
            - changelog_mentions_tag == true
            - tracked..env == false
            - ignored..env == true
  - id: edge
    title: Edge
    items:
      - id: health
        title: API healthy
        probe:
          kind: http
          url: \${API_BASE_URL}/api/v1/health
          expect:
            - status == 200
            - json.status == "healthy"
            - headers.strict-transport-security exists
      - id: https-redirect
        title: HTTP redirects to HTTPS
        probe:
          kind: http
          url: \${API_BASE_URL}/
          expect:
            - status matches /^30[18]$/
            - redirect.location matches /^https:/
      - id: certificate
        title: Certificate valid for 14 days or more
        probe:
          kind: tls
          host: 127.0.0.1
          port: \${TLS_PORT}
          ca_file: ca.pem
      - id: api-port
        title: API port open
        probe:
          kind: tcp
          host: 127.0.0.1
          port: \${TLS_PORT}
      - id: dns
        title: API name points at the load balancer
        probe:
          kind: dns
          name: api.socialflow.test
          server: \${DNS_SERVER}
          expect:
            - records contains "127.0.0.1"
      - id: admin-basic-auth
        title: Admin endpoint accepts the deploy credentials
        probe:
          kind: http
          url: http://deployer:\${ADMIN_PASSWORD}@127.0.0.1:\${API_PORT}/admin
  - id: metrics
    title: Metrics
    items:
      - id: error-rate
        title: Error rate below 1%
        probe:
          kind: prometheus
          query: '${ERROR_RATE}'
          expect:
            - value < 1%
`;

beforeAll(async () => {
  const certs = await makeTestCertificates();
  secure = await startHttpServer((_req, res) => sendJson(res, 200, { status: 'healthy' }), { tls: certs.valid });
  api = await startHttpServer((req, res) => {
    if (req.url === '/api/v1/health') return sendJson(res, 200, { status: 'healthy' }, { 'strict-transport-security': 'max-age=31536000' });
    if (req.url === '/admin') return sendJson(res, 401, { detail: 'bad credentials' });
    res.writeHead(301, { location: `${secure.url}${req.url}` });
    res.end();
  });
  dns = await startDnsServer({ zone: { 'api.socialflow.test': { A: ['127.0.0.1'] } } });
  prom = await startPrometheus({
    queries: { [ERROR_RATE]: { resultType: 'vector', result: [{ metric: {}, value: [1767225600, '0.002'] }] } },
  });
  repo = sandbox.repo('app', {
    '.gitignore': '.env\n',
    'CHANGELOG.md': '# Changelog\n\n## [2.1.0] - 2026-02-01\n- Canary deploys\n',
    'ca.pem': certs.ca.cert,
    'deploy-gate.yaml': checklist(),
  });
  repo.git('tag', 'v2.1.0');
  repo.write('.env', `ADMIN_PASSWORD=${PASSWORD}\n`);
});

afterAll(async () => {
  await Promise.all([api, secure, dns, prom].map((s) => s?.close()));
  sandbox.remove();
});

const cliEnv = () => ({
  ...GIT_ENV,
  API_BASE_URL: api.url,
  API_PORT: String(api.port),
  TLS_PORT: String(secure.port),
  DNS_SERVER: dns.address,
  PROMETHEUS_URL: prom.url,
});

describe('sfdeploy check with network probes (built CLI)', () => {
  it('runs every network probe against loopback servers, fails only the refused credentials, and never prints the password', async () => {
    const r = await runCli(['check', 'deploy-gate.yaml', '--ci', '--format', 'json'], { cwd: repo.dir, env: cliEnv(), timeoutMs: 30_000 });
    expect(r.stderr + r.stdout).not.toContain(PASSWORD);
    expect(r.code).toBe(1);
    const log = JSON.parse(r.stdout) as { items: { id: string; status: string; message: string }[] };
    const byId = Object.fromEntries(log.items.map((i) => [i.id, i]));
    for (const id of ['git-release', 'health', 'https-redirect', 'certificate', 'api-port', 'dns', 'error-rate']) {
      expect({ id, status: byId[id]?.status, message: byId[id]?.message }).toMatchObject({ id, status: 'pass' });
    }
    expect(byId['admin-basic-auth']).toMatchObject({
      status: 'fail',
      message: `GET http://deployer:***@127.0.0.1:${api.port}/admin answered 401`,
    });
    const runs = readdirSync(join(repo.dir, '.sfdeploy', 'runs')).filter((f) => f.endsWith('.json'));
    expect(runs.length).toBeGreaterThan(0);
    for (const f of runs) expect(readFileSync(join(repo.dir, '.sfdeploy', 'runs', f), 'utf8')).not.toContain(PASSWORD);
  });

  it('rejects a misspelt probe key at validation with a suggestion', async () => {
    repo.write(
      'typo.yaml',
      `id: typo\ntitle: Typo\nsections:\n  - id: s\n    title: S\n    items:\n      - id: redirect\n        title: Redirect\n        probe:\n          kind: http\n          url: http://127.0.0.1:1/\n          follow_redirect: true\n`,
    );
    const r = await runCli(['validate', 'typo.yaml'], { cwd: repo.dir, env: cliEnv() });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(
      'typo.yaml:12:11 sections[0].items[0].probe.follow_redirect: unknown key "follow_redirect" (did you mean "follow_redirects"?)',
    );
  });

  it('documents each network probe in sfdeploy probes', async () => {
    const r = await runCli(['probes', 'tls'], { env: cliEnv() });
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('tls — Checks a TLS server certificate');
    expect(r.stdout).toMatch(/min_days\s+integer, default 14\n\s+The built-in check fails when fewer days remain/);
    expect(r.stdout).toContain('Default check (no expect:) valid == true, hostname_matches == true and days_remaining >= min_days (14)');
  });
});
