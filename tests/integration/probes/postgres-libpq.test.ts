/** The postgres probe with DATABASE_URL unset: libpq's PG* variables, password file and root.crt, against real clusters. */
import { chmodSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ProbeError } from '../../../src/errors.js';
import postgres from '../../../src/probes/postgres/index.js';
import type { ProbeContext } from '../../../src/probes/types.js';
import { clientCertificate, makeTestCertificates, type KeyAndCert, type TestCertificates } from '../../support/certs.js';
import { startPostgres, type PostgresServer } from '../../support/postgres.js';
import { closedPort, startSilentServer, type SilentServer } from '../../support/ports.js';
import { runCli } from '../../support/cli.js';
import { tempDir } from '../../support/tmp.js';

const APP_PASSWORD = 'pa:ss\\w0rd-app';
/** APP_PASSWORD as a password file writes it: `:` and `\\` escaped. */
const escaped = APP_PASSWORD.replace(/[:\\]/g, (c) => `\\${c}`);

let server: PostgresServer;
let tlsServer: PostgresServer;
let certs: TestCertificates;
/** Signed by the test CA for certuser, who may connect to tlsServer with a client certificate only. */
let certUser: KeyAndCert;
let silent: SilentServer;
const homes: ReturnType<typeof tempDir>[] = [];

/** A HOME with these files (`.pgpass` and `postgresql.key` get mode 0600 unless another mode is given). */
function home(
  files: { pgpass?: string; pgpassMode?: number; rootCrt?: string; client?: KeyAndCert; clientKey?: boolean; keyMode?: number } = {},
): string {
  const dir = tempDir();
  homes.push(dir);
  if (files.pgpass !== undefined) {
    writeFileSync(dir.path('.pgpass'), files.pgpass);
    chmodSync(dir.path('.pgpass'), files.pgpassMode ?? 0o600);
  }
  if (files.rootCrt !== undefined || files.client) mkdirSync(dir.path('.postgresql'));
  if (files.rootCrt !== undefined) writeFileSync(join(dir.path('.postgresql'), 'root.crt'), files.rootCrt);
  if (files.client) {
    writeFileSync(join(dir.path('.postgresql'), 'postgresql.crt'), files.client.cert);
    if (files.clientKey !== false) {
      writeFileSync(join(dir.path('.postgresql'), 'postgresql.key'), files.client.key);
      chmodSync(join(dir.path('.postgresql'), 'postgresql.key'), files.keyMode ?? 0o600);
    }
  }
  return dir.dir;
}

function context(env: Record<string, string>, timeoutMs = 5000): ProbeContext {
  return { signal: new AbortController().signal, timeoutMs, env, lookup: (name) => env[name], cwd: process.cwd() };
}

async function probe(env: Record<string, string>, query?: string, url = '', timeoutMs?: number) {
  return postgres.run(postgres.params.parse({ url, ...(query ? { query } : {}) }), context(env, timeoutMs));
}

async function failure(env: Record<string, string>, url = '', timeoutMs?: number): Promise<Error> {
  const error = await probe(env, undefined, url, timeoutMs).then(
    () => undefined,
    (e: unknown) => e as Error,
  );
  if (!error) throw new Error('expected the probe to throw');
  return error;
}

beforeAll(async () => {
  certs = await makeTestCertificates();
  certUser = await clientCertificate(certs.ca, 'certuser');
  [server, tlsServer, silent] = await Promise.all([
    startPostgres(),
    startPostgres({ tls: { ...certs.valid, clientCa: certs.ca.cert, certUsers: ['certuser'] } }),
    startSilentServer(),
  ]);
  for (const s of [server, tlsServer]) {
    await s.createRole('app', APP_PASSWORD);
    await s.createDatabase('socialflow', 'app');
  }
  await tlsServer.createRole('certuser', 'not-used-by-cert-auth');
});

afterAll(async () => {
  await Promise.all([server?.stop(), tlsServer?.stop(), silent?.close()]);
  for (const h of homes) h.remove();
});

