import { execFile as execFileCb } from 'node:child_process';
import {
  chmodSync,
  chownSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  readdirSync,
  renameSync,
  rmSync,
  writeFileSync,
  appendFileSync,
} from 'node:fs';
import { freePort } from './ports.js';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import pg from 'pg';
import { inject } from 'vitest';

const execFile = promisify(execFileCb);

/** The superuser's password in every test cluster (TCP connections need a password; the socket is trusted). */
export const SUPERUSER_PASSWORD = 'sfdeploy-test-superuser';

export const INSTALL_HINT = 'apt-get install -y postgresql (or run scripts/install-test-deps.sh)';

export interface PostgresServer {
  host: '127.0.0.1';
  port: number;
  /** Directory of the Unix socket, where the superuser connects without a password. */
  socketDir: string;
  /** `postgresql://postgres:<password>@127.0.0.1:<port>/postgres` */
  url: string;
  /** A TCP URL for another role or database. */
  urlFor(o: { user?: string; password?: string; database?: string }): string;
  /** Runs SQL as the superuser over the socket and returns the rows. */
  sql<R extends Record<string, unknown> = Record<string, unknown>>(text: string, values?: unknown[], database?: string): Promise<R[]>;
  createRole(name: string, password: string, o?: { superuser?: boolean }): Promise<void>;
  createDatabase(name: string, owner?: string): Promise<void>;
  stop(): Promise<void>;
}

interface Binaries {
  initdb: string;
  pgCtl: string;
}

/** initdb and pg_ctl from Debian's postgresql packages (highest version), or from PATH. */
function findBinaries(): Binaries {
  const root = '/usr/lib/postgresql';
  const versions = existsSync(root)
    ? readdirSync(root)
        .filter((v) => existsSync(join(root, v, 'bin', 'initdb')))
        .sort((a, b) => Number(b) - Number(a))
    : [];
  if (versions[0]) return { initdb: join(root, versions[0], 'bin', 'initdb'), pgCtl: join(root, versions[0], 'bin', 'pg_ctl') };
  for (const dir of (process.env.PATH ?? '').split(':')) {
    if (dir && existsSync(join(dir, 'initdb')) && existsSync(join(dir, 'pg_ctl')))
      return { initdb: join(dir, 'initdb'), pgCtl: join(dir, 'pg_ctl') };
  }
  throw new Error(`PostgreSQL server binaries (initdb, pg_ctl) not found: install them with \`${INSTALL_HINT}\``);
}

/** PostgreSQL refuses to run as root: as root the clusters belong to the `postgres` OS user. */
async function serverUser(): Promise<{ uid: number; gid: number } | undefined> {
  if (process.getuid?.() !== 0) return undefined;
  try {
    const uid = Number((await execFile('id', ['-u', 'postgres'])).stdout.trim());
    const gid = Number((await execFile('id', ['-g', 'postgres'])).stdout.trim());
    return { uid, gid };
  } catch {
    throw new Error(`running as root but there is no "postgres" OS user to run the test cluster: \`${INSTALL_HINT}\` creates it`);
  }
}

async function runAs(owner: { uid: number; gid: number } | undefined, file: string, args: string[]): Promise<void> {
  try {
    await execFile(file, args, {
      ...(owner ?? {}),
      env: { PATH: process.env.PATH ?? '/usr/bin:/bin', LANG: 'C.UTF-8', LC_ALL: 'C.UTF-8' },
      cwd: '/',
      timeout: 60_000,
    });
  } catch (e) {
    const err = e as { stderr?: string; stdout?: string; message: string };
    throw new Error(`${file} ${args.join(' ')} failed: ${(err.stderr || err.stdout || err.message).trim()}`);
  }
}

function own(path: string, owner: { uid: number; gid: number } | undefined): void {
  if (owner) chownSync(path, owner.uid, owner.gid);
}

/** Shared per test run (see global-setup); a private folder when used outside vitest. */
function runRoot(): string {
  let root: string | undefined;
  try {
    root = inject('sfdeployTestRunDir');
  } catch {
    root = undefined;
  }
  root ??= mkdtempSync(join(tmpdir(), 'sfdeploy-pg-'));
  mkdirSync(root, { recursive: true });
  chmodSync(root, 0o755);
  return root;
}

/** Makes the template cluster once per test run; concurrent workers race with a rename, the loser discards its copy. */
async function templateCluster(root: string, bin: Binaries, owner: { uid: number; gid: number } | undefined): Promise<string> {
  const template = join(root, 'pg-template');
  if (existsSync(join(template, 'PG_VERSION'))) return template;
  const work = join(root, `pg-template-${process.pid}-${Date.now()}`);
  mkdirSync(work, { mode: 0o700 });
  own(work, owner);
  const pwfile = join(root, `pwfile-${process.pid}`);
  writeFileSync(pwfile, `${SUPERUSER_PASSWORD}\n`, { mode: 0o600 });
  own(pwfile, owner);
  try {
    await runAs(owner, bin.initdb, [
      '-D',
      work,
      '-U',
      'postgres',
      '--auth-local=trust',
      '--auth-host=scram-sha-256',
      `--pwfile=${pwfile}`,
      '-E',
      'UTF8',
      '--locale=C.UTF-8',
      '--no-sync',
    ]);
  } finally {
    rmSync(pwfile, { force: true });
  }
  appendFileSync(
    join(work, 'postgresql.conf'),
    [
      "listen_addresses = '127.0.0.1'",
      'max_connections = 30',
      'shared_buffers = 16MB',
      'fsync = off',
      'synchronous_commit = off',
      'full_page_writes = off',
      '',
    ].join('\n'),
  );
  try {
    renameSync(work, template);
  } catch {
    rmSync(work, { recursive: true, force: true });
  }
  return template;
}

