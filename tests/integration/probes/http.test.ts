import type { IncomingMessage, ServerResponse } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ProbeError } from '../../../src/errors.js';
import http from '../../../src/probes/http/index.js';
import { fastApiHealth } from '../../support/fastapi-health.js';
import { makeTestCertificates, type TestCertificates } from '../../support/certs.js';
import { closedPort } from '../../support/ports.js';
import { readBody, sendJson, startHttpServer, type TestHttpServer } from '../../support/http-server.js';
import { probeError, runProbe } from '../../support/probe-run.js';
import { runItems } from '../../support/run-checklist.js';
import { startSilentServer, type SilentServer } from '../../support/ports.js';
import { tempDir } from '../../support/tmp.js';

const BASIC_USER = 'deployer';
const BASIC_PASSWORD = 'pa55-Wörd-hunter2';
const BEARER = 'tok_live_4f9a8b7c6d5e';
const ALLOWED_ORIGIN = 'https://app.socialflow.example';
const SECURITY_HEADERS = {
  'strict-transport-security': 'max-age=31536000; includeSubDomains',
  'x-frame-options': 'DENY',
  'x-content-type-options': 'nosniff',
  'content-security-policy': "default-src 'self'",
};

let certs: TestCertificates;
let api: TestHttpServer;
let secure: TestHttpServer;
let expired: TestHttpServer;
let expiring: TestHttpServer;
let wrongHost: TestHttpServer;
let selfSigned: TestHttpServer;
let silent: SilentServer;
let dir: ReturnType<typeof tempDir>;
const buckets = new Map<string, number>();

function handler(req: IncomingMessage, res: ServerResponse): void {
  const url = new URL(req.url ?? '/', 'http://x');
  const auth = req.headers.authorization ?? '';
  switch (url.pathname) {
    case '/api/v1/health':
      return sendJson(res, 200, { status: url.searchParams.get('status') ?? 'healthy', checks: { db: true } }, SECURITY_HEADERS);
    case '/bare':
      return sendJson(res, 200, { status: 'healthy' });
    case '/missing':
      return sendJson(res, 404, { detail: 'not found' });
    case '/to-https':
      res.writeHead(301, { location: `${secure.url}/api/v1/health` });
      return void res.end();
    case '/to-http':
      res.writeHead(302, { location: '/api/v1/health' });
      return void res.end();
    case '/loop':
      res.writeHead(302, { location: '/loop' });
      return void res.end();
    case '/to-basic':
      res.writeHead(307, { location: '/basic' });
      return void res.end();
    case '/to-other-origin':
      res.writeHead(302, { location: `${secure.url}/echo-auth` });
      return void res.end();
    case '/form':
      void readBody(req).then(() => {
        res.writeHead(303, { location: '/echo' });
        res.end();
      });
      return;
    case '/echo-auth':
      return sendJson(res, 200, { authorization: req.headers.authorization ?? null });
    case '/basic': {
      const expected = `Basic ${Buffer.from(`${BASIC_USER}:${BASIC_PASSWORD}`).toString('base64')}`;
      return auth === expected
        ? sendJson(res, 200, { user: BASIC_USER })
        : sendJson(res, 401, { detail: 'unauthorized' }, { 'www-authenticate': 'Basic' });
    }
    case '/bearer':
      return auth === `Bearer ${BEARER}` ? sendJson(res, 200, { ok: true }) : sendJson(res, 401, { detail: 'bad token' });
    case '/cors': {
      const origin = req.headers.origin;
      const headers: Record<string, string> = { vary: 'Origin' };
      if (origin === ALLOWED_ORIGIN)
        Object.assign(headers, { 'access-control-allow-origin': origin, 'access-control-allow-methods': 'GET, POST' });
      res.writeHead(req.method === 'OPTIONS' ? 204 : 200, headers);
      return void res.end();
    }
    case '/cors-wide-open':
      res.writeHead(204, { 'access-control-allow-origin': '*', 'access-control-allow-methods': '*' });
      return void res.end();
    case '/limited': {
      const key = url.searchParams.get('bucket') ?? '';
      const used = (buckets.get(key) ?? 0) + 1;
      buckets.set(key, used);
      return used > 5 ? sendJson(res, 429, { detail: 'rate limited' }, { 'retry-after': '60' }) : sendJson(res, 200, { ok: true });
    }
    case '/api/v1/payments/stripe/webhooks':
      void readBody(req).then(() => {
        if (req.method !== 'POST') return sendJson(res, 405, { detail: 'method not allowed' });
        if (!req.headers['stripe-signature']) return sendJson(res, 400, { detail: 'missing Stripe-Signature' });
        return sendJson(res, 200, { received: true });
      });
      return;
    case '/slow':
      setTimeout(() => sendJson(res, 200, { ok: true }), Number(url.searchParams.get('ms') ?? 20));
      return;
    case '/echo':
      void readBody(req).then((body) =>
        sendJson(res, 200, {
          method: req.method,
          body,
          contentType: req.headers['content-type'] ?? null,
          custom: req.headers['x-custom'] ?? null,
        }),
      );
      return;
    default:
      return sendJson(res, 404, { detail: 'no route' });
  }
}

