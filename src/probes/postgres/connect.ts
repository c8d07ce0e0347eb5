import { resolve } from 'node:path';
import type { Client, ClientConfig } from 'pg';
import type { EventEmitter } from 'node:events';
import type { Socket } from 'node:net';
import type { ConnectionOptions } from 'node:tls';
import { ProbeError } from '../../errors.js';
import { formatDuration } from '../../util/duration.js';
import { describeNetworkError } from '../../util/network-error.js';
import { limitReads, ReadLimitError } from '../../util/read-limit.js';
import { maskUrlPasswords } from '../../util/redact.js';
import type { ProbeContext } from '../types.js';
import { readHomeFiles, resolveLibpq, type LibpqOptions, type SslMode } from './libpq.js';

/** What one connection may read from the server: far above the answers of a check's queries (rows are cut at 100). */
const MAX_READ_BYTES = 32 * 1024 * 1024;

/** Where and how to connect (libpq.ts resolves it), with the TLS options for every mode but disable/allow. */
export type PgTarget = Omit<LibpqOptions, 'sslRootCert' | 'sslCert' | 'sslKey' | 'others'> & {
  tls: ConnectionOptions;
  /** The hosts after this one, tried in turn when it cannot be reached (see connectPostgres). */
  others: PgTarget[];
};

/** Resolves a URL and the libpq environment and files (see resolveLibpq), and reads the certificate files it names. */
export async function resolveTarget(url: string, ctx: Pick<ProbeContext, 'env' | 'cwd' | 'addSecret'>): Promise<PgTarget> {
  const withTls = async (o: LibpqOptions): Promise<PgTarget> => {
    const { sslRootCert, sslCert, sslKey, others: _, ...options } = o;
    const { tls, notes } = await tlsOptions(options.sslMode, options.host, {
      rootCert: sslRootCert,
      cert: sslCert,
      key: sslKey,
      cwd: ctx.cwd,
    });
    return { ...options, notes: [...options.notes, ...notes], tls, others: [] };
  };
  const resolved = resolveLibpq(url, ctx.env, await readHomeFiles(ctx.env));
  // a password from the password or service file is a secret the run could not know before
  for (const o of [resolved, ...resolved.others]) if (o.password) ctx.addSecret?.(o.password);
  const first = await withTls(resolved);
  for (const other of resolved.others) first.others.push(await withTls(other));
  return first;
}

/**
 * The TLS options of a mode, with the files they name read. A client key libpq would refuse (group/world access, or
 * missing beside a certificate) is an error, but with sslmode=prefer only a note, the certificate left out: libpq
 * then falls back to a plain connection, which a server that does not ask for a certificate accepts.
 */
async function tlsOptions(
  mode: SslMode,
  host: string,
  files: { rootCert: string | undefined; cert: string | undefined; key: string | undefined; cwd: string },
): Promise<{ tls: ConnectionOptions; notes: string[] }> {
  const notes: string[] = [];
  if (mode === 'disable' || mode === 'allow') return { tls: {}, notes };
  const { readFile, stat } = await import('node:fs/promises');
  const read = async (what: string, file: string): Promise<Buffer> =>
    readFile(resolve(files.cwd, file)).catch(() => {
      throw new ProbeError(`cannot read ${what} ${file}`);
    });
  const out: ConnectionOptions = {};
  const rootCert = files.rootCert && files.rootCert !== 'system' ? files.rootCert : undefined;
  if (rootCert) out.ca = await read('sslrootcert', rootCert);
  const keyProblem = files.key ? await refusedKey(files.key, files.cert, files.cwd, stat) : undefined;
  if (keyProblem && mode !== 'prefer') throw new ProbeError(keyProblem);
  if (keyProblem) notes.push(`${keyProblem}; the client certificate is not sent`);
  else {
    if (files.cert) out.cert = await read('sslcert', files.cert);
    if (files.key) out.key = await read('sslkey', files.key);
  }
  const verify = mode === 'verify-full' || mode === 'verify-ca' || (mode === 'require' && files.rootCert !== undefined);
  out.rejectUnauthorized = verify;
  if (verify && mode !== 'verify-full') out.checkServerIdentity = () => undefined;
  if (!/^[\d.]+$|:/.test(host)) out.servername = host;
  return { tls: out, notes };
}