describe('postgres probe with DATABASE_URL unset: the libpq environment', () => {
  it('connects with PGHOST, PGPORT, PGUSER, PGPASSWORD, PGDATABASE and PGAPPNAME, naming the server it looked at', async () => {
    const env = {
      PGHOST: '127.0.0.1',
      PGPORT: String(server.port),
      PGUSER: 'app',
      PGPASSWORD: APP_PASSWORD,
      PGDATABASE: 'socialflow',
      PGAPPNAME: 'release-gate',
    };
    const out = await probe(env, "select current_database() || ' ' || current_user || ' ' || current_setting('application_name')");
    expect(out.observations.value).toBe('socialflow app release-gate');
    expect(out.summary).toContain(`from postgresql://app@127.0.0.1:${server.port}/socialflow`);
  });

  it('connects to PGHOSTADDR, PGHOST still naming the server (the password file matches it)', async () => {
    const base = { PGPORT: String(server.port), PGUSER: 'app', PGPASSWORD: APP_PASSWORD, PGDATABASE: 'socialflow' };
    expect((await probe({ ...base, PGHOSTADDR: '127.0.0.1' })).summary).toContain(`127.0.0.1:${server.port}`);
    const { PGPASSWORD: _, ...noPassword } = base;
    const out = await probe({
      ...noPassword,
      PGHOST: 'db.internal.invalid',
      PGHOSTADDR: '127.0.0.1',
      HOME: home({ pgpass: `db.internal.invalid:*:*:app:${escaped}\n` }),
    });
    expect(out.observations.connected).toBe(true);
    expect(out.summary).toContain('postgresql://app@127.0.0.1:');
  });

  it('connects through a socket directory in PGHOST', async () => {
    const out = await probe({ PGHOST: server.socketDir, PGPORT: String(server.port), PGUSER: 'postgres' });
    expect(out.observations.connected).toBe(true);
    expect(out.summary).toContain(encodeURIComponent(server.socketDir));
  });

  it('fails "DATABASE_URL is not set" when neither it nor any PG* variable says where to connect', async () => {
    const error = await failure({ PGPASSWORD: 'x' });
    expect(error.message).toBe('DATABASE_URL is not set');
    expect(error).not.toBeInstanceOf(ProbeError);
  });

  it('bounds the connection by PGCONNECT_TIMEOUT (at least 2s, as libpq) within the item timeout', async () => {
    const [host, port] = silent.address.split(':');
    const error = await failure({ PGHOST: host!, PGPORT: port!, PGUSER: 'app', PGCONNECT_TIMEOUT: '1' }, '', 20_000);
    expect(error.message).toBe(
      `connection to ${silent.address} timed out after 2s; server from the libpq variables PGHOST, PGPORT, PGUSER (DATABASE_URL is unset)`,
    );
    expect((await failure({ PGHOST: '127.0.0.1', PGCONNECT_TIMEOUT: 'soon' })).message).toBe(
      'invalid connect_timeout "soon": expected whole seconds',
    );
  });
});