let clusters = 0;

export interface PostgresOptions {
  /** postgresql.conf settings for this cluster only, such as `{ max_connections: 3 }` (a server at its connection limit). */
  settings?: Record<string, string | number>;
  /**
   * Serve TLS with this key and certificate (ssl = on); plain connections are still accepted. With `clientCa`, the
   * `certUsers` connect over TLS with a client certificate that CA signed (pg_hba `hostssl ... cert`) and no other way.
   */
  tls?: { key: string; cert: string; clientCa?: string; certUsers?: string[] };
}

/**
 * Starts a throwaway PostgreSQL cluster on a free loopback port, copied from a template made once per run.
 * Call stop() in afterAll: it stops the server and deletes its files.
 */
export async function startPostgres(o: PostgresOptions = {}): Promise<PostgresServer> {
  const bin = findBinaries();
  const owner = await serverUser();
  const root = runRoot();
  const template = await templateCluster(root, bin, owner);
  const dir = join(root, `pg-${process.pid}-${++clusters}`);
  await execFile('cp', ['-a', template, dir]);
  const socketDir = join(dir, 'socket');
  mkdirSync(socketDir, { mode: 0o755 });
  const settings = Object.entries(o.settings ?? {}).map(
    ([name, value]) => `${name} = ${typeof value === 'number' ? value : `'${value}'`}\n`,
  );
  if (o.tls) {
    for (const [name, text] of [
      ['server.key', o.tls.key],
      ['server.crt', o.tls.cert],
    ] as const) {
      writeFileSync(join(dir, name), text, { mode: 0o600 });
      own(join(dir, name), owner);
    }
    settings.push("ssl = on\nssl_cert_file = 'server.crt'\nssl_key_file = 'server.key'\n");
    if (o.tls.clientCa) {
      writeFileSync(join(dir, 'client-ca.crt'), o.tls.clientCa, { mode: 0o600 });
      own(join(dir, 'client-ca.crt'), owner);
      settings.push("ssl_ca_file = 'client-ca.crt'\n");
      const hba = join(dir, 'pg_hba.conf');
      const lines = (o.tls.certUsers ?? []).flatMap((user) =>
        ['127.0.0.1/32', '::1/128'].flatMap((net) => [`hostssl all ${user} ${net} cert`, `host all ${user} ${net} reject`]),
      );
      writeFileSync(hba, `${lines.join('\n')}\n${readFileSync(hba, 'utf8')}`);
    }
  }
  if (settings.length) appendFileSync(join(dir, 'postgresql.conf'), settings.join(''));
  own(socketDir, owner);
  let port = 0;
  let lastError: unknown;
  for (let attempt = 0; attempt < 3 && !port; attempt++) {
    const candidate = await freePort();
    appendFileSync(join(dir, 'postgresql.conf'), `port = ${candidate}\nunix_socket_directories = '${socketDir}'\n`);
    try {
      await runAs(owner, bin.pgCtl, ['start', '-D', dir, '-w', '-t', '30', '-l', join(dir, 'server.log')]);
      port = candidate;
    } catch (e) {
      lastError = e;
    }
  }
  if (!port) {
    const log = existsSync(join(dir, 'server.log')) ? readFileSync(join(dir, 'server.log'), 'utf8').split('\n').slice(-10).join('\n') : '';
    rmSync(dir, { recursive: true, force: true });
    throw new Error(`could not start the test PostgreSQL cluster: ${(lastError as Error).message}\n${log}`);
  }

  const sql = async <R extends Record<string, unknown>>(text: string, values: unknown[] = [], database = 'postgres'): Promise<R[]> => {
    const client = new pg.Client({ host: socketDir, port, user: 'postgres', database, password: '' });
    await client.connect();
    try {
      return (await client.query<R>(text, values)).rows;
    } finally {
      await client.end();
    }
  };
  const ident = (name: string): string => `"${name.replace(/"/g, '""')}"`;
  const literal = (text: string): string => `'${text.replace(/'/g, "''")}'`;
  const urlFor = (o: { user?: string; password?: string; database?: string }): string => {
    const user = encodeURIComponent(o.user ?? 'postgres');
    const password =
      o.password === undefined ? (o.user ? '' : `:${encodeURIComponent(SUPERUSER_PASSWORD)}`) : `:${encodeURIComponent(o.password)}`;
    return `postgresql://${user}${password}@127.0.0.1:${port}/${encodeURIComponent(o.database ?? 'postgres')}`;
  };
  let stopped = false;
  return {
    host: '127.0.0.1',
    port,
    socketDir,
    url: urlFor({}),
    urlFor,
    sql,
    async createRole(name, password, o = {}) {
      await sql(`create role ${ident(name)} login ${o.superuser ? 'superuser' : 'nosuperuser'} password ${literal(password)}`);
    },
    async createDatabase(name, owner) {
      await sql(`create database ${ident(name)}${owner ? ` owner ${ident(owner)}` : ''}`);
    },
    async stop() {
      if (stopped) return;
      stopped = true;
      try {
        await runAs(owner, bin.pgCtl, ['stop', '-D', dir, '-m', 'immediate', '-w', '-t', '30']);
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    },
  };
}
