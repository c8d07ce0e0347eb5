import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import tls from '../../../src/probes/tls/index.js';
import { makeTestCertificates } from '../../support/certs.js';
import { closedPort } from '../../support/ports.js';
import { startHttpServer, type TestHttpServer } from '../../support/http-server.js';
import { probeError, runProbe } from '../../support/probe-run.js';
import { runItems } from '../../support/run-checklist.js';
import { startSilentServer, type SilentServer } from '../../support/ports.js';
import { tempDir } from '../../support/tmp.js';

let valid: TestHttpServer;
let expired: TestHttpServer;
let expiring: TestHttpServer;
let wrongHost: TestHttpServer;
let selfSigned: TestHttpServer;
let plain: TestHttpServer;
let silent: SilentServer;
let dir: ReturnType<typeof tempDir>;

beforeAll(async () => {
  const certs = await makeTestCertificates();
  dir = tempDir({ 'ca.pem': certs.ca.cert, 'other-ca.pem': certs.selfSigned.cert });
  const ok = (_req: unknown, res: { end(): void }) => res.end();
  [valid, expired, expiring, wrongHost, selfSigned, plain, silent] = await Promise.all([
    startHttpServer(ok, { tls: certs.valid }),
    startHttpServer(ok, { tls: certs.expired }),
    startHttpServer(ok, { tls: certs.expiringSoon }),
    startHttpServer(ok, { tls: certs.wrongHost }),
    startHttpServer(ok, { tls: certs.selfSigned }),
    startHttpServer(ok),
    startSilentServer(),
  ]);
});

afterAll(async () => {
  await Promise.all([valid, expired, expiring, wrongHost, selfSigned, plain, silent].map((s) => s?.close()));
  dir?.remove();
});

const probe = (server: { port: number }, extra: Record<string, unknown> = {}) =>
  runProbe(tls, { host: '127.0.0.1', port: server.port, ca_file: 'ca.pem', ...extra }, { cwd: dir.dir });