describe('the password file', () => {
  const tcp = (): Record<string, string> => ({ PGHOST: '127.0.0.1', PGPORT: String(server.port), PGUSER: 'app', PGDATABASE: 'socialflow' });

  it('takes the password of the first matching line: literal fields, * wildcards, \\: and \\\\ escapes, # comments', async () => {
    const pgpass = [
      '# host:port:db:user:password',
      `127.0.0.1:${server.port}:otherdb:app:wrong-one`,
      `127.0.0.1:*:socialflow:app:${escaped}`,
      `*:*:*:app:wrong-two`,
    ].join('\n');
    const out = await probe({ ...tcp(), HOME: home({ pgpass }) }, 'select current_user');
    expect(out.observations.value).toBe('app');
  });

  it('looks up a password missing from the URL, and PGPASSFILE names another file', async () => {
    const file = join(home(), 'pass');
    writeFileSync(file, `*:${server.port}:*:app:${escaped}\n`, { mode: 0o600 });
    const url = server.urlFor({ user: 'app', database: 'socialflow' });
    expect((await probe({ HOME: home(), PGPASSFILE: file }, undefined, url)).observations.connected).toBe(true);
    expect((await probe({ HOME: home({ pgpass: `*:*:*:*:${escaped}\n` }) }, undefined, url)).observations.connected).toBe(true);
  });

  it('says which line of the file gave a wrong password', async () => {
    const h = home({ pgpass: `*:*:*:app:not-it\n` });
    const error = await failure({ ...tcp(), HOME: h });
    expect(error.message).toBe(
      `postgresql://app@127.0.0.1:${server.port}/socialflow: password authentication failed for user app (password from ${h}/.pgpass:1); ` +
        'server from the libpq variables PGHOST, PGPORT, PGUSER, PGDATABASE (DATABASE_URL is unset)',
    );
    expect(error.message).not.toContain('not-it');
  });

  it('ignores a file group or others can read, saying so, as libpq does', async () => {
    const h = home({ pgpass: `*:*:*:app:${escaped}\n`, pgpassMode: 0o644 });
    const error = await failure({ ...tcp(), HOME: h });
    expect(error.message).toBe(
      `postgresql://app@127.0.0.1:${server.port}/socialflow: the server asks a password for user app but none was given ` +
        `(put it in the URL, PGPASSWORD or the password file ~/.pgpass); server from the libpq variables PGHOST, PGPORT, PGUSER, PGDATABASE (DATABASE_URL is unset); ` +
        `password file ${h}/.pgpass has group or world access (mode 0644): ignored, as libpq does; chmod 600 it`,
    );
  });

  it('PGPASSWORD wins over the file', async () => {
    const out = await probe({ ...tcp(), PGPASSWORD: APP_PASSWORD, HOME: home({ pgpass: '*:*:*:*:wrong\n' }) });
    expect(out.observations.connected).toBe(true);
  });
});

describe('~/.postgresql/root.crt', () => {
  const tls = (mode: string): Record<string, string> => ({
    PGHOST: '127.0.0.1',
    PGPORT: String(tlsServer.port),
    PGUSER: 'app',
    PGPASSWORD: APP_PASSWORD,
    PGDATABASE: 'socialflow',
    PGSSLMODE: mode,
  });
  const ssl = 'select ssl from pg_stat_ssl where pid = pg_backend_pid()';

  it('is the CA for verify-full and verify-ca when no sslrootcert is given', async () => {
    const h = home({ rootCrt: certs.ca.cert });
    expect((await probe({ ...tls('verify-full'), HOME: h }, ssl)).observations.value).toBe(true);
    expect((await probe({ ...tls('verify-ca'), HOME: h }, ssl)).observations.value).toBe(true);
  });

  it('refuses a server its CA did not sign, naming the server', async () => {
    const h = home({ rootCrt: certs.selfSigned.cert });
    const error = await failure({ ...tls('verify-full'), HOME: h });
    expect(error.message).toContain(`127.0.0.1:${tlsServer.port}`);
    expect(error.message).toMatch(/certificate/i);
    // sslmode=require verifies the CA too once root.crt exists, as libpq does
    expect((await failure({ ...tls('require'), HOME: h })).message).toMatch(/certificate/i);
    expect((await probe({ ...tls('require'), HOME: home() }, ssl)).observations.value).toBe(true);
  });

  it('verify-full without root.crt or sslrootcert is an error naming the file it looked for', async () => {
    const h = home();
    const error = await failure({ ...tls('verify-full'), HOME: h });
    expect(error).toBeInstanceOf(ProbeError);
    expect(error.message).toBe(
      `sslmode=verify-full needs a root certificate to check 127.0.0.1:${tlsServer.port} against, and ${h}/.postgresql/root.crt does not exist: ` +
        'give sslrootcert (or PGSSLROOTCERT), sslrootcert=system for the system CAs, or another sslmode',
    );
  });
});

