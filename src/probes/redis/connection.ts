import { ProbeError } from '../../errors.js';
import { formatDuration } from '../../util/duration.js';
import { describeNetworkError } from '../../util/network-error.js';
import { maskUrlPasswords } from '../../util/redact.js';

/** Where and how to connect, read from a `redis://` or `rediss://` URL. */
export interface RedisTarget {
  host: string;
  port: number;
  tls: boolean;
  username: string | undefined;
  password: string | undefined;
  db: number;
  /** `host:port`, for messages. */
  where: string;
}

/** Parses `redis[s]://[user][:password]@host[:port][/db]`. */
export function parseRedisUrl(url: string): RedisTarget {
  let u: URL;
  try {
    u = new URL(url.trim());
  } catch {
    throw new ProbeError(`not a valid redis URL: ${maskUrlPasswords(url)} (expected redis://[:password@]host[:port][/db])`);
  }
  if (u.protocol !== 'redis:' && u.protocol !== 'rediss:') {
    throw new ProbeError(`expected a redis:// or rediss:// URL, got ${u.protocol}//`);
  }
  if (!u.hostname) throw new ProbeError(`no host in redis URL ${maskUrlPasswords(url)}`);
  const host = u.hostname.replace(/^\[(.*)\]$/, '$1');
  const port = u.port ? Number(u.port) : 6379;
  const dbText = u.pathname.replace(/^\//, '');
  if (dbText !== '' && !/^\d+$/.test(dbText))
    throw new ProbeError(`expected a database number after the host in ${maskUrlPasswords(url)}, got "${dbText}"`);
  const decode = (s: string): string | undefined => {
    if (s === '') return undefined;
    try {
      return decodeURIComponent(s);
    } catch {
      return s;
    }
  };
  return {
    host,
    port,
    tls: u.protocol === 'rediss:',
    username: decode(u.username),
    password: decode(u.password),
    db: dbText === '' ? 0 : Number(dbText),
    where: `${u.hostname}:${port}`,
  };
}

/** The error code of a Redis error reply (`NOAUTH`, `WRONGPASS`, `LOADING`), if it is one. */
export function replyCode(error: unknown): string | undefined {
  if (!(error instanceof Error) || error.name !== 'ReplyError') return undefined;
  return /^([A-Z][A-Z_-]+)\b/.exec(error.message)?.[1];
}

const CLIENT_SIDE = /^(Connection is closed\.|Stream isn't writeable|None of the connections|Reached the max retries)/;

/**
 * One line for a driver error. `socketError` is the last `error` event of the client: ioredis rejects
 * commands with "Connection is closed." while the cause (ECONNREFUSED, WRONGPASS) arrives as an event.
 */
export function describeRedisError(error: unknown, target: RedisTarget, socketError: Error | undefined, timeoutMs: number): string {
  let e = error as (Error & { code?: string }) | undefined;
  if (e instanceof Error && CLIENT_SIDE.test(e.message) && socketError) e = socketError;
  const where = target.where;
  const message = firstLine(e?.message ?? String(error));
  switch (replyCode(e)) {
    case 'NOAUTH':
      return `NOAUTH: redis at ${where} requires authentication${target.password ? '' : ' and the URL has no password'}`;
    case 'WRONGPASS':
      return `WRONGPASS invalid username-password pair for user ${target.username ?? 'default'} at ${where}`;
    case 'LOADING':
      return `redis at ${where} is still loading its dataset into memory (LOADING); retry when loading has finished`;
    case undefined:
      break;
    default:
      return `${message} (redis at ${where})`;
  }
  if (e?.message === 'Command timed out') return `redis at ${where} did not answer within ${formatDuration(timeoutMs)} (timed out)`;
  if (e?.code === 'ETIMEDOUT') {
    return `connection to redis at ${where} timed out after ${formatDuration(timeoutMs)}${target.tls ? ' (with rediss://, check that this port serves TLS)' : ''}`;
  }
  if (e?.code) return describeNetworkError(e, where);
  if (/^Protocol error/i.test(message))
    return `${where} did not answer like a redis server (${message.replace(/\. Please report this\.$/, '')})`;
  return `redis at ${where}: ${message}`;
}

function firstLine(text: string): string {
  return text.split('\n')[0]!.trim();
}