beforeAll(async () => {
  certs = await makeTestCertificates();
  dir = tempDir({ 'ca.pem': certs.ca.cert });
  [api, secure, expired, expiring, wrongHost, selfSigned, silent] = await Promise.all([
    startHttpServer(handler),
    startHttpServer(handler, { tls: certs.valid }),
    startHttpServer(handler, { tls: certs.expired }),
    startHttpServer(handler, { tls: certs.expiringSoon }),
    startHttpServer(handler, { tls: certs.wrongHost }),
    startHttpServer(handler, { tls: certs.selfSigned }),
    startSilentServer(),
  ]);
});

afterAll(async () => {
  await Promise.all([api, secure, expired, expiring, wrongHost, selfSigned, silent].map((s) => s?.close()));
  dir?.remove();
});

const item = (id: string, probe: string, extra = '') =>
  `      - id: ${id}\n        title: ${id}\n${extra ? `        ${extra}\n` : ''}        probe:\n${probe.replace(/^/gm, '          ')}\n`;

describe('http probe: health endpoints', () => {
  it('passes a health check only when the JSON body says healthy, not merely on 200', async () => {
    const { item: result } = await runItems(
      item(
        'healthy',
        `kind: http\nurl: ${api.url}/api/v1/health\nexpect:\n  - status == 200\n  - json.status == "healthy"\n  - json.checks.db == true`,
      ) +
        item(
          'degraded',
          `kind: http\nurl: ${api.url}/api/v1/health?status=degraded\nexpect:\n  - status == 200\n  - json.status == "healthy"`,
        ),
    );
    expect(result('healthy')).toMatchObject({ status: 'pass' });
    expect(result('degraded')).toMatchObject({ status: 'fail', message: 'json.status == "healthy" (got "degraded")' });
  });

  it('fails the built-in check on a non-2xx status, naming the method, URL and status', async () => {
    const ok = await runProbe(http, { url: `${api.url}/api/v1/health` });
    expect(ok.problems).toEqual([]);
    expect(ok.observations).toMatchObject({ status: 200, statuses: [200], json: { status: 'healthy' } });
    const missing = await runProbe(http, { url: `${api.url}/missing` });
    expect(missing.problems).toEqual([`GET ${api.url}/missing answered 404`]);
  });

  it('sends the method, headers, text body and JSON body it is given', async () => {
    const json = await runProbe(http, { url: `${api.url}/echo`, method: 'post', json: { event: 'ping' }, headers: { 'X-Custom': 'yes' } });
    expect(json.observations.json).toEqual({ method: 'POST', body: '{"event":"ping"}', contentType: 'application/json', custom: 'yes' });
    const text = await runProbe(http, {
      url: `${api.url}/echo`,
      method: 'PUT',
      body: 'plain words',
      headers: { 'content-type': 'text/plain' },
    });
    expect(text.observations.json).toMatchObject({ method: 'PUT', body: 'plain words', contentType: 'text/plain' });
  });
});