describe('~/.postgresql/postgresql.crt and postgresql.key', () => {
  const env = (h: string): Record<string, string> => ({
    PGHOST: '127.0.0.1',
    PGPORT: String(tlsServer.port),
    PGUSER: 'certuser',
    PGDATABASE: 'postgres',
    HOME: h,
  });
  const clientDn = 'select client_dn from pg_stat_ssl where pid = pg_backend_pid()';
  const app = (): Record<string, string> => ({ PGUSER: 'app', PGPASSWORD: APP_PASSWORD, PGDATABASE: 'socialflow' });

  it('are the client certificate and key when no sslcert / sslkey is given, for a server that requires one', async () => {
    const out = await probe(env(home({ client: certUser })), clientDn);
    expect(out.observations.value).toMatch(/CN=certuser/);
    const noCert = await failure(env(home()));
    expect(noCert.message).toMatch(/certificate/i);
    expect(noCert.message).toContain(`127.0.0.1:${tlsServer.port}`);
  });

  it('PGSSLCERT and PGSSLKEY win over them', async () => {
    const dir = tempDir();
    homes.push(dir);
    writeFileSync(dir.path('c.crt'), certUser.cert);
    writeFileSync(dir.path('c.key'), certUser.key, { mode: 0o600 });
    const other = await clientCertificate(certs.ca, 'someone-else');
    const out = await probe({ ...env(home({ client: other })), PGSSLCERT: dir.path('c.crt'), PGSSLKEY: dir.path('c.key') }, clientDn);
    expect(out.observations.value).toMatch(/CN=certuser/);
  });

  it('refuses a key file group or others can read, as libpq does, naming it', async () => {
    const h = home({ client: certUser, keyMode: 0o644 });
    const key = `${h}/.postgresql/postgresql.key`;
    const error = await failure({ ...env(h), PGSSLMODE: 'require' });
    expect(error).toBeInstanceOf(ProbeError);
    expect(error.message).toBe(`private key file ${key} has group or world access (mode 0644): libpq refuses it; chmod 600 it`);
    const dir = tempDir();
    homes.push(dir);
    writeFileSync(dir.path('c.crt'), certUser.cert);
    writeFileSync(dir.path('c.key'), certUser.key);
    chmodSync(dir.path('c.key'), 0o644);
    const explicit = await failure({
      ...env(home()),
      PGSSLMODE: 'verify-ca',
      PGSSLROOTCERT: 'system',
      PGSSLCERT: dir.path('c.crt'),
      PGSSLKEY: dir.path('c.key'),
    });
    expect(explicit.message).toBe(
      `private key file ${dir.path('c.key')} has group or world access (mode 0644): libpq refuses it; chmod 600 it`,
    );
    // sslmode=prefer: the certificate is left out (libpq falls back to a plain connection), and the result says why
    const prefer = await failure(env(h));
    expect(prefer).not.toBeInstanceOf(ProbeError);
    expect(prefer.message).toContain(`127.0.0.1:${tlsServer.port}`);
    expect(prefer.message).toContain(
      `; private key file ${key} has group or world access (mode 0644): libpq refuses it; chmod 600 it; the client certificate is not sent`,
    );
    const plain = await probe({ PGHOST: '127.0.0.1', PGPORT: String(server.port), ...app(), HOME: h });
    expect(plain.observations.connected).toBe(true);
    expect(plain.summary).toContain('the client certificate is not sent');
  });

  it('a certificate without its key is an error naming the key file looked for', async () => {
    const h = home({ client: certUser, clientKey: false });
    const error = await failure({ ...env(h), PGSSLMODE: 'require' });
    expect(error).toBeInstanceOf(ProbeError);
    expect(error.message).toBe(
      `client certificate ${h}/.postgresql/postgresql.crt has no private key: ${h}/.postgresql/postgresql.key does not exist (give sslkey or PGSSLKEY)`,
    );
  });
});

