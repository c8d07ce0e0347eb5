import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import tcp from '../../../src/probes/tcp/index.js';
import { startBlackholeServer, type BlackholeServer } from '../../support/blackhole-server.js';
import { closedPort } from '../../support/ports.js';
import { probeError, runProbe } from '../../support/probe-run.js';
import { runItems } from '../../support/run-checklist.js';
import { startSilentServer, type SilentServer } from '../../support/ports.js';

let listening: SilentServer;
let blackhole: BlackholeServer;

beforeAll(async () => {
  [listening, blackhole] = await Promise.all([startSilentServer(), startBlackholeServer()]);
});

afterAll(async () => {
  await Promise.all([listening?.close(), blackhole?.close()]);
});

describe('tcp probe', () => {
  it('connects to a listening port and reports the address and latency', async () => {
    const before = listening.connections;
    const out = await runProbe(tcp, { host: '127.0.0.1', port: listening.port });
    expect(out.problems ?? []).toEqual([]);
    expect(out.observations).toMatchObject({ connected: true, address: '127.0.0.1', error: null });
    expect(out.observations.latency_ms).toEqual(expect.any(Number));
    expect(out.summary).toMatch(new RegExp(`^connected to 127\\.0\\.0\\.1:${listening.port} in \\d+ms$`));
    await expect.poll(() => listening.connections).toBe(before + 1);
  });

  it('observes connected == false with the reason when the port is closed', async () => {
    const port = await closedPort();
    const out = await runProbe(tcp, { host: '127.0.0.1', port: String(port) });
    expect(out.observations).toEqual({
      connected: false,
      latency_ms: null,
      address: null,
      error: `connection refused at 127.0.0.1:${port}`,
    });
    expect(out.problems).toEqual([`connection refused at 127.0.0.1:${port}`]);
  });

  it('lets a checklist require that a port is not reachable', async () => {
    const port = await closedPort();
    const item = (id: string, p: number) =>
      `      - id: ${id}\n        title: ${id}\n        probe:\n          kind: tcp\n          host: 127.0.0.1\n          port: ${p}\n          expect:\n            - connected == false\n`;
    const { item: result } = await runItems(item('closed', port) + item('open', listening.port));
    expect(result('closed').status).toBe('pass');
    expect(result('open')).toMatchObject({ status: 'fail', message: 'connected == false (got true)' });
  });

  it('gives up on a host that never answers the connect when the timeout passes', async () => {
    const { error, ms } = await probeError(tcp, { host: '127.0.0.1', port: blackhole.port }, { timeoutMs: 300 });
    expect(error.message).toBe(`no answer from 127.0.0.1:${blackhole.port}: timed out after 300ms`);
    expect(ms).toBeLessThan(5000);
  });

  it('with connect_timeout observes connected == false instead of failing on the timeout', async () => {
    const out = await runProbe(tcp, { host: '127.0.0.1', port: blackhole.port, connect_timeout: '200ms' }, { timeoutMs: 5000 });
    expect(out.observations).toMatchObject({ connected: false, error: `no answer from 127.0.0.1:${blackhole.port} within 200ms` });
  });

  it('rejects a port outside 1-65535 when the checklist is loaded', () => {
    const parsed = tcp.params.safeParse({ host: 'db', port: 70000 });
    expect(parsed.success).toBe(false);
    expect(parsed.error?.issues[0]?.message).toBe('expected a port 1-65535');
  });
});
