import { describe, expect, it } from 'vitest';
import { passwordFromFile, resolveLibpq, type HomeFile } from '../../src/probes/postgres/libpq.js';
import { maskUrlPasswords } from '../../src/util/redact.js';

const file = (text: string, mode = 0o600): HomeFile => ({ path: '/home/ana/.pgpass', mode, regular: true, text });
const conn = { host: 'db', port: 5432, database: 'app', user: 'ana' };

describe('the password file, read as libpq reads it', () => {
  it('a * alone is a wildcard, an escaped \\* is a literal star; CRLF lines and short lines are fine', () => {
    expect(passwordFromFile(file('\\*:5432:app:ana:literal\r\n*:5432:app:ana:wild\r\n'), conn)).toEqual({ password: 'wild', line: 2 });
    expect(passwordFromFile(file('db:5432:app\n# db:5432:app:ana:commented\ndb:5432:app:ana:pa\\:ss\\\\x:y\n'), conn)).toEqual({
      password: 'pa:ss\\x:y',
      line: 3,
    });
    expect(passwordFromFile(file('db:5433:app:ana:other-port\n'), conn)).toEqual({});
  });

  it('is ignored when group or others may read it, or when it is not a plain file', () => {
    expect(passwordFromFile(file('*:*:*:*:pw', 0o640), conn).password).toBeUndefined();
    expect(passwordFromFile({ ...file('*:*:*:*:pw'), regular: false }, conn).note).toBe(
      'password file /home/ana/.pgpass is not a plain file: ignored',
    );
  });

  it('a connection through the default socket directory matches localhost lines', () => {
    const env = { PGHOST: '/var/run/postgresql', PGUSER: 'ana', PGDATABASE: 'app' };
    const o = resolveLibpq('', env, { pgpass: file('localhost:5432:app:ana:sock-pw\n') });
    expect(o).toMatchObject({
      password: 'sock-pw',
      passwordFrom: '/home/ana/.pgpass:1',
      sslMode: 'disable',
      where: '/var/run/postgresql/.s.PGSQL.5432',
      display: 'postgresql://ana@%2Fvar%2Frun%2Fpostgresql:5432/app',
    });
  });
});

describe('resolveLibpq', () => {
  it('the URL wins over the PG* variables, which fill what it leaves out', () => {
    const o = resolveLibpq('postgresql+asyncpg://app@db.internal/social_flow', {
      PGPORT: '6432',
      PGUSER: 'other',
      PGPASSWORD: 'pw',
      PGAPPNAME: 'gate',
    });
    expect(o).toMatchObject({
      host: 'db.internal',
      port: 6432,
      user: 'app',
      database: 'social_flow',
      password: 'pw',
      passwordFrom: 'PGPASSWORD',
    });
    expect(o).toMatchObject({ applicationName: 'gate', display: 'postgresql://app@db.internal:6432/social_flow' });
  });

  it('connect_timeout: whole seconds, at least 2, 0 for none', () => {
    expect(resolveLibpq('', { PGHOST: 'db', PGCONNECT_TIMEOUT: '1' }).connectTimeoutMs).toBe(2000);
    expect(resolveLibpq('postgresql://db/app?connect_timeout=7', { PGCONNECT_TIMEOUT: '1' }).connectTimeoutMs).toBe(7000);
    expect(resolveLibpq('', { PGHOST: 'db', PGCONNECT_TIMEOUT: '0' }).connectTimeoutMs).toBeUndefined();
  });

  it('~/.postgresql/root.crt is the CA for verify-ca, verify-full and require once it exists; sslrootcert wins', () => {
    const files = { rootCrt: '/home/ana/.postgresql/root.crt' };
    expect(resolveLibpq('postgresql://db/app?sslmode=verify-full', {}, files).sslRootCert).toBe(files.rootCrt);
    expect(resolveLibpq('postgresql://db/app?sslmode=require', {}, files).sslRootCert).toBe(files.rootCrt);
    expect(resolveLibpq('postgresql://db/app?sslmode=prefer', {}, files).sslRootCert).toBeUndefined();
    expect(resolveLibpq('postgresql://db/app?sslmode=verify-ca', { PGSSLROOTCERT: 'ca.pem' }, files).sslRootCert).toBe('ca.pem');
  });
});

describe('several hosts and the service file, resolved as libpq resolves them', () => {
  it('splits a URL host list (IPv6 in brackets, a port each or the default), never showing the password', () => {
    const o = resolveLibpq('postgresql://app:s3cr%3At@[::1]:6432,db.example/app?sslmode=disable', {});
    expect([o.where, ...o.others.map((x) => x.where)]).toEqual(['[::1]:6432', 'db.example:5432']);
    expect(o.display).toBe('postgresql://app@[::1]:6432,db.example:5432/app');
    expect(o.others[0]).toMatchObject({ host: 'db.example', password: 's3cr:t', passwordFrom: 'URL' });
    expect(maskUrlPasswords('postgresql://app:s3cret@a:1,b:2/db')).not.toContain('s3cret');
  });

  it('gives each host of PGHOST its own port, or the one port to all; an empty entry is localhost', () => {
    const o = resolveLibpq('', { PGHOST: 'a,,c', PGPORT: '7' });
    expect([o.where, ...o.others.map((x) => x.where)]).toEqual(['a:7', 'localhost:7', 'c:7']);
    expect(() => resolveLibpq('postgresql://u@a:1,b:x/db', {})).toThrow('invalid PostgreSQL port "x"');
    expect(() => resolveLibpq('', { PGHOST: 'a,b', PGHOSTADDR: '10.0.0.1' })).toThrow('2 hosts but 1 hostaddr values: give one per host');
  });

  it('takes a service section whole from the first file that has it, the URL before it and it before PG*', () => {
    const services = [
      { path: '/home/ana/.pg_service.conf', text: '[a]\nport=1\n' },
      { path: '/etc/pg_service.conf', text: '[a]\nhost=sys\n[b]\n  host = h  \nport=2\nkeepalives=1\n' },
    ];
    expect(resolveLibpq('', { PGSERVICE: 'a', PGHOST: 'env' }, { services })).toMatchObject({ host: 'env', port: 1 });
    expect(resolveLibpq('postgresql://url/db?service=b', { PGPORT: '9' }, { services })).toMatchObject({ host: 'url', port: 2 });
    expect(() => resolveLibpq('', { PGSERVICE: 'a' }, { services: [{ path: '/s', text: '[a]\nservice=b\n' }] })).toThrow(
      'nested service specifications not supported in service file /s, line 2',
    );
    expect(() => resolveLibpq('', { PGSERVICE: 'x' }, { services: [], servicePaths: [] })).toThrow(
      'definition of service "x" not found (HOME, PGSERVICEFILE and PGSYSCONFDIR are not set)',
    );
  });
});