describe('the connection service file', () => {
  const section = (name: string, port: number, extra = ''): string =>
    `# a comment\n[${name}]\nhost = 127.0.0.1\nport=${port}\nuser=app\ndbname=socialflow\npassword=${APP_PASSWORD}\n${extra}`;
  const serviceHome = (text: string): string => {
    const h = home();
    writeFileSync(join(h, '.pg_service.conf'), text);
    return h;
  };

  it('PGSERVICE names a section of ~/.pg_service.conf whose parameters say where to connect', async () => {
    const h = serviceHome(`[other]\nport=1\n\n${section('gate', server.port)}`);
    const out = await probe({ HOME: h, PGSERVICE: 'gate' }, "select current_database() || ' ' || current_user");
    expect(out.observations.value).toBe('socialflow app');
    expect(out.summary).toContain(`postgresql://app@127.0.0.1:${server.port}/socialflow`);
  });

  it('service= in the URL names it; the URL wins over the file, the file over the PG* variables', async () => {
    const h = serviceHome(section('gate', 1));
    const url = `postgresql://127.0.0.1:${server.port}/?service=gate`;
    expect((await probe({ HOME: h, PGUSER: 'nobody', PGPORT: '2' }, 'select current_user', url)).observations.value).toBe('app');
    const h2 = serviceHome(section('gate', server.port));
    expect((await probe({ HOME: h2, PGPORT: '2', PGUSER: 'nobody', PGSERVICE: 'gate' }, 'select current_user')).observations.value).toBe(
      'app',
    );
  });

  it('PGSERVICEFILE names another file; PGSYSCONFDIR/pg_service.conf is read when the user file lacks the service', async () => {
    const dir = tempDir();
    homes.push(dir);
    writeFileSync(dir.path('services'), section('elsewhere', server.port));
    expect((await probe({ HOME: home(), PGSERVICEFILE: dir.path('services'), PGSERVICE: 'elsewhere' })).observations.connected).toBe(true);
    writeFileSync(dir.path('pg_service.conf'), section('system', server.port));
    const h = serviceHome(section('gate', 1));
    expect((await probe({ HOME: h, PGSYSCONFDIR: dir.dir, PGSERVICE: 'system' })).observations.connected).toBe(true);
  });

  it('a service found in no file, or a line that is not a parameter, is an error naming the files', async () => {
    const h = serviceHome(section('gate', server.port));
    const missing = await failure({ HOME: h, PGSERVICE: 'nope' });
    expect(missing).toBeInstanceOf(ProbeError);
    expect(missing.message).toBe(`definition of service "nope" not found in ${h}/.pg_service.conf`);
    const broken = serviceHome('[gate]\nhost 127.0.0.1\n');
    const syntax = await failure({ HOME: broken, PGSERVICE: 'gate' });
    expect(syntax).toBeInstanceOf(ProbeError);
    expect(syntax.message).toBe(`syntax error in service file ${broken}/.pg_service.conf, line 2: expected name=value`);
  });

  it('a wrong password from the service file says where it came from, never the password', async () => {
    const h = serviceHome(section('gate', server.port).replace(APP_PASSWORD, 'not-the-one'));
    const error = await failure({ HOME: h, PGSERVICE: 'gate' });
    expect(error.message).toContain(`password authentication failed for user app (password from service gate in ${h}/.pg_service.conf)`);
    expect(error.message).not.toContain('not-the-one');
  });
});

