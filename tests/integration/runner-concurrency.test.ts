import { createServer, type AddressInfo, type Server } from 'node:net';
import type { ServerResponse } from 'node:http';
import { afterEach, describe, expect, it } from 'vitest';
import { parseChecklist } from '../../src/checklist/load.js';
import { ADAPTIVE_PER_KIND, runChecklist } from '../../src/runner/run.js';
import type { RunListener } from '../../src/runner/types.js';
import { createRedactor } from '../../src/util/redact.js';
import { startHttpServer, type TestHttpServer } from '../support/http-server.js';
import { createPendingProvider } from '../support/pending-signoff.js';
import { closedPort } from '../support/ports.js';

const closers: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  await Promise.all(closers.splice(0).map((c) => c()));
});

/** Runs the items and counts, from the runner's own start and end events, the most items of `kind` in flight at once. */
async function run(yaml: string, concurrency: number | undefined, kind = 'http') {
  let inFlight = 0;
  let mostInFlight = 0;
  const counting: RunListener = {
    onItemStart: (item) => {
      if (item.kind === kind) mostInFlight = Math.max(mostInFlight, ++inFlight);
    },
    onItemEnd: (item) => {
      if (item.kind === kind) inFlight--;
    },
  };
  const checklist = parseChecklist(`id: t\ntitle: T\nsections:\n  - id: s\n    title: S\n    items:\n${yaml}`, 'c.yaml', { env: {} });
  const log = await runChecklist({
    runId: 'concurrency',
    checklist,
    context: { release: null, environment: null, gitSha: null, gitDirty: null, host: 'test', user: 'test', sfdeployVersion: '0.0.0' },
    concurrency,
    signoff: createPendingProvider(),
    signal: new AbortController().signal,
    env: {},
    cwd: process.cwd(),
    redact: createRedactor({}, []),
    listeners: [counting],
  });
  return { log, mostInFlight };
}

/**
 * An HTTP server that holds every request until `releaseAt` are held and, when `tcp` is set, a tcp item has
 * connected to its TCP server; then it answers them all, and every later request at once. It counts the most it held.
 */
async function holdingServers(releaseAt: number, tcp: boolean): Promise<{ http: TestHttpServer; tcpPort: number; mostHeld: () => number }> {
  const held: ServerResponse[] = [];
  let released = false;
  let connected = !tcp;
  let most = 0;
  const maybeRelease = (): void => {
    if (released || !connected || held.length < releaseAt) return;
    released = true;
    for (const res of held.splice(0)) res.end('ok');
  };
  const http = await startHttpServer((_req, res) => {
    if (released) return void res.end('ok');
    held.push(res);
    most = Math.max(most, held.length);
    maybeRelease();
  });
  const server: Server = createServer((socket) => {
    connected = true;
    maybeRelease();
    socket.end();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  closers.push(
    () => http.close(),
    () => new Promise((resolve) => server.close(resolve)),
  );
  return { http, tcpPort: (server.address() as AddressInfo).port, mostHeld: () => most };
}

const httpItems = (http: TestHttpServer, count: number): string =>
  Array.from(
    { length: count },
    (_, i) => `      - id: h${i}\n        title: h${i}\n        timeout: 5s\n        probe: { kind: http, url: "${http.url}/hold" }\n`,
  ).join('');
const tcpItem = (port: number): string =>
  `      - id: tcp\n        title: tcp\n        probe: { kind: tcp, host: 127.0.0.1, port: ${port} }\n`;

describe('the adaptive concurrency (no --concurrency given)', () => {
  it(`runs at most ${ADAPTIVE_PER_KIND} items of one kind at once, and another kind goes ahead meanwhile`, async () => {
    const { http, tcpPort, mostHeld } = await holdingServers(ADAPTIVE_PER_KIND, true);
    const { log, mostInFlight } = await run(httpItems(http, ADAPTIVE_PER_KIND + 4) + tcpItem(tcpPort), undefined);
    expect(log.items.map((i) => `${i.id} ${i.status}`)).toEqual([
      ...Array.from({ length: ADAPTIVE_PER_KIND + 4 }, (_, i) => `h${i} pass`),
      'tcp pass',
    ]);
    expect(mostInFlight).toBe(ADAPTIVE_PER_KIND);
    expect(mostHeld()).toBe(ADAPTIVE_PER_KIND);
  }, 30_000);

  it('does not hold back the items of a kind whose connections the run shares: its pool bounds the server', async () => {
    // nothing listens there: each item fails at once, but the runner has started them all by then
    const port = await closedPort();
    const yaml = Array.from(
      { length: ADAPTIVE_PER_KIND + 4 },
      (_, i) => `      - id: r${i}\n        title: r${i}\n        probe: { kind: redis, url: "redis://127.0.0.1:${port}" }\n`,
    ).join('');
    const { log, mostInFlight } = await run(yaml, undefined, 'redis');
    expect(log.items).toHaveLength(ADAPTIVE_PER_KIND + 4);
    expect(mostInFlight).toBe(ADAPTIVE_PER_KIND + 4);
  });

  it('an explicit --concurrency is the one limit, whatever the kinds', async () => {
    const { http, mostHeld } = await holdingServers(12, false);
    const { log, mostInFlight } = await run(httpItems(http, 12), 12);
    expect(log.items.map((i) => i.status)).toEqual(Array(12).fill('pass'));
    expect(mostInFlight).toBe(12);
    expect(mostHeld()).toBe(12);
  }, 30_000);
});