describe('http probe: security headers, redirects, CORS, rate limits, webhooks', () => {
  it('observes security headers by case-insensitive name and reports the ones missing', async () => {
    const expect_ = `expect:\n  - headers.Strict-Transport-Security exists\n  - headers.x-frame-options == "DENY"\n  - headers.X-Content-Type-Options == "nosniff"\n  - headers.content-security-policy exists`;
    const { item: result } = await runItems(
      item('hardened', `kind: http\nurl: ${api.url}/api/v1/health\n${expect_}`) +
        item('bare', `kind: http\nurl: ${api.url}/bare\n${expect_}`),
    );
    expect(result('hardened').status).toBe('pass');
    expect(result('bare').status).toBe('fail');
    expect(result('bare').message).toContain(
      'headers.Strict-Transport-Security exists (headers.Strict-Transport-Security was not observed)',
    );
    expect(result('bare').message).toContain('headers.x-frame-options == "DENY" (headers.x-frame-options was not observed)');
  });

  it('does not follow a redirect by default, so http → https can be asserted on status and location', async () => {
    const { item: result } = await runItems(
      item(
        'redirects',
        `kind: http\nurl: ${api.url}/to-https\nexpect:\n  - status matches /^30[18]$/\n  - redirect.location matches /^https:/`,
      ) +
        item(
          'stays-http',
          `kind: http\nurl: ${api.url}/to-http\nexpect:\n  - status matches /^30[18]$/\n  - redirect.location matches /^https:/`,
        ),
    );
    expect(result('redirects').status).toBe('pass');
    expect(result('stays-http').status).toBe('fail');
    expect(result('stays-http').message).toContain('status matches /^30[18]$/ (got 302)');
    expect(result('stays-http').message).toContain('redirect.location matches /^https:/ (got "/api/v1/health")');
    const built = await runProbe(http, { url: `${api.url}/to-https` });
    expect(built.problems).toEqual([`GET ${api.url}/to-https answered 301 (redirect to ${secure.url}/api/v1/health)`]);
  });

  it('follows redirects when asked, across to https, and reports where it ended', async () => {
    const out = await runProbe(http, { url: `${api.url}/to-https`, follow_redirects: true, ca_file: 'ca.pem' }, { cwd: dir.dir });
    expect(out.observations).toMatchObject({ status: 200, url: `${secure.url}/api/v1/health`, json: { status: 'healthy' } });
    expect(out.problems).toEqual([]);
  });

  it('stops following after max_redirects and reports the last redirect', async () => {
    const out = await runProbe(http, { url: `${api.url}/loop`, follow_redirects: true, max_redirects: 3 });
    expect(out.observations).toMatchObject({ status: 302, redirect: { location: '/loop' } });
    expect(out.problems).toEqual([`GET ${api.url}/loop answered 302 (redirect to /loop)`]);
  });

  it('continues with a GET without the body after a 303, as browsers do', async () => {
    const out = await runProbe(http, { url: `${api.url}/form`, method: 'POST', json: { a: 1 }, follow_redirects: true });
    expect(out.observations.json).toEqual({ method: 'GET', body: '', contentType: null, custom: null });
  });

  it('keeps credentials on a same-origin redirect and drops them on a redirect to another origin', async () => {
    const auth = { user: BASIC_USER, password: BASIC_PASSWORD };
    expect((await runProbe(http, { url: `${api.url}/to-basic`, follow_redirects: true, auth })).observations.status).toBe(200);
    const out = await runProbe(
      http,
      { url: `${api.url}/to-other-origin`, follow_redirects: true, ca_file: 'ca.pem', auth },
      { cwd: dir.dir },
    );
    expect(out.observations).toMatchObject({ status: 200, json: { authorization: null } });
  });

  it('tells whether a CORS preflight from a foreign origin is allowed', async () => {
    const preflight = (path: string, origin: string) =>
      runProbe(http, { url: `${api.url}${path}`, method: 'OPTIONS', headers: { Origin: origin, 'Access-Control-Request-Method': 'POST' } });
    const foreign = await preflight('/cors', 'https://evil.example');
    expect(foreign.observations).toMatchObject({ status: 204, cors: { allowed: false } });
    expect((foreign.observations.headers as Record<string, string>)['access-control-allow-origin']).toBeUndefined();
    expect((await preflight('/cors', ALLOWED_ORIGIN)).observations.cors).toEqual({ allowed: true });
    expect((await preflight('/cors-wide-open', 'https://evil.example')).observations.cors).toEqual({ allowed: true });
    const { item: result } = await runItems(
      item(
        'locked',
        `kind: http\nurl: ${api.url}/cors\nmethod: OPTIONS\nheaders:\n  Origin: https://evil.example\nexpect:\n  - cors.allowed == false`,
      ) +
        item(
          'open',
          `kind: http\nurl: ${api.url}/cors-wide-open\nmethod: OPTIONS\nheaders:\n  Origin: https://evil.example\nexpect:\n  - cors.allowed == false`,
        ),
    );
    expect(result('locked').status).toBe('pass');
    expect(result('open')).toMatchObject({ status: 'fail', message: 'cors.allowed == false (got true)' });
  });

  it('sends a burst of samples and sees the 429 of a rate limiter', async () => {
    const { item: result } = await runItems(
      item('limited', `kind: http\nurl: ${api.url}/limited?bucket=burst\nsamples: 12\nconcurrency: 4\nexpect:\n  - statuses contains 429`) +
        item('unlimited', `kind: http\nurl: ${api.url}/api/v1/health\nsamples: 12\nconcurrency: 4\nexpect:\n  - statuses contains 429`),
    );
    expect(result('limited').status).toBe('pass');
    const statuses = result('limited').observations.statuses as number[];
    expect(statuses).toHaveLength(12);
    expect(statuses.filter((s) => s === 200)).toHaveLength(5);
    expect(statuses.filter((s) => s === 429)).toHaveLength(7);
    expect(result('unlimited').status).toBe('fail');
    expect(result('unlimited').message).toMatch(/^statuses contains 429 \(got \[200,200,/);
  });

  it('reports how many samples of a burst were not 2xx in the built-in check', async () => {
    const out = await runProbe(http, { url: `${api.url}/limited?bucket=builtin`, samples: 8, concurrency: 2 });
    expect(out.problems).toEqual([`3 of 8 requests to GET ${api.url}/limited?bucket=builtin were not 2xx (3× 429)`]);
    expect(out.observations.errors).toEqual([]);
  });

  it('checks that the Stripe webhook rejects an unsigned POST', async () => {
    const url = `${api.url}/api/v1/payments/stripe/webhooks`;
    const { item: result } = await runItems(
      item(
        'unsigned',
        `kind: http\nurl: ${url}\nmethod: POST\njson: { type: payment_intent.succeeded }\nexpect:\n  - status >= 400\n  - status < 500`,
      ) +
        item(
          'signed',
          `kind: http\nurl: ${url}\nmethod: POST\nheaders:\n  Stripe-Signature: t=1,v1=forged\njson: {}\nexpect:\n  - status >= 400`,
        ),
    );
    expect(result('unsigned')).toMatchObject({ status: 'pass', observations: { status: 400 } });
    expect(result('signed')).toMatchObject({ status: 'fail', message: 'status >= 400 (got 200)' });
  });

  it('computes latency percentiles over the samples, so a p95 gate can fail', async () => {
    const out = await runProbe(http, { url: `${api.url}/slow?ms=25`, samples: 6, concurrency: 3 });
    const latency = out.observations.latency as Record<string, number>;
    expect(latency.min).toBeGreaterThanOrEqual(25);
    expect(latency.p50).toBeGreaterThanOrEqual(latency.min!);
    expect(latency.p95).toBeGreaterThanOrEqual(latency.p50!);
    expect(latency.max).toBeGreaterThanOrEqual(latency.p99!);
    const { item: result } = await runItems(
      item('fast', `kind: http\nurl: ${api.url}/slow?ms=25\nsamples: 4\nexpect:\n  - latency.p95 < 20ms`),
    );
    expect(result('fast').status).toBe('fail');
    expect(result('fast').message).toMatch(/^latency\.p95 < 20ms \(got \d+(\.\d)?\)$/);
  });
});

describe('http probe: credentials', () => {
  it('sends basic and bearer credentials from auth:', async () => {
    expect(
      (await runProbe(http, { url: `${api.url}/basic`, auth: { user: BASIC_USER, password: BASIC_PASSWORD } })).observations.status,
    ).toBe(200);
    expect((await runProbe(http, { url: `${api.url}/bearer`, auth: { bearer: BEARER } })).observations.status).toBe(200);
  });

  it('sends a user and password written in the URL as basic authentication', async () => {
    const withCreds = api.url.replace('http://', `http://${BASIC_USER}:${encodeURIComponent(BASIC_PASSWORD)}@`);
    const out = await runProbe(http, { url: `${withCreds}/basic` });
    expect(out.observations.status).toBe(200);
  });

  it('never shows a password or token in problems, observations or summary', async () => {
    const wrong = 'wrong-Secret-0987';
    const withCreds = api.url.replace('http://', `http://${BASIC_USER}:${wrong}@`);
    const outcomes = [
      await runProbe(http, { url: `${withCreds}/basic` }),
      await runProbe(http, { url: `${api.url}/basic`, auth: { user: BASIC_USER, password: wrong } }),
      await runProbe(http, { url: `${api.url}/bearer`, auth: { bearer: wrong } }),
    ];
    for (const out of outcomes) {
      expect(out.observations.status).toBe(401);
      expect(JSON.stringify(out)).not.toContain(wrong);
    }
    expect(outcomes[0]!.problems).toEqual([`GET ${api.url.replace('http://', `http://${BASIC_USER}:***@`)}/basic answered 401`]);
  });

  it('masks the URL password in network errors and in the run log', async () => {
    const port = await closedPort();
    const { error } = await probeError(http, { url: `http://admin:Sup3r-s3cret@127.0.0.1:${port}/health` });
    expect(error.message).toBe(`connection refused at 127.0.0.1:${port}`);
    const { item: result } = await runItems(
      item('down', `kind: http\nurl: http://admin:Sup3r-s3cret@127.0.0.1:${port}/missing\nauth:\n  bearer: literal-Token-123456`),
    );
    expect(JSON.stringify(result('down'))).not.toMatch(/Sup3r-s3cret|literal-Token-123456/);
  });

  it('rejects body and json together at load time', () => {
    const parsed = http.params.safeParse({ url: 'https://x.example', body: 'a', json: { a: 1 } });
    expect(parsed.error?.issues[0]).toMatchObject({ message: 'give body (text) or json, not both', path: ['json'] });
  });

  it('rejects an auth: that mixes basic and bearer credentials at load time', () => {
    const parsed = http.params.safeParse({ url: 'https://x.example', auth: { user: 'a', password: 'b', bearer: 'c' } });
    expect(parsed.success).toBe(false);
    expect(parsed.error?.issues[0]?.message).toMatch(/give user and password .* or bearer/);
  });
});

describe('http probe: https', () => {
  it('trusts a certificate signed by the CA in ca_file and reports its expiry', async () => {
    const out = await runProbe(http, { url: `${secure.url}/api/v1/health`, ca_file: 'ca.pem' }, { cwd: dir.dir });
    expect(out.observations).toMatchObject({
      status: 200,
      tls: { issuer: expect.stringContaining('CN=sfdeploy test CA'), subject: expect.stringContaining('CN=localhost') },
    });
    const tls = out.observations.tls as { days_remaining: number; valid_to: string; protocol: string };
    expect(tls.days_remaining).toBeGreaterThanOrEqual(88);
    expect(tls.days_remaining).toBeLessThanOrEqual(90);
    expect(tls.protocol).toMatch(/^TLSv1\.[23]$/);
    expect(new Date(tls.valid_to).getTime()).toBeGreaterThan(Date.now());
  });

  it('refuses untrusted, expired and wrong-host certificates with one readable line', async () => {
    const cases: [TestHttpServer, RegExp][] = [
      [secure, /^certificate of 127\.0\.0\.1:\d+ is not signed by a trusted CA/],
      [selfSigned, /^certificate of 127\.0\.0\.1:\d+ is self-signed and not trusted$/],
      [expired, /^certificate of 127\.0\.0\.1:\d+ has expired$/],
      [wrongHost, /^certificate of 127\.0\.0\.1:\d+ does not match the host name/],
    ];
    for (const [server, message] of cases) {
      const { error } = await probeError(
        http,
        { url: `${server.url}/api/v1/health`, ca_file: server === secure ? undefined : 'ca.pem' },
        { cwd: dir.dir },
      );
      expect(error.message).toMatch(message);
      expect(error.message).not.toContain('\n');
    }
  });

  it('with insecure: true still observes the days remaining of an expired or expiring certificate', async () => {
    const old = await runProbe(http, { url: `${expired.url}/api/v1/health`, insecure: true });
    expect(old.observations.status).toBe(200);
    expect((old.observations.tls as { days_remaining: number }).days_remaining).toBeLessThan(0);
    const { item: result } = await runItems(
      item('soon', `kind: http\nurl: ${expiring.url}/api/v1/health\nca_file: ca.pem\nexpect:\n  - tls.days_remaining >= 14`),
      { cwd: dir.dir },
    );
    expect(result('soon').status).toBe('fail');
    expect(result('soon').message).toMatch(/^tls\.days_remaining >= 14 \(got [45]\)$/);
  });

  it('names a missing ca_file as a configuration error', async () => {
    const { error } = await probeError(http, { url: `${secure.url}/`, ca_file: 'nope.pem' }, { cwd: dir.dir });
    expect(error).toBeInstanceOf(ProbeError);
    expect(error.message).toBe('cannot read ca_file nope.pem: no such file');
  });
});

describe('http probe: failures and timeouts', () => {
  it('gives up on a server that accepts and never answers when its timeout passes', async () => {
    const { error, ms } = await probeError(http, { url: `http://127.0.0.1:${silent.port}/health` }, { timeoutMs: 300 });
    expect(error.message).toBe(`127.0.0.1:${silent.port} did not answer: timed out after 300ms`);
    expect(ms).toBeLessThan(5000);
  });

  it("fails the item with the runner's timeout message, bursts included, without hanging", async () => {
    const started = performance.now();
    const { item: result } = await runItems(
      item('hung', `kind: http\nurl: http://127.0.0.1:${silent.port}/`, 'timeout: 300ms') +
        item('hung-burst', `kind: http\nurl: http://127.0.0.1:${silent.port}/\nsamples: 20\nconcurrency: 5`, 'timeout: 300ms'),
    );
    expect(result('hung')).toMatchObject({ status: 'fail', message: 'timed out after 300ms' });
    expect(result('hung-burst')).toMatchObject({ status: 'fail', message: 'timed out after 300ms' });
    expect(performance.now() - started).toBeLessThan(5000);
  });

  it('reports connection refused as an error line, and a bad URL as a configuration error', async () => {
    const port = await closedPort();
    const { item: result } = await runItems(item('refused', `kind: http\nurl: http://127.0.0.1:${port}/`));
    expect(result('refused')).toMatchObject({ status: 'fail', message: `connection refused at 127.0.0.1:${port}` });
    const bad = await probeError(http, { url: 'ftp://files.example/x' });
    expect(bad.error).toBeInstanceOf(ProbeError);
    expect(bad.error.message).toBe('unsupported URL scheme ftp: in ftp://files.example/x; expected http:// or https://');
  });

  it('reports a plain-HTTP server behind an https URL as not speaking TLS', async () => {
    const { error } = await probeError(http, { url: `${api.url.replace('http:', 'https:')}/` });
    expect(error.message).toBe(`127.0.0.1:${api.port} did not answer with TLS (is it a plain-text port?)`);
  });
});

describe('http probe: the trailing-slash redirect of FastAPI', () => {
  const health = fastApiHealth();
  let fastapi: TestHttpServer;
  beforeAll(async () => {
    fastapi = await startHttpServer((req, res) => {
      if (health.handle(req, res)) return;
      if (req.url === '/elsewhere') {
        res.writeHead(307, { location: 'http://127.0.0.1:1/api/v1/health/' });
        return void res.end();
      }
      res.writeHead(404).end();
    });
  });
  afterAll(() => fastapi?.close());

  it('follows a same-origin 307 to the trailing-slash path for GET, and records the hop', async () => {
    const out = await runProbe(http, { url: `${fastapi.url}/api/v1/health` });
    expect(out.problems).toEqual([]);
    expect(out.observations).toMatchObject({
      status: 200,
      json: { status: 'healthy' },
      redirects: [{ status: 307, from: `${fastapi.url}/api/v1/health`, to: `${fastapi.url}/api/v1/health/` }],
      url: `${fastapi.url}/api/v1/health/`,
    });
    expect(out.summary).toMatch(new RegExp(`^200 in \\d+ms \\(after 307 to ${fastapi.url}/api/v1/health/\\)$`));
  });

  it('does not follow it for another method, another path or another origin', async () => {
    const post = await runProbe(http, { url: `${fastapi.url}/api/v1/health`, method: 'POST' });
    expect(post.observations).toMatchObject({ status: 307, redirects: [] });
    const other = await runProbe(http, { url: `${fastapi.url}/elsewhere` });
    expect(other.observations).toMatchObject({ status: 307, redirects: [] });
  });
});