describe('several hosts (PGHOST=a,b, PGPORT=p1,p2, or a URL with a,b)', () => {
  const app = { PGUSER: 'app', PGPASSWORD: APP_PASSWORD, PGDATABASE: 'socialflow' };

  it('tries each host in turn and connects to the first that answers, naming them all', async () => {
    const closed = await closedPort();
    const out = await probe({ ...app, PGHOST: '127.0.0.1,127.0.0.1', PGPORT: `${closed},${server.port}` }, 'select inet_server_port()');
    expect(out.observations.value).toBe(server.port);
    expect(out.summary).toContain(`postgresql://app@127.0.0.1:${closed},127.0.0.1:${server.port}/socialflow`);
    expect(out.summary).toContain(`; 127.0.0.1:${server.port} answered;`);
    const url = `postgresql://app:${encodeURIComponent(APP_PASSWORD)}@127.0.0.1:${closed},127.0.0.1:${server.port}/socialflow`;
    expect((await probe({}, 'select inet_server_port()', url)).observations.value).toBe(server.port);
    // one port for every host
    const one = await probe({ ...app, PGHOST: `${server.socketDir},127.0.0.1`, PGPORT: String(server.port) }, 'select 1');
    expect(one.observations.connected).toBe(true);
  });

  it('when none answers, says what each host did', async () => {
    const [a, b] = [await closedPort(), await closedPort()];
    const error = await failure({ ...app, PGHOST: '127.0.0.1,127.0.0.1', PGPORT: `${a},${b}` });
    expect(error.message).toBe(
      `no host answered: connection refused at 127.0.0.1:${a}; connection refused at 127.0.0.1:${b}; ` +
        'server from the libpq variables PGHOST, PGPORT, PGUSER, PGDATABASE (DATABASE_URL is unset)',
    );
  });

  it('stops at a host that refuses the password, as libpq does', async () => {
    const [host, port] = silent.address.split(':');
    const error = await failure({ ...app, PGPASSWORD: 'wrong', PGHOST: `127.0.0.1,${host}`, PGPORT: `${server.port},${port}` });
    expect(error.message).toMatch(new RegExp(`^127\\.0\\.0\\.1:${server.port}: password authentication failed for user app`));
    expect(error.message).not.toMatch(/no host answered|timed out/);
    expect(error.message).not.toContain('wrong');
  });

  it('a port list that does not match the hosts is an error', async () => {
    const error = await failure({ ...app, PGHOST: 'a,b,c', PGPORT: '1,2' });
    expect(error).toBeInstanceOf(ProbeError);
    expect(error.message).toBe('3 hosts but 2 ports: give one port for all, or one per host');
  });
});

describe('a password read from the password file is a secret of the run', () => {
  it('is masked wherever the run shows it: a row that holds it, in the output and the run log', async () => {
    const h = home({ pgpass: `*:*:*:app:${escaped}\n` });
    const dir = tempDir({
      'c.yaml': [
        'id: pgpass',
        'title: Password file',
        'sections:',
        '  - id: s',
        '    title: S',
        '    items:',
        '      - id: echo',
        '        title: A row holds the password',
        '        probe:',
        '          kind: postgres',
        '          query: select $1::text as v',
        '          params: ["${ECHOED}"]',
        '          expect: [value == "nothing"]',
        '',
      ].join('\n'),
    });
    homes.push(dir);
    const env = {
      HOME: h,
      PGHOST: '127.0.0.1',
      PGPORT: String(server.port),
      PGUSER: 'app',
      PGDATABASE: 'socialflow',
      ECHOED: APP_PASSWORD,
    };
    // as typed, or as JSON writes it (its backslash escaped)
    const leaks = (text: string): boolean => text.includes(APP_PASSWORD) || text.includes(JSON.stringify(APP_PASSWORD).slice(1, -1));
    const pretty = await runCli(['check', 'c.yaml', '--ci', '--log-dir', 'runs'], { cwd: dir.dir, env });
    const json = await runCli(['check', 'c.yaml', '--ci', '--log-dir', 'runs', '--format', 'json'], { cwd: dir.dir, env });
    for (const r of [pretty, json]) {
      expect(r.code).toBe(1);
      expect(leaks(r.stdout + r.stderr)).toBe(false);
    }
    expect(pretty.stdout).toContain('value == "nothing" (got "***")');
    const log = JSON.parse(json.stdout) as { items: { observations?: { value?: unknown } }[] };
    expect(log.items[0]!.observations?.value).toBe('***');
    const logs = readdirSync(dir.path('runs')).filter((f) => f.endsWith('.json'));
    expect(logs).toHaveLength(2);
    for (const f of logs) expect(leaks(readFileSync(join(dir.path('runs'), f), 'utf8'))).toBe(false);
  });
});
