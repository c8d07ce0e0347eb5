import { resolve } from 'node:path';
/**
 * The redis probe: PING, INFO, CONFIG GET, LLEN over one connection.
 * https://redis.io/docs/latest/commands/info/ · https://redis.io/docs/latest/commands/config-get/
 */
import type { Redis as RedisClient } from 'ioredis';
import type { Socket } from 'node:net';
import { z } from 'zod';
import { ProbeError } from '../../errors.js';
import { untilAborted } from '../abort.js';
import { bool } from '../params.js';
import { limitReads, ReadLimitError } from '../../util/read-limit.js';
import { defineProbe, type ProbeContext } from '../types.js';
import { describeRedisError, parseRedisUrl, replyCode, type RedisTarget } from './connection.js';
import { parseConfigValue, parseInfo } from './info.js';

/** What one connection may read: INFO, CONFIG GET and LLEN replies are a few kilobytes. */
const MAX_READ_BYTES = 16 * 1024 * 1024;

const params = z.strictObject({
  url: z
    .string()
    .min(1, 'expected a redis URL such as redis://:password@host:6379/0')
    .default('${REDIS_URL}')
    .describe('Redis URL: `redis://[user][:password]@host[:port][/db]`, or `rediss://` for TLS. Default `${REDIS_URL}`.'),
  queues: z
    .union([z.string(), z.array(z.string())])
    .transform((q) =>
      (Array.isArray(q) ? q : [q])
        .flatMap((entry) => entry.split(','))
        .map((k) => k.trim())
        .filter((k) => k !== ''),
    )
    .default([])
    .describe(
      'List keys whose length is observed as `llen.<key>`, such as Celery queues (`celery`, the default queue). A list, or comma-separated names (`${CELERY_QUEUES}`). A missing key has length 0. A condition on `llen.<key>` or `config.<name>` fetches that key or parameter even when not listed. Default none.',
    ),
  config: z
    .array(z.string().min(1))
    .default([])
    .describe(
      'CONFIG GET parameters (glob patterns allowed) observed as `config.<name>`: `maxmemory-policy`, `appendonly`, `save`. Password values are masked. Default none.',
    ),
  insecure: bool().default(false).describe('With `rediss://`, skip certificate verification. Default false.'),
  ca_file: z
    .string()
    .optional()
    .describe('With `rediss://`, a PEM file of extra CA certificates to trust (relative to the working directory).'),
});

export type RedisParams = z.output<typeof params>;

const SECRET_CONFIG = /pass|auth|secret/i;

/** Connects to Redis and observes PING, INFO, chosen CONFIG values and queue lengths. */
export default defineProbe({
  kind: 'redis',
  summary: 'Connects to Redis: PING, INFO sections, CONFIG values, whether auth is required, queue lengths.',
  docs: 'https://redis.io/docs/latest/commands/info/',
  params,
  example: {},
  observations: {
    pong: 'true when PING answered PONG',
    latency_ms: 'round trip of an authenticated PING, in milliseconds',
    version: 'the server version (INFO server redis_version)',
    role: 'the replication role, master or slave (INFO replication role)',
    'info.**':
      'an INFO field by section and name, numbers as numbers: info.persistence.aof_enabled, info.memory.maxmemory_policy, info.keyspace.db0.keys',
    'config.*': 'a CONFIG GET value for a name in `config`; omitted, with a note, when the server refuses CONFIG (managed Redis, ACL)',
    auth_required: 'true when a connection without credentials gets NOAUTH (checked before AUTH when the URL has credentials)',
    protected_mode: 'true when CONFIG GET protected-mode is yes; omitted, with a note, when CONFIG is refused',
    'llen.**': 'the length of a key listed in `queues` (0 when the key does not exist)',
    notes: 'what could not be observed, and why',
  },
  defaultCheck: 'PING answers PONG (no NOAUTH, WRONGPASS or LOADING), the dataset is loaded and every key in `queues` is a list or absent',
  warm: () => import('ioredis'),
  pooled: true,
  async run(p, ctx) {
    const target = parseRedisUrl(p.url);
    p = withWanted(p, ctx.wants ?? []);
    const tls = target.tls ? await tlsOptions(p, target, ctx) : undefined;
    await import('ioredis');
    for (let attempt = 1; ; attempt++) {
      const { connection, reused, release } = await redisConnection(target, tls, ctx, attempt > 1);
      try {
        return await untilAborted(observe(connection, p, target), ctx.signal);
      } catch (e) {
        if (ctx.signal.aborted || e instanceof ProbeError) throw e;
        // a shared connection the server closed since the last item (restart, CLIENT KILL), noticed or not yet
        // ("Stream isn't writeable"): once more on a new one; a server's error reply or a timeout is the item's
        const lost = !replyCode(e) && !(e instanceof Error && e.message === 'Command timed out');
        if (reused && attempt === 1 && lost) continue;
        throw failure(e, connection, target, ctx.timeoutMs);
      } finally {
        release();
      }
    }
  },
});

