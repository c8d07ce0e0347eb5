/**
 * Connection options resolved the way libpq resolves them: the URL first, then the `PG*` environment variables,
 * then the password file and `~/.postgresql/root.crt`.
 * https://www.postgresql.org/docs/current/libpq-envars.html, https://www.postgresql.org/docs/current/libpq-pgpass.html
 */
import { stat } from 'node:fs/promises';
import { join } from 'node:path';
import { ProbeError } from '../../errors.js';
import type { Env } from '../../util/env.js';
import { readCapped } from '../../util/read-capped.js';
import { maskUrlPasswords } from '../../util/redact.js';

/** libpq `sslmode` values; `prefer` (libpq's default) tries TLS and falls back to plain when the server has none. */
export const SSL_MODES = ['disable', 'allow', 'prefer', 'require', 'verify-ca', 'verify-full'] as const;
export type SslMode = (typeof SSL_MODES)[number];

/** The libpq variables that say where to connect: with DATABASE_URL unset, one of them must be set. */
export const LIBPQ_TARGET_VARS = ['PGHOST', 'PGHOSTADDR', 'PGPORT', 'PGUSER', 'PGDATABASE', 'PGSERVICE'] as const;

/** Every libpq variable sfdeploy reads: one an unresolved reference left unset is said when the connection fails. */
export const LIBPQ_VARS = [
  ...LIBPQ_TARGET_VARS,
  'PGPASSWORD',
  'PGPASSFILE',
  'PGSERVICEFILE',
  'PGSYSCONFDIR',
  'PGSSLMODE',
  'PGSSLROOTCERT',
  'PGSSLCERT',
  'PGSSLKEY',
  'PGCONNECT_TIMEOUT',
  'PGAPPNAME',
  'PGOPTIONS',
] as const;

/** Socket directories libpq is built with: a connection through them counts as `localhost` in the password file. */
const DEFAULT_SOCKET_DIRS = ['/var/run/postgresql', '/run/postgresql', '/tmp'];

const SCHEME = /^(postgres(?:ql)?)(?:\+[\w-]+)?:\/\//i;

/** A password file or certificate as read from disk. */
export interface HomeFile {
  path: string;
  /** Permission bits (`mode & 0o777`). */
  mode: number;
  regular: boolean;
  text: string;
}

/**
 * The files libpq reads on its own: the password file (PGPASSFILE or ~/.pgpass), ~/.postgresql/root.crt and the
 * client certificate ~/.postgresql/postgresql.crt.
 */
export interface HomeFiles {
  pgpass?: HomeFile | undefined;
  /** Path of ~/.postgresql/root.crt when it exists. */
  rootCrt?: string | undefined;
  /** Path of ~/.postgresql/postgresql.crt when it exists: the client certificate when no sslcert is given. */
  clientCrt?: string | undefined;
  /** The connection service files that exist: PGSERVICEFILE or ~/.pg_service.conf first, then PGSYSCONFDIR/pg_service.conf. */
  services?: { path: string; text: string }[] | undefined;
  /** The service files looked at (existing or not), for the message when a service is in none. */
  servicePaths?: string[] | undefined;
}

/** Where and how to connect, before any file named by the options (sslrootcert, sslcert, sslkey) is read. */
export interface LibpqOptions {
  /** The host name (or socket directory): TLS host name checks and the password file use it. */
  host: string;
  /** hostaddr / PGHOSTADDR: the IP address to connect to instead of resolving `host`. */
  hostaddr: string | undefined;
  port: number;
  user: string;
  password: string | undefined;
  /** Where the password came from: `URL`, `PGPASSWORD`, or `<password file>:<line>`. */
  passwordFrom: string | undefined;
  database: string;
  sslMode: SslMode;
  /** CA file (`system` for the system's CAs); ~/.postgresql/root.crt when none is given and it exists. */
  sslRootCert: string | undefined;
  sslCert: string | undefined;
  sslKey: string | undefined;
  applicationName: string;
  options: string | undefined;
  /** connect_timeout / PGCONNECT_TIMEOUT in milliseconds (at least 2 s, as in libpq); undefined: no limit of its own. */
  connectTimeoutMs: number | undefined;
  /** `host:port` (or the socket path) for messages. */
  where: string;
  /** The server as a URL without its password, for messages: `postgresql://app@127.0.0.1:5432/socialflow`. */
  display: string;
  /** What libpq would warn about on stderr (a password file ignored for its permissions), said with the item's result. */
  notes: string[];
  /** The hosts after this one (PGHOST=a,b, a URL with `a:1,b:2`): tried in turn when this one cannot be reached. */
  others: LibpqOptions[];
}

