import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import type { CertificateFiles } from './certs.js';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from './ports.js';

export const REDIS_INSTALL_HINT =
  'redis-server is not installed: run `apt-get install -y redis-server` (or `bash scripts/install-test-deps.sh`)';

export interface RedisServerOptions {
  /** `requirepass`: clients must AUTH with it. */
  password?: string;
  /** `appendonly yes`. */
  appendonly?: boolean;
  /** Extra `--name value` arguments. */
  args?: string[];
  /** Data directory to use (and not remove); default a fresh temp directory removed on stop. */
  dir?: string;
  /** Serve TLS only (`--tls-port`, plain port 0) with these files; see certificateFiles in certs.ts. */
  tls?: CertificateFiles;
  /** `ready`: wait for "Ready to accept connections"; `listening`: only for the port to accept (a server still loading). */
  waitFor?: 'ready' | 'listening';
}

export interface RedisServer {
  port: number;
  dir: string;
  /** `redis://[:password@]127.0.0.1:port`. */
  url: string;
  /** Everything the server logged so far. */
  log(): string;
  stop(): Promise<void>;
}

/** Starts a throwaway redis-server on a free loopback port, without persistence unless asked. */
export async function startRedis(o: RedisServerOptions = {}): Promise<RedisServer> {
  const ownDir = o.dir === undefined;
  const dir = o.dir ?? mkdtempSync(join(tmpdir(), 'sfdeploy-redis-'));
  let lastError: Error | undefined;
  for (let attempt = 0; attempt < 3; attempt++) {
    const port = await freePort();
    try {
      return await launch(port, dir, ownDir, o);
    } catch (e) {
      lastError = e as Error;
      if ((e as Error).message === REDIS_INSTALL_HINT) break;
    }
  }
  if (ownDir) rmSync(dir, { recursive: true, force: true });
  throw lastError ?? new Error('redis-server did not start');
}

function launch(port: number, dir: string, ownDir: boolean, o: RedisServerOptions): Promise<RedisServer> {
  const ports = o.tls
    ? [
        '--port',
        '0',
        '--tls-port',
        String(port),
        '--tls-cert-file',
        o.tls.certFile,
        '--tls-key-file',
        o.tls.keyFile,
        '--tls-ca-cert-file',
        o.tls.caFile,
        '--tls-auth-clients',
        'no',
      ]
    : ['--port', String(port)];
  const args = [...ports, '--bind', '127.0.0.1', '--save', '', '--dir', dir, '--daemonize', 'no', '--logfile', ''];
  if (o.password !== undefined) args.push('--requirepass', o.password);
  if (o.appendonly) args.push('--appendonly', 'yes');
  args.push(...(o.args ?? []));
  const child = spawn('redis-server', args, { stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout.on('data', (d: Buffer) => (output += d.toString()));
  child.stderr.on('data', (d: Buffer) => (output += d.toString()));
  const server: RedisServer = {
    port,
    dir,
    url: `${o.tls ? 'rediss' : 'redis'}://${o.password !== undefined ? `:${encodeURIComponent(o.password)}@` : ''}127.0.0.1:${port}`,
    log: () => output,
    stop: async () => {
      await stopProcess(child);
      if (ownDir) rmSync(dir, { recursive: true, force: true });
    },
  };
  return new Promise<RedisServer>((resolve, reject) => {
    let settled = false;
    const fail = (e: Error): void => {
      if (settled) return;
      settled = true;
      clearInterval(poll);
      clearTimeout(timer);
      void stopProcess(child).then(() => reject(e));
    };
    const succeed = (): void => {
      if (settled) return;
      settled = true;
      clearInterval(poll);
      clearTimeout(timer);
      resolve(server);
    };
    child.on('error', (e: NodeJS.ErrnoException) => fail(e.code === 'ENOENT' ? new Error(REDIS_INSTALL_HINT) : e));
    child.on('exit', (code) => fail(new Error(`redis-server exited with code ${code} before it was ready:\n${output}`)));
    const timer = setTimeout(() => fail(new Error(`redis-server on port ${port} was not ready after 10s:\n${output}`)), 10_000);
    const poll = setInterval(() => {
      if (o.waitFor === 'listening') {
        if (!/Server initialized|Loading RDB|Ready to accept/.test(output)) return;
        const probe = connect(port, '127.0.0.1');
        probe.on('connect', () => {
          probe.destroy();
          succeed();
        });
        probe.on('error', () => probe.destroy());
      } else if (output.includes('Ready to accept connections')) succeed();
    }, 20);
  });
}

function stopProcess(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const kill = setTimeout(() => child.kill('SIGKILL'), 5000);
    child.once('exit', () => {
      clearTimeout(kill);
      resolve();
    });
    child.kill('SIGTERM');
  });
}

/**
 * A redis-server that is still loading its dataset when this resolves: a saved dataset of `keys` keys
 * reloaded with a per-key delay, answering LOADING to most commands for several seconds.
 */
export async function startLoadingRedis(keys = 5000): Promise<RedisServer> {
  const dir = mkdtempSync(join(tmpdir(), 'sfdeploy-redis-loading-'));
  const seed = await startRedis({ dir });
  try {
    const { Redis } = await import('ioredis');
    const client = new Redis(seed.url, { lazyConnect: true, maxRetriesPerRequest: 0 });
    await client.connect();
    await client.eval(`for i=1,${keys} do redis.call('set','k'..i,i) end return 1`, 0);
    await client.save();
    client.disconnect();
  } finally {
    await seed.stop();
  }
  const server = await startRedis({
    dir,
    waitFor: 'listening',
    args: ['--key-load-delay', '2000', '--loading-process-events-interval-bytes', '1024'],
  });
  return {
    ...server,
    stop: async () => {
      await server.stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