/** A connection, connected and authenticated, with what was learnt on the way. */
interface RedisConnection {
  client: RedisClient;
  reads: ReturnType<typeof limitReads>;
  /** The last `error` event of the client (ioredis rejects commands with "Connection is closed." and emits the cause). */
  socketError: Error | undefined;
  authRequired: boolean;
  notes: string[];
}

type TlsOptions = Awaited<ReturnType<typeof tlsOptions>>;

/**
 * The run's connection for this URL, TLS options and timeout (ioredis pipelines the commands of concurrent items on
 * it), or the item's own outside a run. A connection that failed to open is dropped at once: an item that waited
 * for another item's attempt makes its own; `fresh` replaces a shared connection found closed.
 */
async function redisConnection(
  target: RedisTarget,
  tls: TlsOptions | undefined,
  ctx: ProbeContext,
  fresh: boolean,
): Promise<{ connection: RedisConnection; reused: boolean; release: () => void }> {
  const shared = ctx.shared && !ctx.shared.closed ? ctx.shared : undefined;
  if (!shared) {
    const connection = await openRedis(target, tls, ctx);
    return { connection, reused: false, release: () => connection.client.disconnect() };
  }
  const key = `redis ${JSON.stringify({ target, tls, timeoutMs: ctx.timeoutMs })}`;
  for (let attempt = 1; ; attempt++) {
    let mine = false;
    const make = (): Promise<RedisConnection> => {
      mine = true;
      const opening = openRedis(target, tls, ctx);
      opening.catch(() => undefined);
      return opening;
    };
    // never waits for a connection still opening (the run is ending): it is closed once it opens, if it does
    const close = (opening: Promise<RedisConnection>): void => void opening.then((c) => c.client.disconnect()).catch(() => undefined);
    let entry = shared.get(key, make, close);
    if (fresh && attempt === 1 && !mine) {
      shared.drop(key, entry);
      entry = shared.get(key, make, close);
    }
    try {
      const connection = await untilAborted(entry, ctx.signal);
      if (connection.client.status !== 'ready') throw new Error('the shared connection has closed');
      return { connection, reused: !mine, release: () => undefined };
    } catch (e) {
      shared.drop(key, entry);
      if (mine || ctx.signal.aborted || attempt > 1) throw e;
    }
  }
}

/** Connects, finds whether the server asks for credentials (a PING before AUTH), authenticates and selects the database. */
async function openRedis(target: RedisTarget, tls: TlsOptions | undefined, ctx: ProbeContext): Promise<RedisConnection> {
  const { Redis } = await import('ioredis');
  const client = new Redis({
    host: target.host,
    port: target.port,
    ...(tls ? { tls } : {}),
    lazyConnect: true,
    enableReadyCheck: false,
    enableOfflineQueue: false,
    maxRetriesPerRequest: 0,
    retryStrategy: () => null,
    reconnectOnError: () => false,
    autoResubscribe: false,
    disableClientInfo: true,
    connectTimeout: ctx.timeoutMs,
    commandTimeout: ctx.timeoutMs,
  });
  const connection: RedisConnection = {
    client,
    reads: limitReads(
      MAX_READ_BYTES,
      () => new ReadLimitError(target.where, MAX_READ_BYTES, 'not an answer a check needs: is it a redis server?'),
    ),
    socketError: undefined,
    authRequired: false,
    notes: [],
  };
  client.on('error', (e: Error) => {
    connection.socketError = e;
  });
  const stop = (): void => client.disconnect();
  ctx.signal.addEventListener('abort', stop, { once: true });
  try {
    await untilAborted(authenticate(connection, target), ctx.signal);
    return connection;
  } catch (e) {
    client.disconnect();
    if (ctx.signal.aborted || e instanceof ProbeError) throw e;
    throw failure(e, connection, target, ctx.timeoutMs);
  } finally {
    ctx.signal.removeEventListener('abort', stop);
  }
}

/** The item's error for a failed command or connection: the read limit it hit, or the server's answer, the password masked. */
function failure(e: unknown, connection: RedisConnection, target: RedisTarget, timeoutMs: number): Error {
  const message = connection.reads.exceeded()?.message ?? describeRedisError(e, target, connection.socketError, timeoutMs);
  return new Error(target.password && target.password.length >= 4 ? message.split(target.password).join('***') : message);
}

async function authenticate(connection: RedisConnection, target: RedisTarget): Promise<void> {
  const { client, reads, notes } = connection;
  await client.connect();
  // nothing was sent yet (no AUTH, SELECT or CLIENT SETINFO at connect), so every reply byte is counted
  reads.add((client as unknown as { stream: Socket }).stream);
  if (target.password !== undefined) {
    const before = await client.ping().then(
      () => undefined,
      (e: unknown) => e,
    );
    if (before !== undefined && replyCode(before) !== 'NOAUTH')
      throw before instanceof Error ? before : new Error(`PING failed: ${JSON.stringify(before)}`);
    connection.authRequired = before !== undefined;
    try {
      if (target.username !== undefined) await client.auth(target.username, target.password);
      else await client.auth(target.password);
    } catch (e) {
      if (connection.authRequired || !/without any password configured|no password is set/i.test((e as Error).message)) throw e;
      notes.push('the URL has a password but the server requires none');
    }
  }
  if (target.db !== 0) await client.select(target.db);
}