/** True for `postgres://`, `postgresql://` and SQLAlchemy-style `postgresql+asyncpg://` / `+psycopg2://` URLs. */
export function isPostgresUrl(url: string): boolean {
  return SCHEME.test(url.trim());
}

/** The password file and root certificate libpq would look at for this environment. */
export function homeFilePaths(env: Env): {
  pgpass: string | undefined;
  rootCrt: string | undefined;
  clientCrt: string | undefined;
  clientKey: string | undefined;
  services: string[];
} {
  const home = value(env, 'HOME');
  const dir = home ? join(home, '.postgresql') : undefined;
  return {
    pgpass: value(env, 'PGPASSFILE') ?? (home ? join(home, '.pgpass') : undefined),
    rootCrt: dir && join(dir, 'root.crt'),
    clientCrt: dir && join(dir, 'postgresql.crt'),
    clientKey: dir && join(dir, 'postgresql.key'),
    services: [
      value(env, 'PGSERVICEFILE') ?? (home ? join(home, '.pg_service.conf') : undefined),
      value(env, 'PGSYSCONFDIR') && join(value(env, 'PGSYSCONFDIR')!, 'pg_service.conf'),
    ].filter((path): path is string => path !== undefined),
  };
}

/** Password files are a few lines; this is far above any real one. */
const MAX_PGPASS_BYTES = 1024 * 1024;

/** Reads the files of homeFilePaths that exist (a missing one is not an error, as in libpq). */
export async function readHomeFiles(env: Env): Promise<HomeFiles> {
  const paths = homeFilePaths(env);
  const out: HomeFiles = {};
  if (paths.pgpass) {
    const st = await stat(paths.pgpass).catch(() => undefined);
    if (st) {
      const regular = st.isFile();
      const text = regular ? await readCapped(paths.pgpass, MAX_PGPASS_BYTES).then(String, () => '') : '';
      out.pgpass = { path: paths.pgpass, mode: st.mode & 0o777, regular, text };
    }
  }
  if (paths.rootCrt && (await stat(paths.rootCrt).catch(() => undefined))?.isFile()) out.rootCrt = paths.rootCrt;
  if (paths.clientCrt && (await stat(paths.clientCrt).catch(() => undefined))?.isFile()) out.clientCrt = paths.clientCrt;
  out.servicePaths = paths.services;
  out.services = [];
  for (const path of paths.services) {
    if (!(await stat(path).catch(() => undefined))?.isFile()) continue;
    out.services.push({ path, text: String(await readCapped(path, MAX_PGPASS_BYTES)) });
  }
  return out;
}

function value(env: Env, name: string): string | undefined {
  const v = env[name];
  return v === undefined || v === '' ? undefined : v;
}

function decode(s: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
}

/**
 * Resolves a PostgreSQL URL like libpq: what the URL leaves out comes from PGHOST (a host name or a socket
 * directory), PGHOSTADDR (the address to connect to, PGHOST still naming the server), PGPORT, PGUSER, PGPASSWORD, PGDATABASE, PGSSLMODE, PGSSLROOTCERT, PGSSLCERT, PGSSLKEY,
 * PGCONNECT_TIMEOUT, PGAPPNAME and PGOPTIONS; between the two, the parameters of the service (`service=` or PGSERVICE)
 * in the service files; several hosts (PGHOST=a,b, PGPORT=p or p1,p2, `a:1,b:2` in the URL) become `others`; a
 * password given nowhere comes from the password file; for
 * sslmode verify-ca/verify-full (and require, as libpq does) ~/.postgresql/root.crt is the CA when no sslrootcert
 * is given. An empty URL connects with those alone. SQLAlchemy driver suffixes are stripped. No I/O: the files
 * come in `files` (readHomeFiles).
 */