/** Why libpq would refuse a client key file: missing beside a certificate, or group/world access. */
async function refusedKey(
  key: string,
  cert: string | undefined,
  cwd: string,
  stat: typeof import('node:fs/promises').stat,
): Promise<string | undefined> {
  const st = await stat(resolve(cwd, key)).catch(() => undefined);
  if (!st && cert) return `client certificate ${cert} has no private key: ${key} does not exist (give sslkey or PGSSLKEY)`;
  // libpq's rule: 0600 or less, or 0640 or less for a key file root owns
  if (st?.isFile() && st.mode & (st.uid === 0 ? 0o037 : 0o077)) {
    const mode = (st.mode & 0o777).toString(8).padStart(4, '0');
    return `private key file ${key} has group or world access (mode ${mode}): libpq refuses it; chmod 600 it`;
  }
  return undefined;
}

/** Numbers where they fit: bigint counts (`count(*)`) and numerics arrive as numbers, not strings. */
async function typeParsers(): Promise<NonNullable<ClientConfig['types']>> {
  const pg = (await import('pg')).default;
  return {
    getTypeParser: ((oid: number, format?: 'text' | 'binary') => {
      if (oid === 20) {
        return (v: string) => {
          const n = Number(v);
          return Number.isSafeInteger(n) ? n : v;
        };
      }
      if (oid === 1700) {
        return (v: string) => {
          const n = Number(v);
          return Number.isFinite(n) && Math.abs(n) < Number.MAX_SAFE_INTEGER ? n : v;
        };
      }
      return pg.types.getTypeParser(oid, format) as (value: string) => unknown;
    }) as NonNullable<ClientConfig['types']>['getTypeParser'],
  };
}

/**
 * Connects within the context's timeout, honouring its signal (an abort closes the socket at once).
 * Throws an Error whose message is one readable line without the password.
 */
export async function connectPostgres(target: PgTarget, ctx: Pick<ProbeContext, 'signal' | 'timeoutMs'>): Promise<Client> {
  if (target.others.length === 0) return connectHost(target, ctx, ctx.timeoutMs);
  // libpq's rule for several hosts: each in turn until one connects; a server that refuses the login ends the search
  const started = Date.now();
  const failures: string[] = [];
  for (const host of [target, ...target.others]) {
    const left = ctx.timeoutMs - (Date.now() - started);
    if (left <= 0) {
      failures.push(`${host.where}: not tried, the item's time is up`);
      continue;
    }
    try {
      return await connectHost(host, ctx, left);
    } catch (e) {
      if (ctx.signal.aborted) throw e;
      if ((e as PgHostError).loginRefused) throw new Error(`${host.where}: ${(e as Error).message}`);
      failures.push((e as Error).message.includes(host.where) ? (e as Error).message : `${host.where}: ${(e as Error).message}`);
    }
  }
  throw new Error(`no host answered: ${failures.join('; ')}`);
}

/** Which of the target's hosts a connection went to (its `where`), for a target of several hosts. */
export function answeredBy(target: PgTarget, client: Client): string | undefined {
  const host = [target, ...target.others].find((h) => (h.hostaddr ?? h.host) === client.host && h.port === client.port);
  return host?.where;
}

/** A connection error; `loginRefused` when the server answered and refused the login (SQLSTATE class 28). */
interface PgHostError extends Error {
  loginRefused?: boolean;
}

async function connectHost(target: PgTarget, ctx: Pick<ProbeContext, 'signal' | 'timeoutMs'>, leftMs: number): Promise<Client> {
  const started = Date.now();
  const budget = Math.min(leftMs, target.connectTimeoutMs ?? Infinity);
  const first = target.sslMode === 'disable' || target.sslMode === 'allow' ? false : target.tls;
  try {
    return await connectOnce(target, first, ctx, budget);
  } catch (e) {
    if (target.sslMode === 'prefer' && first && isNoSsl(e) && !ctx.signal.aborted) {
      return connectOnce(target, false, ctx, Math.max(1, budget - (Date.now() - started)));
    }
    throw e;
  }
}