async function observe(connection: RedisConnection, p: RedisParams, target: RedisTarget) {
  const { client, authRequired } = connection;
  const notes = [...connection.notes];
  const problems: string[] = [];
  const started = performance.now();
  const pong = await client.ping();
  const latencyMs = Math.round((performance.now() - started) * 10) / 10;

  const configNames = ['protected-mode', ...p.config.filter((n) => n.toLowerCase() !== 'protected-mode')];
  const pipeline = client.pipeline();
  pipeline.info();
  for (const name of configNames) pipeline.config('GET', name);
  for (const key of p.queues) pipeline.llen(key);
  const replies = (await pipeline.exec()) ?? [];
  const reply = (i: number): [Error | null, unknown] => replies[i] ?? [new Error('no reply'), undefined];

  const [infoError, infoText] = reply(0);
  if (infoError) throw infoError;
  const info = parseInfo(String(infoText));
  if (info.persistence?.loading === 1) {
    problems.push(`redis at ${target.where} is still loading its dataset into memory (LOADING); retry when loading has finished`);
  }

  const config: Record<string, unknown> = {};
  let protectedMode: boolean | undefined;
  let configRefused: string | undefined;
  configNames.forEach((name, j) => {
    const [error, value] = reply(1 + j);
    if (error) {
      if (replyCode(error) === 'LOADING') throw error;
      configRefused ??= error.message.split('\n')[0]!.trim();
      return;
    }
    const pairs = Array.isArray(value) ? (value as unknown[]).map(String) : [];
    for (let k = 0; k + 1 < pairs.length; k += 2) {
      const key = pairs[k]!;
      const text = pairs[k + 1]!;
      if (j === 0 && key === 'protected-mode') protectedMode = text === 'yes';
      if (j > 0 || p.config.some((n) => n.toLowerCase() === 'protected-mode')) {
        config[key] = SECRET_CONFIG.test(key) && text !== '' ? '***' : parseConfigValue(text);
      }
    }
  });
  if (configRefused) notes.push(`CONFIG GET refused (${configRefused}): config.* and protected_mode not observed`);

  const llen: Record<string, number> = {};
  p.queues.forEach((key, j) => {
    const [error, value] = reply(1 + configNames.length + j);
    if (!error) {
      llen[key] = Number(value);
      return;
    }
    const code = replyCode(error);
    if (code === 'LOADING') throw error;
    problems.push(code === 'WRONGTYPE' ? `queue key ${key} is not a list` : `LLEN ${key} failed: ${error.message.split('\n')[0]}`);
  });

  const isPong = pong === 'PONG';
  if (!isPong) problems.unshift(`PING answered ${JSON.stringify(pong)}, not PONG`);
  const version = info.server?.redis_version;
  const role = info.replication?.role;
  const observations: Record<string, unknown> = {
    pong: isPong,
    latency_ms: latencyMs,
    version: version === undefined ? undefined : typeof version === 'string' ? version : JSON.stringify(version),
    role,
    info,
    config,
    auth_required: authRequired,
    protected_mode: protectedMode,
    llen,
    notes,
  };
  const parts = [
    `PONG in ${latencyMs}ms`,
    `redis ${String((version as string | number | undefined) ?? '?')}`,
    role ? String(role as string) : undefined,
  ].filter(Boolean);
  return { observations, problems, summary: `${parts.join(', ')} at ${target.where}` };
}

/** Adds the queues and CONFIG parameters that `expect:` names (`llen.celery`, `config.maxmemory-policy`) but the params omit. */
function withWanted(p: RedisParams, wants: readonly string[]): RedisParams {
  const queues = [...p.queues];
  const config = [...p.config];
  for (const path of wants) {
    const m = /^(llen|config)\.(.+)$/.exec(path);
    if (!m || m[2]!.split('.').includes('*')) continue;
    const name = m[2]!.replace(/\.length$/, '');
    const list = m[1] === 'llen' ? queues : config;
    if (!list.some((x) => x.toLowerCase() === name.toLowerCase())) list.push(name);
  }
  return { ...p, queues, config };
}

async function tlsOptions(p: RedisParams, target: RedisTarget, ctx: ProbeContext) {
  let ca: Buffer | undefined;
  if (p.ca_file) {
    const { readFile } = await import('node:fs/promises');
    ca = await readFile(resolve(ctx.cwd, p.ca_file)).catch(() => {
      throw new ProbeError(`cannot read ca_file ${p.ca_file}`);
    });
  }
  const isIp = /^[\d.]+$|:/.test(target.host);
  return { rejectUnauthorized: !p.insecure, ...(ca ? { ca } : {}), ...(isIp ? {} : { servername: target.host }) };
}
