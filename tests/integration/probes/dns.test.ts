import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ProbeError } from '../../../src/errors.js';
import dns from '../../../src/probes/dns/index.js';
import { closedPort } from '../../support/ports.js';
import { startDnsServer, startSilentUdp, type TestDnsServer } from '../../support/dns-server.js';
import { probeError, runProbe } from '../../support/probe-run.js';
import { runItems } from '../../support/run-checklist.js';

const LONG_TXT = `google-site-verification=${'x'.repeat(300)}`;
let server: TestDnsServer;
let deadServer: { address: string; close(): Promise<void> };

beforeAll(async () => {
  server = await startDnsServer({
    zone: {
      'api.socialflow.test': { A: ['127.0.0.1', '127.0.0.2'], AAAA: ['::1', '2001:db8::10'] },
      'www.socialflow.test': { CNAME: ['api.socialflow.test'] },
      'socialflow.test': {
        MX: ['20 mx2.socialflow.test', '10 mx1.socialflow.test'],
        TXT: ['v=spf1 include:_spf.mail.test ~all', LONG_TXT],
      },
      'v4only.socialflow.test': { A: ['127.0.0.9'] },
    },
    silent: ['hang.socialflow.test'],
    servfail: ['broken.socialflow.test'],
    ttl: 120,
  });
  deadServer = await startSilentUdp();
});

afterAll(async () => {
  await Promise.all([server?.close(), deadServer?.close()]);
});

const ask = (name: string, type?: string, extra: Record<string, unknown> = {}) =>
  runProbe(dns, { name, ...(type ? { type } : {}), server: server.address, ...extra });

describe('dns probe', () => {
  it('resolves A records (the default type) from the given server', async () => {
    const out = await ask('api.socialflow.test');
    expect(out.observations).toEqual({ resolves: true, records: ['127.0.0.1', '127.0.0.2'], ttl: 120, error: null });
    expect(out.problems).toEqual([]);
    expect(server.queries).toContain('api.socialflow.test A');
  });

  it('resolves AAAA, CNAME, MX (by priority) and TXT (long strings joined) records', async () => {
    expect((await ask('api.socialflow.test', 'AAAA')).observations.records).toEqual(['::1', '2001:db8::10']);
    expect((await ask('www.socialflow.test', 'CNAME')).observations.records).toEqual(['api.socialflow.test']);
    expect((await ask('socialflow.test', 'MX')).observations.records).toEqual(['10 mx1.socialflow.test', '20 mx2.socialflow.test']);
    expect((await ask('socialflow.test', 'TXT')).observations.records).toEqual(['v=spf1 include:_spf.mail.test ~all', LONG_TXT]);
  });

  it('observes resolves == false for a name that does not exist, and for a missing record type', async () => {
    const missing = await ask('nope.socialflow.test');
    expect(missing.observations).toEqual({
      resolves: false,
      records: [],
      ttl: null,
      error: 'nope.socialflow.test does not exist (no such domain)',
    });
    expect(missing.problems).toEqual([`nope.socialflow.test does not exist (no such domain) (asking ${server.address})`]);
    const noData = await ask('v4only.socialflow.test', 'AAAA');
    expect(noData.observations).toMatchObject({ resolves: false, records: [], error: 'no AAAA records for v4only.socialflow.test' });
  });

  it('gates on records through the runner', async () => {
    const item = (id: string, name: string, cond: string) =>
      `      - id: ${id}\n        title: ${id}\n        probe:\n          kind: dns\n          name: ${name}\n          server: ${server.address}\n          expect:\n            - ${cond}\n`;
    const { item: result } = await runItems(
      item('points-at-lb', 'api.socialflow.test', 'records contains "127.0.0.2"') +
        item('moved', 'api.socialflow.test', 'records contains "127.0.0.3"') +
        item('exists', 'nope.socialflow.test', 'resolves == true'),
    );
    expect(result('points-at-lb').status).toBe('pass');
    expect(result('moved')).toMatchObject({ status: 'fail', message: 'records contains "127.0.0.3" (got ["127.0.0.1","127.0.0.2"])' });
    expect(result('exists')).toMatchObject({ status: 'fail', message: 'resolves == true (got false)' });
  });

  it('gives up on a DNS server that never answers, by its own retry limit or by the timeout', async () => {
    // c-ares may give up by itself (ETIMEOUT) before the item's timeout aborts it: both are one clear line
    const cases: [string, string][] = [
      ['hang.socialflow.test', server.address],
      ['api.socialflow.test', deadServer.address],
    ];
    for (const [name, address] of cases) {
      const { error, ms } = await probeError(dns, { name, server: address }, { timeoutMs: 600 });
      expect([
        `resolving ${name} A (asking ${address}) did not finish: timed out after 600ms`,
        `DNS server ${address} did not answer for ${name} A (timed out)`,
      ]).toContain(error.message);
      expect(ms).toBeLessThan(5000);
    }
  });

  it('says when nothing listens on the DNS server port', async () => {
    const port = await closedPort();
    const { error } = await probeError(dns, { name: 'api.socialflow.test', server: `127.0.0.1:${port}` });
    expect(error.message).toBe(`DNS server 127.0.0.1:${port} refused the connection (is a DNS server listening?)`);
  });

  it('reports a server failure in one line', async () => {
    const { error } = await probeError(dns, { name: 'broken.socialflow.test', server: server.address });
    expect(error.message).toBe(`DNS server ${server.address} failed to resolve broken.socialflow.test A (SERVFAIL)`);
  });

  it('refuses a server that is not an IP address, and an unknown record type', async () => {
    const { error } = await probeError(dns, { name: 'api.socialflow.test', server: 'ns1.example.com' });
    expect(error).toBeInstanceOf(ProbeError);
    expect(error.message).toBe(
      'server must be an IP address with an optional port (10.0.0.2, 127.0.0.1:5353, [::1]:53), got "ns1.example.com"',
    );
    const parsed = dns.params.safeParse({ name: 'x.test', type: 'SRV' });
    expect(parsed.error?.issues[0]?.message).toBe('expected one of A, AAAA, CNAME, MX, TXT');
  });
});