async function connectOnce(
  target: PgTarget,
  ssl: ConnectionOptions | false,
  ctx: Pick<ProbeContext, 'signal' | 'timeoutMs'>,
  budgetMs: number,
): Promise<Client> {
  if (ctx.signal.aborted) throw new Error(`connection to ${target.where} was aborted`);
  const pg = (await import('pg')).default;
  const client = new pg.Client({
    host: target.hostaddr ?? target.host,
    port: target.port,
    user: target.user,
    password: target.password,
    database: target.database,
    ssl,
    application_name: target.applicationName,
    options: target.options,
    connectionTimeoutMillis: Math.max(1, Math.round(budgetMs)),
    statement_timeout: Math.max(1, Math.round(ctx.timeoutMs)),
    keepAlive: false,
    types: await typeParsers(),
  });
  client.on('error', () => undefined);
  const reads = limitReads(
    MAX_READ_BYTES,
    () => new ReadLimitError(target.where, MAX_READ_BYTES, 'not an answer a check needs: is it a PostgreSQL server?'),
  );
  const connection = (client as unknown as { connection: EventEmitter & { stream: Socket } }).connection;
  reads.add(connection.stream);
  connection.on('sslconnect', () => reads.add(connection.stream));
  const aborted = new Error(`connection to ${target.where} was aborted`);
  let rejectAbort: (e: Error) => void = () => undefined;
  const abortion = new Promise<never>((_, reject) => (rejectAbort = reject));
  abortion.catch(() => undefined);
  const onAbort = (): void => {
    closePostgres(client);
    rejectAbort(aborted);
  };
  ctx.signal.addEventListener('abort', onAbort, { once: true });
  try {
    await Promise.race([client.connect(), abortion]);
    // from here the connection outlives this item's signal: withPostgres (pool.ts) binds it to each item that uses it
    ctx.signal.removeEventListener('abort', onAbort);
    return client;
  } catch (e) {
    ctx.signal.removeEventListener('abort', onAbort);
    closePostgres(client);
    if (ctx.signal.aborted) throw aborted;
    if (isNoSsl(e) && target.sslMode === 'prefer') throw e;
    const error: PgHostError = new Error(describePostgresError(e, target, budgetMs));
    const code = (e as { code?: unknown }).code;
    if (typeof code === 'string' && code.startsWith('28')) error.loginRefused = true;
    throw error;
  }
}

function isNoSsl(e: unknown): boolean {
  return e instanceof Error && /does not support SSL/i.test(e.message);
}

/** Closes a client at once, whatever it is doing. */
export function closePostgres(client: Client): void {
  const stream = (client as unknown as { connection?: { stream?: { destroy(): void } } }).connection?.stream;
  void client.end().catch(() => undefined);
  stream?.destroy();
}

/** One line for a connection or query error: "password authentication failed for user app". */
export function describePostgresError(error: unknown, target: PgTarget, timeoutMs: number): string {
  const e = error as { code?: unknown; message?: unknown; severity?: unknown };
  const message = typeof e?.message === 'string' ? e.message : String(error);
  if (error instanceof ReadLimitError) return error.message;
  if (typeof e?.code === 'string' && /^[0-9A-Z]{5}$/.test(e.code) && e.severity !== undefined) {
    switch (e.code) {
      case '28P01':
        return `password authentication failed for user ${target.user}${target.passwordFrom && target.passwordFrom !== 'URL' ? ` (password from ${target.passwordFrom})` : ''}`;
      case '53300':
        return `too many connections at ${target.where}: ${firstLine(message)}`;
      case '57014':
        return /statement timeout/i.test(message) ? `query cancelled by statement_timeout after ${formatDuration(timeoutMs)}` : message;
      default:
        return firstLine(maskUrlPasswords(message));
    }
  }
  if (typeof e?.code === 'string' && /^E[A-Z]+$|CERT|SELF_SIGNED|ABORT_ERR/.test(e.code)) return describeNetworkError(error, target.where);
  if (/timeout expired|connection timeout/i.test(message))
    return `connection to ${target.where} timed out after ${formatDuration(timeoutMs)}`;
  if (/error establishing an SSL connection/i.test(message))
    return `${target.where} did not answer the SSL request like a PostgreSQL server (is it another service?)`;
  if (/does not support SSL/i.test(message)) return `${target.where} does not accept SSL connections (sslmode=${target.sslMode})`;
  if (/Connection terminated unexpectedly/i.test(message)) return `${target.where} closed the connection unexpectedly`;
  if (/client password must be a string|password authentication|no password/i.test(message)) {
    return `the server asks a password for user ${target.user} but none was given (put it in the URL, PGPASSWORD or the password file ~/.pgpass)`;
  }
  if (/Query read timeout/i.test(message)) return `query got no answer within ${formatDuration(timeoutMs)}`;
  return `${target.where}: ${firstLine(maskUrlPasswords(message))}`;
}

function firstLine(text: string): string {
  return text.split('\n')[0]!.trim();
}
