import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { createServer, type AddressInfo, type Socket } from 'node:net';
import { join } from 'node:path';
import pg from 'pg';
import { startHttpServer, type TestHttpServer } from '../support/http-server.js';
import { startPostgres, type PostgresServer } from '../support/postgres.js';
import { startLoadingRedis } from '../support/redis.js';
import { runItems } from '../support/run-checklist.js';
import { startSilentServer, type SilentServer } from '../support/ports.js';
import { parseChecklist } from '../../src/checklist/load.js';
import { ChecklistError } from '../../src/errors.js';
import type { ItemResult, RunLog } from '../../src/runner/types.js';
import { cliCommand, runCli, startCli, type CliResult } from '../support/cli.js';
import { mountTmpfs } from '../support/tmpfs.js';
import { tempDir } from '../support/tmp.js';

/**
 * Faults of the services a checklist probes, through the real loader and runner, against real servers on
 * loopback. Every item must end within its timeout (+10 %, plus a fixed allowance for a loaded machine, read
 * from the durationMs the runner records) with one readable line, and must not hold up a healthy item.
 */

const TIMEOUT_MS = 1000;
const ALLOWANCE_MS = 300;
const DEADLINE_MS = TIMEOUT_MS * 1.1 + ALLOWANCE_MS;
/** A healthy loopback item, run beside the faults, must finish in a fraction of their timeout. */
const HEALTHY_MS = 300;

/** A loopback TCP server that answers every packet it receives with bytes of another protocol. */
interface GarbageServer {
  port: number;
  close(): Promise<void>;
}