describe('tls probe', () => {
  it('passes a trusted certificate that covers the host and has months left, and describes it', async () => {
    const out = await probe(valid);
    expect(out.problems).toEqual([]);
    expect(out.observations).toMatchObject({
      valid: true,
      error: null,
      hostname_matches: true,
      issuer: 'CN=sfdeploy test CA, O=sfdeploy tests',
      subject: 'CN=localhost, O=sfdeploy tests',
      alt_names: ['DNS:localhost', 'IP Address:127.0.0.1', 'IP Address:0:0:0:0:0:0:0:1'],
    });
    expect(out.observations.days_remaining).toBeGreaterThanOrEqual(88);
    expect(out.observations.days_remaining).toBeLessThanOrEqual(90);
    expect(out.observations.protocol).toMatch(/^TLSv1\.[23]$/);
    expect(out.observations.fingerprint256).toMatch(/^([0-9A-F]{2}:){31}[0-9A-F]{2}$/);
    expect(out.summary).toMatch(/days remaining \(until \d{4}-\d\d-\d\d\), issued by CN=sfdeploy test CA/);
  });

  it('checks the host name given as servername', async () => {
    expect((await probe(valid, { servername: 'localhost' })).observations.hostname_matches).toBe(true);
    expect((await probe(valid, { servername: 'api.socialflow.example' })).observations.hostname_matches).toBe(false);
  });

  it('reports an untrusted chain as an observation with the reason, rather than throwing', async () => {
    const unknownCa = await runProbe(tls, { host: '127.0.0.1', port: valid.port });
    expect(unknownCa.observations).toMatchObject({
      valid: false,
      error: 'is not signed by a trusted CA (is the intermediate certificate missing?)',
      hostname_matches: true,
    });
    expect(unknownCa.problems).toEqual([
      `certificate of 127.0.0.1:${valid.port} is not signed by a trusted CA (is the intermediate certificate missing?)`,
    ]);
    const self = await probe(selfSigned);
    expect(self.observations).toMatchObject({
      valid: false,
      error: 'is self-signed and not trusted',
      issuer: 'CN=localhost, O=sfdeploy tests',
    });
  });

  it('fails an expired certificate, saying when it expired', async () => {
    const out = await probe(expired);
    expect(out.observations).toMatchObject({ valid: false, error: 'has expired', hostname_matches: true });
    expect(out.observations.days_remaining).toBeLessThan(0);
    const day = String(out.observations.not_after).slice(0, 10);
    expect(out.problems).toEqual([`certificate of 127.0.0.1:${expired.port} has expired (on ${day})`]);
  });

  it('fails a certificate expiring within min_days (14 by default)', async () => {
    const out = await probe(expiring);
    expect(out.observations.valid).toBe(true);
    const days = out.observations.days_remaining as number;
    expect([4, 5]).toContain(days);
    expect(out.problems).toEqual([
      `certificate of 127.0.0.1:${expiring.port} expires in ${days} days (${String(out.observations.not_after).slice(0, 10)}), fewer than 14`,
    ]);
    expect((await probe(expiring, { min_days: 3 })).problems).toEqual([]);
  });

  it('fails a certificate for another host name, listing the names it covers', async () => {
    const out = await probe(wrongHost);
    expect(out.observations).toMatchObject({ valid: true, hostname_matches: false, alt_names: ['DNS:other.example'] });
    expect(out.problems).toEqual([`certificate of 127.0.0.1:${wrongHost.port} does not cover 127.0.0.1 (it covers DNS:other.example)`]);
    expect((await probe(wrongHost, { servername: 'other.example' })).problems).toEqual([]);
  });

  it('gates on expect: through the runner', async () => {
    const items = (id: string, port: number) =>
      `      - id: ${id}\n        title: ${id}\n        probe:\n          kind: tls\n          host: 127.0.0.1\n          port: ${port}\n          ca_file: ca.pem\n          expect:\n            - valid == true\n            - days_remaining >= 30\n`;
    const { item } = await runItems(items('good', valid.port) + items('soon', expiring.port), { cwd: dir.dir });
    expect(item('good').status).toBe('pass');
    expect(item('soon')).toMatchObject({ status: 'fail', message: expect.stringMatching(/^days_remaining >= 30 \(got [45]\)$/) });
  });

  it('in one run, items naming different CA files each trust only their own (the run keeps one TLS context per CA)', async () => {
    const item = (id: string, caFile: string) =>
      `      - id: ${id}\n        title: ${id}\n        probe:\n          kind: tls\n          host: 127.0.0.1\n          port: ${valid.port}\n          ca_file: ${caFile}\n`;
    const { item: result } = await runItems(item('ours', 'ca.pem') + item('theirs', 'other-ca.pem') + item('ours-again', 'ca.pem'), {
      cwd: dir.dir,
      concurrency: 1,
    });
    expect(result('ours').observations?.valid).toBe(true);
    expect(result('theirs').observations?.valid).toBe(false);
    expect(result('ours-again').observations?.valid).toBe(true);
  });

  it('gives up on a server that accepts and never completes the handshake', async () => {
    const { error, ms } = await probeError(tls, { host: '127.0.0.1', port: silent.port }, { timeoutMs: 300 });
    expect(error.message).toBe(`127.0.0.1:${silent.port} did not complete a TLS handshake: timed out after 300ms`);
    expect(ms).toBeLessThan(5000);
  });

  it('says when nothing listens or the port does not speak TLS', async () => {
    const port = await closedPort();
    expect((await probeError(tls, { host: '127.0.0.1', port })).error.message).toBe(`connection refused at 127.0.0.1:${port}`);
    expect((await probeError(tls, { host: '127.0.0.1', port: plain.port })).error.message).toBe(
      `127.0.0.1:${plain.port} did not answer with TLS (is it a plain-text port?)`,
    );
  });
});