export function resolveLibpq(url: string, env: Env, files: HomeFiles = {}): LibpqOptions {
  const text = url.trim();
  let parsed: URL | undefined;
  let urlHosts: { host: string; port: string | undefined }[] | undefined;
  if (text !== '') {
    if (!SCHEME.test(text)) {
      throw new ProbeError(`not a PostgreSQL URL: ${maskUrlPasswords(text)} (expected postgresql://user:password@host:5432/database)`);
    }
    let normal = text.replace(SCHEME, 'postgresql://');
    const authority = /^(postgresql:\/\/(?:[^@/?#]*@)?)([^/?#]*)/.exec(normal)!;
    if (authority[2]!.includes(',')) {
      urlHosts = authority[2]!.split(',').map((one) => {
        const m = /^(\[[^\]]*\]|[^:]*)(?::(.*))?$/.exec(one)!;
        return { host: decode(m[1]!.replace(/^\[|\]$/g, '')), port: m[2] || undefined };
      });
      normal = `${authority[1]}multihost.invalid${normal.slice(authority[0].length)}`;
    }
    try {
      parsed = new URL(normal);
    } catch {
      throw new ProbeError(`not a valid PostgreSQL URL: ${maskUrlPasswords(text)}`);
    }
  }
  const fromUrl = (name: string): string | undefined => parsed?.searchParams.get(name) ?? undefined;
  const service = serviceParameters(fromUrl('service') ?? value(env, 'PGSERVICE'), files);
  const q = (name: string): string | undefined => fromUrl(name) ?? service?.params.get(name);
  const e = (name: string): string | undefined => value(env, name);
  const hostname = urlHosts ? undefined : parsed?.hostname.replace(/^\[|\]$/g, '');
  const hostText = (hostname ? decode(hostname) : undefined) ?? q('host') ?? e('PGHOST');
  const hosts = urlHosts?.map((h) => h.host) ?? hostText?.split(',');
  const addrs = (q('hostaddr') ?? e('PGHOSTADDR'))?.split(',');
  const count = Math.max(hosts?.length ?? 1, addrs?.length ?? 1);
  if (hosts && addrs && hosts.length !== addrs.length) {
    throw new ProbeError(`${hosts.length} host${hosts.length === 1 ? '' : 's'} but ${addrs.length} hostaddr values: give one per host`);
  }
  const portTexts = ((parsed?.port || undefined) ?? q('port') ?? e('PGPORT'))?.split(',');
  if (portTexts && portTexts.length !== 1 && portTexts.length !== count) {
    throw new ProbeError(`${count} hosts but ${portTexts.length} ports: give one port for all, or one per host`);
  }
  const user = (parsed?.username ? decode(parsed.username) : undefined) ?? q('user') ?? e('PGUSER') ?? e('USER') ?? 'postgres';
  const path = parsed ? decode(parsed.pathname.replace(/^\//, '')) : '';
  const database = (path || undefined) ?? q('dbname') ?? e('PGDATABASE') ?? user;
  const modeText = (q('sslmode') ?? e('PGSSLMODE') ?? 'prefer').toLowerCase();
  if (!(SSL_MODES as readonly string[]).includes(modeText)) {
    throw new ProbeError(`unknown sslmode "${modeText}"; expected one of ${SSL_MODES.join(', ')}`);
  }
  const given = (parsed?.password ? decode(parsed.password) : undefined) ?? fromUrl('password');
  const fromService = service?.params.get('password');
  const explicitRoot = q('sslrootcert') ?? e('PGSSLROOTCERT');
  const sslCert = q('sslcert') ?? e('PGSSLCERT') ?? files.clientCrt;
  const shared = {
    user,
    database,
    sslCert,
    sslKey: q('sslkey') ?? e('PGSSLKEY') ?? (sslCert === undefined ? undefined : homeFilePaths(env).clientKey),
    applicationName: q('application_name') ?? e('PGAPPNAME') ?? 'sfdeploy',
    options: q('options') ?? e('PGOPTIONS'),
    connectTimeoutMs: connectTimeout(q('connect_timeout') ?? e('PGCONNECT_TIMEOUT')),
  };

  const one = (i: number): LibpqOptions => {
    const hostaddr = addrs?.[i] || undefined;
    const host = hosts?.[i] || hostaddr || 'localhost';
    const portText = urlHosts?.[i]?.port ?? portTexts?.[portTexts.length === 1 ? 0 : i] ?? '5432';
    const port = Number(portText);
    if (!/^\d+$/.test(portText) || port < 1 || port > 65535) throw new ProbeError(`invalid PostgreSQL port "${portText}"`);
    const socket = host.startsWith('/');
    const sslMode: SslMode = socket ? 'disable' : (modeText as SslMode);
    const address = hostaddr ?? host;
    const where = socket ? `${host}/.s.PGSQL.${port}` : `${address.includes(':') ? `[${address}]` : address}:${port}`;
    const notes: string[] = [];
    let password: string | undefined;
    let passwordFrom: string | undefined;
    if (given) [password, passwordFrom] = [given, 'URL'];
    else if (fromService) [password, passwordFrom] = [fromService, `service ${service!.name} in ${service!.path}`];
    else if (e('PGPASSWORD')) [password, passwordFrom] = [e('PGPASSWORD'), 'PGPASSWORD'];
    else if (files.pgpass) {
      const found = passwordFromFile(files.pgpass, {
        host: socket && DEFAULT_SOCKET_DIRS.includes(host) ? 'localhost' : host,
        port,
        database,
        user,
      });
      if (found.note) notes.push(found.note);
      if (found.password !== undefined) [password, passwordFrom] = [found.password, `${files.pgpass.path}:${found.line}`];
    }
    const sslRootCert =
      explicitRoot ?? (sslMode === 'verify-ca' || sslMode === 'verify-full' || sslMode === 'require' ? files.rootCrt : undefined);
    if ((sslMode === 'verify-ca' || sslMode === 'verify-full') && sslRootCert === undefined) {
      const home = homeFilePaths(env).rootCrt;
      throw new ProbeError(
        `sslmode=${sslMode} needs a root certificate to check ${where} against, and ${home ? `${home} does not exist` : 'HOME is not set'}: ` +
          'give sslrootcert (or PGSSLROOTCERT), sslrootcert=system for the system CAs, or another sslmode',
      );
    }
    const shown = socket ? `${encodeURIComponent(host)}:${port}` : where;
    return {
      ...shared,
      host,
      hostaddr: socket ? undefined : hostaddr,
      port,
      password,
      passwordFrom,
      sslMode,
      sslRootCert,
      where,
      display: shown,
      notes,
      others: [],
    };
  };
  const all = Array.from({ length: count }, (_, i) => one(i));
  const display = `postgresql://${encodeURIComponent(user)}@${all.map((o) => o.display).join(',')}/${encodeURIComponent(database)}`;
  for (const o of all) o.display = display;
  const [first, ...others] = all;
  return { ...first!, notes: [...new Set(all.flatMap((o) => o.notes))], others };
}

/** Connection parameters a service file may give (the others libpq knows are not used by sfdeploy and are skipped). */
const SERVICE_KEYS = new Set([
  'host',
  'hostaddr',
  'port',
  'user',
  'password',
  'dbname',
  'sslmode',
  'sslrootcert',
  'sslcert',
  'sslkey',
  'connect_timeout',
  'application_name',
  'options',
]);

/**
 * The parameters of a service: its section in the first service file that has it (the user's file wins over
 * PGSYSCONFDIR's, as in libpq). https://www.postgresql.org/docs/current/libpq-pgservice.html
 */
function serviceParameters(
  name: string | undefined,
  files: HomeFiles,
): { name: string; path: string; params: Map<string, string> } | undefined {
  if (name === undefined || name === '') return undefined;
  for (const file of files.services ?? []) {
    const params = serviceSection(file, name);
    if (params) return { name, path: file.path, params };
  }
  const looked = files.servicePaths ?? [];
  throw new ProbeError(
    `definition of service "${name}" not found${looked.length ? ` in ${looked.join(' or ')}` : ' (HOME, PGSERVICEFILE and PGSYSCONFDIR are not set)'}`,
  );
}

function serviceSection(file: { path: string; text: string }, name: string): Map<string, string> | undefined {
  let params: Map<string, string> | undefined;
  let inSection = false;
  const lines = file.text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!.trim();
    if (line === '' || line.startsWith('#')) continue;
    if (line.startsWith('[')) {
      if (params) return params;
      inSection = line.endsWith(']') && line.slice(1, -1).trim() === name;
      if (inSection) params = new Map();
      continue;
    }
    if (!inSection) continue;
    const eq = line.indexOf('=');
    if (eq <= 0) throw new ProbeError(`syntax error in service file ${file.path}, line ${i + 1}: expected name=value`);
    const key = line.slice(0, eq).trim();
    if (key === 'service') throw new ProbeError(`nested service specifications not supported in service file ${file.path}, line ${i + 1}`);
    if (SERVICE_KEYS.has(key) && !params!.has(key)) params!.set(key, line.slice(eq + 1).trim());
  }
  return params;
}

function connectTimeout(text: string | undefined): number | undefined {
  if (text === undefined) return undefined;
  if (!/^\s*-?\d+\s*$/.test(text)) throw new ProbeError(`invalid connect_timeout "${text}": expected whole seconds`);
  const seconds = Number(text);
  return seconds <= 0 ? undefined : Math.max(2, seconds) * 1000;
}

interface PgpassMatch {
  password?: string;
  line?: number;
  note?: string;
}

/**
 * The first line of a password file matching the connection (`host:port:database:user:password`, `*` matches
 * anything, `\:` and `\\` are escapes, `#` starts a comment line). Like libpq, a file that group or others may read
 * is ignored with a warning.
 */
export function passwordFromFile(file: HomeFile, c: { host: string; port: number; database: string; user: string }): PgpassMatch {
  if (!file.regular) return { note: `password file ${file.path} is not a plain file: ignored` };
  if (file.mode & 0o077) {
    return {
      note: `password file ${file.path} has group or world access (mode ${file.mode.toString(8).padStart(4, '0')}): ignored, as libpq does; chmod 600 it`,
    };
  }
  const wanted = [c.host, String(c.port), c.database, c.user];
  const lines = file.text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!.replace(/\r$/, '');
    if (line === '' || line.startsWith('#')) continue;
    const fields = splitPgpassLine(line);
    if (fields.length < 5) continue;
    if (wanted.every((w, k) => fields[k]!.wildcard || fields[k]!.text === w)) return { password: fields[4]!.text, line: i + 1 };
  }
  return {};
}

/** Fields of one line: four split at unescaped `:`, the password is the rest; `*` alone is a wildcard. */
function splitPgpassLine(line: string): { text: string; wildcard: boolean }[] {
  const fields: { text: string; wildcard: boolean }[] = [];
  let text = '';
  let raw = '';
  for (let i = 0; i < line.length; i++) {
    const ch = line[i]!;
    if (ch === '\\' && i + 1 < line.length) {
      text += line[++i];
      raw += `\\${line[i]}`;
    } else if (ch === ':' && fields.length < 4) {
      fields.push({ text, wildcard: raw === '*' });
      text = '';
      raw = '';
    } else {
      text += ch;
      raw += ch;
    }
  }
  fields.push({ text, wildcard: false });
  return fields;
}
