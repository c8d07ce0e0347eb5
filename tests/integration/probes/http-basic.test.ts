import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import httpProbe from '../../../src/probes/http/index.js';
import { startHttp, type LoopbackServer } from '../../support/loopback-http.js';

let server: LoopbackServer;
beforeAll(async () => {
  server = await startHttp((req, res) => {
    if (req.url === '/health') {
      res.setHeader('content-type', 'application/json');
      res.setHeader('X-Frame-Options', 'DENY');
      res.end(JSON.stringify({ status: 'healthy', checks: { db: 'ok' } }));
    } else if (req.url === '/old') {
      res.statusCode = 301;
      res.setHeader('location', '/health');
      res.end();
    } else {
      res.statusCode = 503;
      res.end('down');
    }
  });
});
afterAll(() => server.close());

const ctx = () => ({ signal: new AbortController().signal, timeoutMs: 2000, env: {}, lookup: () => undefined, cwd: process.cwd() });
const run = (params: Record<string, unknown>) => httpProbe.run(httpProbe.params.parse(params), ctx());

describe('http probe (single request)', () => {
  it('observes status, case-insensitive headers, body and JSON fields', async () => {
    const out = await run({ url: `${server.url}/health` });
    expect(out.problems).toEqual([]);
    expect(out.observations).toMatchObject({ status: 200, headers: { 'x-frame-options': 'DENY' }, json: { status: 'healthy', checks: { db: 'ok' } } });
  });

  it('fails the built-in check on a non-2xx answer', async () => {
    const out = await run({ url: `${server.url}/down` });
    expect(out.problems).toEqual([`GET ${server.url}/down answered 503`]);
  });

  it('does not follow redirects unless asked, so a redirect can be asserted', async () => {
    expect((await run({ url: `${server.url}/old` })).observations).toMatchObject({ status: 301, redirect: { location: '/health' } });
    expect((await run({ url: `${server.url}/old`, follow_redirects: true })).observations).toMatchObject({ status: 200 });
  });

  it('turns a refused connection into one readable line', async () => {
    const closed = await startHttp(() => undefined);
    const port = closed.port;
    await closed.close();
    await expect(run({ url: `http://127.0.0.1:${port}/` })).rejects.toThrow(`connection refused at 127.0.0.1:${port}`);
  });
});