async function startGarbageServer(reply: Buffer): Promise<GarbageServer> {
  const sockets = new Set<Socket>();
  const server = createServer((s) => {
    sockets.add(s);
    s.on('error', () => undefined);
    s.on('close', () => sockets.delete(s));
    s.on('data', () => s.write(reply));
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  return {
    port: (server.address() as AddressInfo).port,
    close: () =>
      new Promise((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}

/**
 * A loopback server that answers a client's first request with `header` and then streams filler bytes after it,
 * at loopback speed and with backpressure, `streamBytes` in all (then it holds the connection open). One small
 * buffer is written again and again: the test never allocates what the header announces. `greet` answers a
 * first packet before that (PostgreSQL's SSLRequest gets 'N').
 */
async function startFloodServer(
  header: Buffer,
  streamBytes: number,
  greet?: (first: Buffer) => Buffer | undefined,
): Promise<GarbageServer> {
  const filler = Buffer.alloc(64 * 1024, 0x41);
  const sockets = new Set<Socket>();
  const server = createServer((s) => {
    sockets.add(s);
    s.on('error', () => undefined);
    s.on('close', () => sockets.delete(s));
    let flooding = false;
    s.on('data', (d: Buffer) => {
      const answer = greet?.(d);
      if (answer) return void s.write(answer);
      if (flooding) return;
      flooding = true;
      s.write(header);
      let sent = 0;
      const pump = (): void => {
        while (sent < streamBytes && !s.destroyed) {
          sent += filler.length;
          if (!s.write(filler)) return void s.once('drain', pump);
        }
      };
      pump();
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  return {
    port: (server.address() as AddressInfo).port,
    close: () =>
      new Promise((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}

/** PostgreSQL's SSLRequest: length 8, code 80877103. */
const isSslRequest = (d: Buffer): boolean => d.length === 8 && d.readInt32BE(0) === 8 && d.readInt32BE(4) === 80877103;

/** What a web server says to a client speaking another protocol. */
const HTTP_400 = Buffer.from('HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\nConnection: keep-alive\r\n\r\n');

let silent: SilentServer;
let silent6: SilentServer;
let garbage: GarbageServer;
let pgFlood: GarbageServer;
let redisFlood: GarbageServer;
let resetting: TestHttpServer;
let healthy: TestHttpServer;
let full: PostgresServer;
const held: pg.Client[] = [];

beforeAll(async () => {
  [silent, silent6, garbage, full, pgFlood, redisFlood] = await Promise.all([
    startSilentServer(),
    startSilentServer('::1'),
    startGarbageServer(HTTP_400),
    startPostgres({ settings: { max_connections: 2, superuser_reserved_connections: 0 } }),
    // after the startup message: a DataRow announcing 2 GB, then 64 MiB of filler
    startFloodServer(Buffer.from([0x44, 0x7f, 0xff, 0xff, 0xf0]), 64 * 1024 * 1024, (d) =>
      isSslRequest(d) ? Buffer.from('N') : undefined,
    ),
    // the answer to the first command: a bulk string announcing 1.5 GB, then 64 MiB of it
    startFloodServer(Buffer.from('$1500000000\r\n'), 64 * 1024 * 1024),
  ]);
  resetting = await startHttpServer((req, res) => {
    res.writeHead(200, { 'content-type': 'application/json', 'content-length': '4096' });
    res.write('{"status": "hea', () => req.socket.resetAndDestroy());
  });
  healthy = await startHttpServer((_req, res) => {
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end('{"status":"healthy"}');
  });
  // take every connection slot of the small cluster (over its socket, as the superuser)
  for (let i = 0; i < 2; i++) {
    const client = new pg.Client({ host: full.socketDir, port: full.port, user: 'postgres', database: 'postgres' });
    client.on('error', () => undefined);
    await client.connect();
    held.push(client);
  }
});

afterAll(async () => {
  await Promise.all(held.map((c) => c.end().catch(() => undefined)));
  await Promise.all([
    silent?.close(),
    silent6?.close(),
    garbage?.close(),
    pgFlood?.close(),
    redisFlood?.close(),
    resetting?.close(),
    healthy?.close(),
    full?.stop(),
  ]);
});

interface Fault {
  name: string;
  probe: () => string;
  message: () => string;
}

const FAULTS: Fault[] = [
  {
    name: 'http: accepts TCP and never answers',
    probe: () => `{ kind: http, url: "http://127.0.0.1:${silent.port}/health" }`,
    message: () => 'timed out after 1s',
  },
  {
    name: 'http on ::1: accepts TCP and never answers',
    probe: () => `{ kind: http, url: "http://[::1]:${silent6.port}/health" }`,
    message: () => 'timed out after 1s',
  },
  {
    name: 'postgres: accepts TCP and never answers',
    probe: () => `{ kind: postgres, url: "postgresql://app:app-pw@127.0.0.1:${silent.port}/app" }`,
    message: () => 'timed out after 1s',
  },
  {
    name: 'redis: accepts TCP and never answers',
    probe: () => `{ kind: redis, url: "redis://127.0.0.1:${silent.port}/0" }`,
    message: () => 'timed out after 1s',
  },
  {
    name: 'tls: accepts TCP and never answers the handshake',
    probe: () => `{ kind: tls, host: 127.0.0.1, port: ${silent.port} }`,
    message: () => 'timed out after 1s',
  },
  {
    name: 'http: resets the connection in the middle of the response',
    probe: () => `{ kind: http, url: "${resetting.url}/health" }`,
    message: () => `connection reset by 127.0.0.1:${resetting.port}`,
  },
  {
    name: 'postgres: another protocol answers on the port',
    probe: () => `{ kind: postgres, url: "postgresql://app:app-pw@127.0.0.1:${garbage.port}/app" }`,
    message: () => `127.0.0.1:${garbage.port} did not answer the SSL request like a PostgreSQL server (is it another service?)`,
  },
  {
    name: 'redis: another protocol answers on the port',
    probe: () => `{ kind: redis, url: "redis://127.0.0.1:${garbage.port}/0" }`,
    message: () => `127.0.0.1:${garbage.port} did not answer like a redis server (Protocol error, got "H" as reply type byte)`,
  },
  {
    name: 'postgres: the peer streams garbage, a message announcing 2 GB',
    probe: () => `{ kind: postgres, url: "postgresql://app:app-pw@127.0.0.1:${pgFlood.port}/app" }`,
    message: () =>
      `127.0.0.1:${pgFlood.port} sent more than 32 MiB (not an answer a check needs: is it a PostgreSQL server?); the connection was closed`,
  },
  {
    name: 'redis: the peer announces a 1.5 GB bulk reply and streams it',
    probe: () => `{ kind: redis, url: "redis://127.0.0.1:${redisFlood.port}/0" }`,
    message: () =>
      `127.0.0.1:${redisFlood.port} sent more than 16 MiB (not an answer a check needs: is it a redis server?); the connection was closed`,
  },
  {
    name: 'postgres: every connection slot is taken (max_connections)',
    probe: () => `{ kind: postgres, url: "${full.url}" }`,
    message: () => `too many connections at 127.0.0.1:${full.port}: sorry, too many clients already`,
  },
  ...(
    [
      ['http', '{ kind: http, url: "http://api.sfdeploy-faults.invalid/health" }', 'api.sfdeploy-faults.invalid'],
      ['postgres', '{ kind: postgres, url: "postgresql://app:app-pw@db.sfdeploy-faults.invalid:5432/app" }', 'db.sfdeploy-faults.invalid'],
      ['redis', '{ kind: redis, url: "redis://cache.sfdeploy-faults.invalid:6379/0" }', 'cache.sfdeploy-faults.invalid'],
      ['tls', '{ kind: tls, host: api.sfdeploy-faults.invalid, port: 443 }', 'api.sfdeploy-faults.invalid'],
      ['tcp', '{ kind: tcp, host: api.sfdeploy-faults.invalid, port: 443 }', 'api.sfdeploy-faults.invalid'],
    ] as const
  ).map(([kind, probe, host]) => ({
    name: `${kind}: the host name does not resolve (.invalid, RFC 2606)`,
    probe: () => probe,
    message: () => `host not found: ${host}`,
  })),
];

const item = (id: string, probe: string): string =>
  `      - id: ${id}\n        title: ${id}\n        timeout: ${TIMEOUT_MS}ms\n        probe: ${probe}\n`;

function expectFailedInTime(result: ItemResult, message: string): void {
  expect({ status: result.status, message: result.message }).toEqual({ status: 'fail', message });
  expect(result.message).not.toContain('\n');
  expect(result.durationMs).toBeLessThanOrEqual(DEADLINE_MS);
}

describe(`each fault ends within its timeout (${TIMEOUT_MS}ms + 10% + ${ALLOWANCE_MS}ms) with one readable line`, () => {
  it.each(FAULTS.map((f) => [f.name, f] as const))('%s', async (_name, fault) => {
    const { item: result } = await runItems(item('fault', fault.probe()));
    expectFailedInTime(result('fault'), fault.message());
  });

  it('redis: still LOADING its dataset', async () => {
    const loading = await startLoadingRedis();
    try {
      const { item: result } = await runItems(item('fault', `{ kind: redis, url: "${loading.url}/0" }`));
      expectFailedInTime(
        result('fault'),
        `redis at 127.0.0.1:${loading.port} is still loading its dataset into memory (LOADING); retry when loading has finished`,
      );
    } finally {
      await loading.stop();
    }
  });
});

describe('faults run together', () => {
  it('every fault at once ends in time, and a healthy item beside them is not held up', async () => {
    const loading = await startLoadingRedis();
    const warnings: Error[] = [];
    const onWarning = (w: Error): void => void warnings.push(w);
    process.on('warning', onWarning);
    try {
      const faults = FAULTS.map((f) => ({ probe: f.probe(), message: f.message() }));
      faults.push({
        probe: `{ kind: redis, url: "${loading.url}/0" }`,
        message: `redis at 127.0.0.1:${loading.port} is still loading its dataset into memory (LOADING); retry when loading has finished`,
      });
      // the healthy items come last: with fewer slots than items they would wait for the faults
      const yaml =
        faults.map((f, i) => item(`fault-${i}`, f.probe)).join('') +
        item('healthy-http', `{ kind: http, url: "${healthy.url}/health", expect: ['json.status == "healthy"'] }`) +
        item('healthy-tcp', `{ kind: tcp, host: 127.0.0.1, port: ${healthy.port} }`);
      const started = performance.now();
      const { log, item: result } = await runItems(yaml, { concurrency: faults.length + 2 });
      const wall = performance.now() - started;

      faults.forEach((f, i) => expectFailedInTime(result(`fault-${i}`), f.message));
      for (const id of ['healthy-http', 'healthy-tcp']) {
        const r = result(id);
        expect(r.status, r.message).toBe('pass');
        expect(r.durationMs).toBeLessThan(HEALTHY_MS);
        // nor did it wait for a slot: it was done that soon after the run started
        expect(Date.parse(r.startedAt) + r.durationMs - Date.parse(log.startedAt)).toBeLessThan(HEALTHY_MS);
      }
      // the faults ran side by side, not one after another
      expect(wall).toBeLessThan(DEADLINE_MS + ALLOWANCE_MS);
      expect(log.summary.exitCode).toBe(1);
      expect(warnings.map((w) => `${w.name}: ${w.message}`)).toEqual([]);
    } finally {
      process.off('warning', onWarning);
      await loading.stop();
    }
  });
});

/** The built CLI on a checklist of `items` (YAML of the `items:` list, indented by 6 spaces), in a temp directory. */
function checklistDir(itemsYaml: string): ReturnType<typeof tempDir> {
  const t = tempDir({ 'c.yaml': `id: c\ntitle: C\nsections:\n  - id: s\n    title: S\n    items:\n${itemsYaml}` });
  cleanups.push(t.remove);
  return t;
}

const commandItem = (id: string, shell: string, extra = ''): string =>
  `      - id: ${id}\n        title: ${id}\n        timeout: ${TIMEOUT_MS}ms\n        probe: { kind: command, shell: ${JSON.stringify(shell)}${extra} }\n`;

const cleanups: (() => void)[] = [];
afterEach(() => cleanups.splice(0).forEach((f) => f()));

/** Live processes (zombies have no command line) whose command line contains `text`. */
function processesWith(text: string): number[] {
  const found: number[] = [];
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      if (readFileSync(`/proc/${name}/cmdline`, 'utf8').split('\0').join(' ').includes(text)) found.push(Number(name));
    } catch {
      // gone meanwhile
    }
  }
  return found;
}

async function until(what: string, test: () => boolean, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!test()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** The lines a run printed on stderr, without blank ones. */
const stderrLines = (r: CliResult): string[] => r.stderr.split('\n').filter((l) => l.trim() !== '');

describe('a backtracking regex cannot block the run (RE2 semantics)', () => {
  const evil = `${'a'.repeat(40)}!`;

  it('matches /(a+)+$/ against forty a and "!": the item fails in time and the run ends', async () => {
    const t = checklistDir(commandItem('evil', `printf '${evil}'`, ", expect: ['stdout matches /(a+)+$/']"));
    const r = await runCli(['check', t.path('c.yaml'), '--ci', '--log-dir', t.path('runs'), '--format', 'json'], { timeoutMs: 15_000 });
    expect(r.signal).toBeNull();
    expect(r.code).toBe(1);
    const log = JSON.parse(r.stdout) as RunLog;
    expect(log.items[0]).toMatchObject({ status: 'fail', message: `stdout matches /(a+)+$/ (got "${evil}")` });
  });

  it("the env probe's pattern: (a+)+$ against forty a and '!'", async () => {
    const t = checklistDir(
      `      - id: evil\n        title: evil\n        timeout: ${TIMEOUT_MS}ms\n        probe: { kind: env, vars: [EVIL_VALUE], pattern: '(a+)+$', allow_placeholders: true }\n`,
    );
    const r = await runCli(['check', t.path('c.yaml'), '--ci', '--log-dir', t.path('runs'), '--format', 'json'], {
      env: { EVIL_VALUE: evil },
      timeoutMs: 15_000,
    });
    expect(r.code).toBe(1);
    expect((JSON.parse(r.stdout) as RunLog).items[0]).toMatchObject({ status: 'fail', message: 'EVIL_VALUE does not match /(a+)+$/' });
  });

  it('a backreference or a lookahead is a located checklist error, exit 2', async () => {
    const t = checklistDir(
      commandItem('backref', 'echo aa', ", expect: ['stdout matches /(a)\\1/']") +
        `      - id: ahead\n        title: ahead\n        probe: { kind: env, vars: [HOME], pattern: '^(?=a)' }\n`,
    );
    const r = await runCli(['validate', t.path('c.yaml')]);
    expect(r.code).toBe(2);
    expect(stderrLines(r).map((l) => l.replace(t.dir, '<dir>'))).toEqual([
      '<dir>/c.yaml:10:60 sections[0].items[0].probe.expect[0]: invalid regex /(a)\\1/: invalid escape sequence: `\\1` (the RE2 dialect: no backreferences or lookaround)',
      '<dir>/c.yaml:13:52 sections[0].items[1].probe.pattern: invalid regex /^(?=a)/: invalid or unsupported Perl syntax: `(?=` (the RE2 dialect: no backreferences or lookaround)',
    ]);
  });
});

describe('durations beyond what a timer keeps (2^31-1 ms) are refused before anything runs', () => {
  it.each([
    [['--timeout', '25d'], 'error: --timeout must be at most 24d (Node\'s timers overflow beyond 2^31-1 ms, about 24.8 days), got "25d"'],
    [['--every', '25d'], 'error: --every must be at most 24d (Node\'s timers overflow beyond 2^31-1 ms, about 24.8 days), got "25d"'],
    [
      ['--every', '1m', '--for', '30d'],
      'error: --for must be at most 24d (Node\'s timers overflow beyond 2^31-1 ms, about 24.8 days), got "30d"',
    ],
  ])('check %j', async (flags, message) => {
    const t = checklistDir(commandItem('one', `touch ran`));
    const r = await runCli(['check', t.path('c.yaml'), '--ci', '--log-dir', t.path('runs'), ...flags], { cwd: t.dir });
    expect({ code: r.code, stderr: stderrLines(r) }).toEqual({ code: 2, stderr: [message] });
    expect(existsSync(t.path('ran'))).toBe(false);
  });

  it('timeout: 25d in a checklist is a located error', async () => {
    const t = checklistDir(`      - id: one\n        title: one\n        timeout: 25d\n        probe: { kind: command, run: ['true'] }\n`);
    const r = await runCli(['validate', t.path('c.yaml')]);
    expect(r.code).toBe(2);
    expect(stderrLines(r).map((l) => l.replace(t.dir, '<dir>'))).toEqual([
      '<dir>/c.yaml:9:18 sections[0].items[0].timeout: at most 24d (Node\'s timers overflow beyond 2^31-1 ms, about 24.8 days), got "25d"',
    ]);
  });
});

describe('a command runs in its own process group, ended with it', () => {
  it('shell: "sleep 25; echo" with timeout 1s: the run ends at once and no sleep is left', async () => {
    const marker = '25.0417';
    const t = checklistDir(commandItem('slow', `sleep ${marker}; echo done`));
    const r = await runCli(['check', t.path('c.yaml'), '--ci', '--log-dir', t.path('runs'), '--format', 'json'], { timeoutMs: 10_000 });
    expect(r.signal).toBeNull();
    expect(r.code).toBe(1);
    expect((JSON.parse(r.stdout) as RunLog).items[0]).toMatchObject({ status: 'fail', message: 'timed out after 1s' });
    await until('the sleep to end', () => processesWith(`sleep ${marker}`).length === 0, 2000);
  });

  it.each([1, 2])('%i Ctrl-C (SIGINT) end the run with 130 and leave no sleep running', async (count) => {
    const marker = `25.04${count}8`;
    const t = checklistDir(commandItem('slow', `sleep ${marker}; echo done`).replace(`timeout: ${TIMEOUT_MS}ms`, 'timeout: 60s'));
    const run = startCli(['check', t.path('c.yaml'), '--ci', '--log-dir', t.path('runs')], { env: { HOME: undefined }, timeoutMs: 60_000 });
    const done = run.done.then((r) => r.code);
    try {
      await until('the command to start', () => processesWith(`sleep ${marker}`).length > 0);
      for (let i = 0; i < count; i++) {
        run.kill('SIGINT');
        await new Promise((r) => setTimeout(r, 100));
      }
      // ended soon after the signal (here 5 s), not when the sleep of 25 s would have
      const ended = await Promise.race([done, new Promise<string>((r) => setTimeout(() => r('still running after 5 s'), 5000))]);
      expect(ended).toBe(130);
      await until('the sleep to end', () => processesWith(`sleep ${marker}`).length === 0, 2000);
    } finally {
      run.kill('SIGKILL');
      for (const pid of processesWith(`sleep ${marker}`)) process.kill(pid, 'SIGKILL');
    }
  });

  it('a command printing 12 MiB passes by its exit code, its output kept in bounds and marked truncated', async () => {
    const { item: result } = await runItems(commandItem('loud', "head -c 12582912 /dev/zero | tr '\\\\0' a; echo; echo last line"));
    const r = result('loud');
    expect({ status: r.status, message: r.message }).toEqual({ status: 'pass', message: 'exit 0' });
    expect(r.observations).toMatchObject({ exit_code: 0, truncated: true });
    expect(String(r.observations.stdout).length).toBeLessThan(5000);
  });
});

describe('output and run-log files that cannot be written', () => {
  it('--output /proc/nonexist/x: one line, exit 2, nothing run', async () => {
    const t = checklistDir(commandItem('ok', 'touch ran'));
    const r = await runCli(['check', 'c.yaml', '--ci', '--log-dir', 'runs', '--output', '/proc/nonexist/x'], {
      cwd: t.dir,
      timeoutMs: 10_000,
    });
    expect({ code: r.code, stderr: stderrLines(r) }).toEqual({
      code: 2,
      stderr: ["error: cannot write --output /proc/nonexist/x: ENOENT: no such file or directory, mkdir '/proc/nonexist'"],
    });
    expect(existsSync(t.path('ran'))).toBe(false);
  });

  it('every other file sfdeploy creates under /proc/nonexist fails at once with one line: ledger, monitoring report, init', async () => {
    const t = checklistDir(commandItem('ok', 'touch ran'));
    t.write(
      'm.yaml',
      'id: m\ntitle: M\nsections:\n  - id: s\n    title: S\n    items:\n      - id: m\n        title: M\n        manual: { instructions: do it }\n',
    );
    const cases: [string[], RegExp][] = [
      [['signoff', 'm.yaml', 'm', '--by', 'Ana <ana@example.com>', '--release', 'v1', '--ledger', '/proc/nonexist/l.jsonl'], /ledger/],
      [['init', '--dir', '/proc/nonexist/checklists', '--template', 'minimal'], /nonexist/],
      [['report', '--window', '2020-01-01..2030-01-01', '--log-dir', 'runs', '--output', '/proc/nonexist/r.html'], /nonexist/],
    ];
    await runCli(['check', 'c.yaml', '--ci', '--log-dir', 'runs'], { cwd: t.dir });
    for (const [args, mentions] of cases) {
      const r = await runCli(args, { cwd: t.dir, timeoutMs: 10_000 });
      expect(r.signal, args.join(' ')).toBeNull();
      expect(r.code, args.join(' ')).not.toBe(0);
      expect(stderrLines(r), args.join(' ')).toHaveLength(1);
      expect(r.stderr, args.join(' ')).toMatch(mentions);
    }
  });

  it('--output naming a directory: one line, exit 2, nothing run', async () => {
    const t = checklistDir(commandItem('ok', 'touch ran'));
    const r = await runCli(['check', 'c.yaml', '--ci', '--log-dir', 'runs', '--output', 'runs'], { cwd: t.dir });
    expect({ code: r.code, stderr: stderrLines(r) }).toEqual({
      code: 2,
      stderr: ["error: cannot write --output runs: EISDIR: illegal operation on a directory, open '" + t.path('runs') + "'"],
    });
    expect(existsSync(t.path('ran'))).toBe(false);
  });

  it('--output /dev/full: the gate that passed exits 1 with one line; the run log is complete', async () => {
    const t = checklistDir(passing());
    const r = await runCli(['check', 'c.yaml', '--ci', '--log-dir', 'runs', '--format', 'json', '--output', '/dev/full'], { cwd: t.dir });
    expect({ code: r.code, stderr: stderrLines(r) }).toEqual({
      code: 1,
      stderr: ['error: could not write --output /dev/full (ENOSPC); the gate does not pass'],
    });
    const [file] = readdirSync(t.path('runs'));
    expect(JSON.parse(readFileSync(join(t.path('runs'), file!), 'utf8'))).toMatchObject({ status: 'passed' });
  });

  it('a read-only run-log file system: exit 2 before anything runs, one line', async () => {
    const ro = mountTmpfs({ sizeKb: 64, readOnly: true });
    cleanups.push(ro.remove);
    const t = checklistDir(commandItem('ok', 'touch ran'));
    const r = await runCli(['check', 'c.yaml', '--ci', '--log-dir', ro.dir], { cwd: t.dir });
    expect({ code: r.code, stderr: stderrLines(r) }).toEqual({
      code: 2,
      stderr: [`error: cannot write run logs in ${ro.dir}: EROFS: read-only file system, access '${ro.dir}'`],
    });
    expect(existsSync(t.path('ran'))).toBe(false);
  });

  it('a run-log disk that fills up mid-run: exit 1 (never 0, never 2) with one line, the log finished without observations', async () => {
    const disk = mountTmpfs({ sizeKb: 64 });
    cleanups.push(disk.remove);
    const t = checklistDir(
      Array.from({ length: 30 }, (_, i) => commandItem(`loud-${i}`, "head -c 8000 /dev/zero | tr '\\\\0' a")).join(''),
    );
    const r = await runCli(['check', 'c.yaml', '--ci', '--concurrency', '1', '--log-dir', disk.dir], { cwd: t.dir });
    expect(r.stdout).toMatch(/Gate +PASSED \(exit 0\)/);
    const files = readdirSync(disk.dir);
    expect(files).toHaveLength(1);
    expect({ code: r.code, stderr: stderrLines(r) }).toEqual({
      code: 1,
      stderr: [
        `error: could not write the run log ${join(disk.dir, files[0]!)} in full (ENOSPC): it was recorded without observations; the gate does not pass`,
      ],
    });
    const log = JSON.parse(readFileSync(join(disk.dir, files[0]!), 'utf8')) as RunLog;
    expect({ status: log.status, finished: !!log.finishedAt, items: log.items.length }).toEqual({
      status: 'passed',
      finished: true,
      items: 30,
    });
    expect(log.items.every((i) => i.status === 'pass' && Object.keys(i.observations).length === 0)).toBe(true);
  });
});

describe("the CLI owns its flags: Node's own --env-file never sees them", () => {
  it('check --env-file <missing>: sfdeploy says so (exit 2), not Node (exit 9)', async () => {
    const t = checklistDir(passing());
    const r = await runBin(['validate', t.path('c.yaml'), '--env-file', t.path('missing.env')], t.dir);
    expect({ code: r.code, stderr: stderrLines(r) }).toEqual({ code: 2, stderr: [`error: cannot read env file ${t.path('missing.env')}`] });
  });

  it('NODE_OPTIONS=--require in a checklist env file never runs inside sfdeploy', async () => {
    const t = checklistDir(passing());
    t.write('hook.cjs', `require('node:fs').writeFileSync(${JSON.stringify(t.path('hooked'))}, 'ran inside ' + process.argv[1]);\n`);
    t.write('app.env', `NODE_OPTIONS=--require ${t.path('hook.cjs')}\n`);
    const r = await runBin(['check', 'c.yaml', '--ci', '--log-dir', 'runs', '--env-file', 'app.env'], t.dir);
    expect({ code: r.code, stderr: r.stderr }).toEqual({ code: 0, stderr: '' });
    expect(existsSync(t.path('hooked'))).toBe(false);
  });
});

function passing(): string {
  return commandItem('ok', 'true');
}

/** Starts bin/sfdeploy.js as its shebang does (an executable, not `node <file>`), as users and npm's bin links run it. */
const runBin = (args: string[], cwd: string): Promise<CliResult> => runCli(args, { cwd, asExecutable: true, env: { HOME: undefined } });

describe('a terminal that reports 0 columns (script, some CI wrappers)', () => {
  /** Runs `command` under `script` (a pty of 0 columns), counting what it prints; kills it past 4 MB. */
  function underScript(
    command: string,
    o: { onOutput?: (text: string) => void } = {},
  ): Promise<{ bytes: number; text: string; code: number | null }> {
    return new Promise((resolve) => {
      const child = spawn('script', ['-q', '-e', '-c', command, '/dev/null'], {
        env: { PATH: process.env.PATH, TERM: 'xterm' },
        stdio: ['pipe', 'pipe', 'pipe'],
      });
      let bytes = 0;
      let text = '';
      const onData = (d: Buffer): void => {
        bytes += d.length;
        text = (text + d.toString()).slice(-100_000);
        o.onOutput?.(text);
        if (bytes > 4_000_000) child.kill('SIGKILL');
      };
      child.stdout.on('data', onData);
      child.stderr.on('data', onData);
      const timer = setTimeout(() => child.kill('SIGKILL'), 20_000);
      child.on('close', (code) => {
        clearTimeout(timer);
        resolve({ bytes, text, code });
      });
    });
  }

  it('the spinner does not flood the terminal, and SIGTERM ends the run', async () => {
    const t = checklistDir(commandItem('slow', 'sleep 3').replace(`timeout: ${TIMEOUT_MS}ms`, 'timeout: 30s'));
    const cmd = `cd ${t.dir} && ${cliCommand(['check', 'c.yaml', '--ci', '--log-dir', 'runs']).join(' ')} & echo "pid:$!"; wait $!; echo "rc:$?"`;
    let sent = false;
    const r = await underScript(`sh -c '${cmd}'`, {
      onOutput: (text) => {
        const pid = /pid:(\d+)/.exec(text)?.[1];
        // once the run has started (its heading is out); the item's command runs 3 s, the spinner is up after 1 s
        if (pid && !sent && text.includes('(c, 1 items)')) {
          sent = true;
          setTimeout(() => process.kill(Number(pid), 'SIGTERM'), 1000);
        }
      },
    });
    expect(sent, r.text.slice(0, 2000)).toBe(true);
    expect(r.text.slice(-2000)).toMatch(/rc:130/);
    expect(r.bytes).toBeLessThan(100_000);
  });
});

describe('checklist files a careful loader refuses in bounded time, each problem located', () => {
  const HEAD = 'id: c\ntitle: C\nsections:\n  - id: s\n    title: S\n    items:\n';
  const problemsOf = (source: string | Buffer): string[] => {
    try {
      parseChecklist(source, 'c.yaml', { env: {} });
    } catch (e) {
      if (e instanceof ChecklistError) return e.message.split('\n');
      throw e;
    }
    throw new Error('expected the checklist to be rejected');
  };
  const item = (id: string, extra = ''): string =>
    `      - id: ${id}\n        title: ${id}\n        probe: { kind: command, run: ['true'] }\n${extra}`;

  it('a UTF-8-encoded surrogate names its bytes', () => {
    const bytes = Buffer.concat([
      Buffer.from(`${HEAD}      - id: a\n        title: "`),
      Buffer.from([0xed, 0xa0, 0x80]),
      Buffer.from('"\n'),
    ]);
    expect(problemsOf(bytes)).toEqual([
      'c.yaml:8:17: invalid UTF-8 sequence 0xed 0xa0 0x80 (an encoded UTF-16 surrogate, as CESU-8 or WTF-8 write them); save the file as UTF-8',
    ]);
  });

  it('an undefined *alias says so, where it is used', () => {
    expect(problemsOf(`${HEAD}      - id: a\n        title: *missing\n        probe: { kind: command, run: ['true'] }\n`)).toEqual([
      'c.yaml:8:16: undefined alias *missing: define &missing before it is used',
    ]);
  });

  it('two YAML documents: where the second one starts', () => {
    expect(problemsOf(`${HEAD}${item('a')}---\nid: d\n`)).toEqual([
      'c.yaml:10:1: a second YAML document starts here (after ---); a checklist file holds one document',
    ]);
  });

  it('a duplicate key hides no other problem of the file', () => {
    expect(
      problemsOf(
        `id: c\ntitle: C\ntitle: D\nsections:\n  - id: s\n    title: S\n    items:\n      - id: a\n        title: A\n        probe: { kind: comand, run: ['true'] }\n`,
      ),
    ).toEqual([
      'c.yaml:3:1: duplicate key "title" (first at line 2)',
      'c.yaml:10:24 sections[0].items[0].probe.kind: unknown probe kind "comand" (did you mean "command"?); known kinds: alembic, command, dns, env, file, git, http, postgres, prometheus, redis, s3, tcp, tls',
    ]);
  });

  it('__proto__ keys in probe parameters, env, headers and roles are located errors, not dropped', () => {
    const yaml =
      `id: c\ntitle: C\nroles:\n  __proto__: { title: Admin }\nsections:\n  - id: s\n    title: S\n    items:\n` +
      `      - id: a\n        title: A\n        probe: { kind: command, run: ['true'], env: { __proto__: x } }\n` +
      `      - id: b\n        title: B\n        probe: { kind: http, url: "http://127.0.0.1:1/", headers: { __proto__: x } }\n` +
      `      - id: c\n        title: C\n        probe: { kind: tcp, host: 127.0.0.1, port: 1, __proto__: { port: 2 } }\n`;
    expect(problemsOf(yaml)).toEqual([
      'c.yaml:4:3: the key "__proto__" is not allowed (JavaScript objects cannot hold it)',
      'c.yaml:11:55: the key "__proto__" is not allowed (JavaScript objects cannot hold it)',
      'c.yaml:14:69: the key "__proto__" is not allowed (JavaScript objects cannot hold it)',
      'c.yaml:17:55: the key "__proto__" is not allowed (JavaScript objects cannot hold it)',
    ]);
  });

  it('a 5,000-item needs chain is a valid checklist (no recursion in the cycle check)', () => {
    const items = Array.from({ length: 5000 }, (_, i) => item(`i${i}`, i ? `        needs: [i${i - 1}]\n` : '')).join('');
    expect(parseChecklist(`${HEAD}${items}`, 'c.yaml', { env: {} }).items).toHaveLength(5000);
  });

  it('a cycle through a long chain is still found', () => {
    const items = Array.from({ length: 3000 }, (_, i) => item(`i${i}`, `        needs: [i${(i + 2999) % 3000}]\n`)).join('');
    const problems = problemsOf(`${HEAD}${items}`);
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatch(/^c\.yaml:\d+:\d+ sections\[0\]\.items\[\d+\]\.needs: dependency cycle: (i\d+ → ){3000}i\d+$/);
  });

  it('10,000 unknown needs: the first 100 problems and a count, did-you-mean for a bounded few', () => {
    const items = Array.from({ length: 10_000 }, (_, i) => item(`i${i}`, `        needs: [missing-${i}]\n`)).join('');
    const problems = problemsOf(`${HEAD}${items}`);
    expect(problems).toHaveLength(101);
    expect(problems[0]).toBe('c.yaml:10:17 sections[0].items[0].needs[0]: needs unknown item "missing-0"');
    expect(problems[100]).toBe('c.yaml:1:1: and 9900 more problems (the first 100 are shown)');
  });

  it('40,000 keys in one mapping load (the duplicate-key check is linear)', () => {
    const vars = Array.from({ length: 40_000 }, (_, i) => `  V${i}: { default: x }\n`).join('');
    expect(
      Object.keys(
        parseChecklist(`id: c\ntitle: C\nvars:\n${vars}sections:\n  - id: s\n    title: S\n    items:\n${item('a')}`, 'c.yaml', { env: {} })
          .vars,
      ),
    ).toHaveLength(40_000);
  });

  it('a 4 MB list of 2 million entries is refused before the YAML parser sees it', () => {
    const yaml = `${HEAD}${item('a')}        tags: [${Array(2_000_000).fill('1').join(',')}]\n`;
    expect(problemsOf(yaml)).toEqual([
      'c.yaml:10:399997: more than 200,000 YAML entries (lines and list items); a checklist is limited to that',
    ]);
  });

  it('more than 10,000 items: located at the first one too many', () => {
    const one = item('x');
    const sections = [0, 1].map(
      (s) => `  - id: s${s}\n    title: S\n    items:\n${Array.from({ length: 6000 }, (_, i) => one.replace(/x/g, `s${s}-${i}`)).join('')}`,
    );
    expect(problemsOf(`id: c\ntitle: C\nsections:\n${sections.join('')}`)).toEqual([
      'c.yaml:30010:9 sections[1].items[4000]: more than 10,000 items; a checklist is limited to that',
    ]);
  });

  it.each([
    ['/dev/zero', async () => '/dev/zero'],
    [
      'a FIFO fed without end',
      async () => {
        const t = tempDir();
        cleanups.push(t.remove);
        const fifo = t.path('fifo');
        spawnSync('mkfifo', [fifo]);
        const writer = spawn('sh', ['-c', `yes 'key: value' > ${fifo}`], { stdio: 'ignore' });
        cleanups.push(() => writer.kill('SIGKILL'));
        return fifo;
      },
    ],
  ])('validate %s: the bytes read are capped (not the size stat reports)', async (_name, path) => {
    const file = await path();
    const r = await runCli(['validate', file], { timeoutMs: 15_000 });
    expect({ code: r.code, stderr: stderrLines(r) }).toEqual({
      code: 2,
      stderr: [`${file}:1:1: is larger than 4194304 bytes; checklists are limited to that`],
    });
  });
});
