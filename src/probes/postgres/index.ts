/**
 * PostgreSQL: connects like libpq and runs one query.
 * https://www.postgresql.org/docs/current/libpq-connect.html#LIBPQ-CONNSTRING
 */
import { z } from 'zod';
import { ProbeError } from '../../errors.js';
import { defineProbe } from '../types.js';
import { answeredBy, describePostgresError, resolveTarget } from './connect.js';
import { LIBPQ_TARGET_VARS, LIBPQ_VARS } from './libpq.js';
import { PgConnectError, withPostgres } from './pool.js';

/** Rows kept in the `rows` observation. */
export const MAX_ROWS = 100;

const params = z
  .strictObject({
    url: z
      .string()
      .default('${DATABASE_URL:-}')
      .describe(
        'PostgreSQL URL such as `postgresql://app:secret@db:5432/socialflow?sslmode=require`; SQLAlchemy-style `postgresql+asyncpg://` and `+psycopg2://` are accepted. ' +
          'Several hosts (`a:5432,b:5433` in the URL, PGHOST=a,b with PGPORT=p or p1,p2) are tried in turn until one connects, as libpq does. ' +
          'Parts it leaves out come from the libpq variables PGHOST (a host or a socket directory), PGPORT, PGUSER, PGPASSWORD, PGDATABASE, PGSSLMODE, PGSSLROOTCERT, ' +
          'PGSSLCERT, PGSSLKEY, PGCONNECT_TIMEOUT, PGAPPNAME, and as in libpq a missing password from PGPASSFILE or ~/.pgpass, the CA for verify-ca/verify-full from ~/.postgresql/root.crt, ' +
          'the client certificate from ~/.postgresql/postgresql.crt and postgresql.key (a key others can read is refused); ' +
          "PGSERVICE or `service=` names a section of the service file (PGSERVICEFILE or ~/.pg_service.conf, then PGSYSCONFDIR/pg_service.conf) whose parameters come after the URL's and before the PG* variables; " +
          '`sslmode` defaults to prefer. Default `${DATABASE_URL}`; with it unset or empty the PG* variables alone say where to connect.',
      ),
    query: z
      .string()
      .trim()
      .min(1, 'expected an SQL query')
      .optional()
      .describe('SQL to run; `value` is the first column of its first row. Default `select 1`.'),
    params: z
      .array(z.union([z.string(), z.number(), z.boolean(), z.null()]), { error: 'expected a list of values for $1, $2, ...' })
      .optional()
      .describe('Values bound to `$1`, `$2`, ... in `query` (never pasted into the SQL).'),
  })
  .refine((p) => p.params === undefined || p.query !== undefined, {
    message: 'params: needs a query: that uses $1, $2, ...',
    path: ['params'],
  });

/** Connects to PostgreSQL and observes the result of a query. */
export default defineProbe({
  kind: 'postgres',
  summary: 'Connects to PostgreSQL (libpq URL and PG* variables) and runs a query: connectivity, settings, indexes, roles, replicas.',
  docs: 'https://www.postgresql.org/docs/current/libpq-connect.html#LIBPQ-CONNSTRING',
  params,
  example: {},
  observations: {
    connected: 'true once connected (a failed connection fails the item with the reason)',
    latency_ms: 'milliseconds to connect and run the query; on a connection an earlier item of the run opened, the query alone',
    server_version: 'the server version, such as "15.4"',
    server_version_num: 'the server version as a number, such as 150004',
    value: 'the first column of the first row (null when there is no row)',
    rows: `the rows as objects by column name (at most ${MAX_ROWS}): rows.0.indexname`,
    'rows.**': 'a field of a row: rows.0.rolname',
    row_count: 'how many rows the query returned (or changed)',
  },
  defaultCheck: 'connects and the query (default `select 1`) runs without error; give `expect:` to judge its result',
  warm: () => import('pg'),
  pooled: true,
  async run(p, ctx) {
    const unresolved = LIBPQ_VARS.filter((name) => !ctx.env[name])
      .map((name) => ctx.unsetBecause?.(name))
      .filter((why): why is string => why !== undefined);
    if (p.url.trim() === '' && !LIBPQ_TARGET_VARS.some((name) => ctx.env[name])) {
      throw new Error([ctx.unsetBecause?.('DATABASE_URL') ?? 'DATABASE_URL is not set', ...unresolved].join('; '));
    }
    const target = await resolveTarget(p.url, ctx);
    const fromEnv =
      p.url.trim() === ''
        ? [`server from the libpq variables ${LIBPQ_TARGET_VARS.filter((name) => ctx.env[name]).join(', ')} (DATABASE_URL is unset)`]
        : [];
    const said = (message: string): string => {
      const at = message.includes(target.host) ? message : `${target.display}: ${message}`;
      return [at, ...(answered ? [`${answered} answered`] : []), ...fromEnv, ...target.notes].join('; ');
    };
    await import('pg'); // loading the driver is not the database's latency
    const sql = p.query ?? 'select 1';
    let queryMs = 0;
    let connectMs = 0;
    let phase: 'version' | 'query' = 'version';
    let answered: string | undefined;
    const { version, result } = await withPostgres(target, ctx, async (client, lease) => {
      const started = performance.now();
      if (target.others.length) answered = answeredBy(target, client);
      connectMs = lease.connectMs;
      phase = 'version';
      const version = await client.query<{ version: string; num: number }>(
        "select current_setting('server_version') as version, current_setting('server_version_num')::int as num",
      );
      phase = 'query';
      const result = await client.query({ text: sql, values: p.params, rowMode: 'array' });
      queryMs = performance.now() - started;
      return { version, result };
    }).catch((e: unknown) => {
      if (ctx.signal.aborted) throw new Error(`query to ${target.where} was aborted`);
      const failed = (message: string): string => [said(message), ...unresolved].join('; ');
      if (e instanceof PgConnectError) throw new Error(failed(e.message));
      if (phase === 'version') throw new Error(failed(describePostgresError(e, target, ctx.timeoutMs)));
      const message = describePostgresError(e, target, ctx.timeoutMs);
      if ((e as { code?: string }).code === '42601') throw new ProbeError(`query has a syntax error: ${message}`);
      throw new Error(`query failed on ${target.display}: ${message}`);
    });
    const latency = Math.round(connectMs + queryMs);
    const last = Array.isArray(result) ? (result.at(-1) as typeof result) : result;
    const names = (last.fields ?? []).map((f: { name: string }) => f.name);
    const raw = (last.rows ?? []) as unknown[][];
    const rows = raw.slice(0, MAX_ROWS).map((r) => rowObject(names, r));
    const first = raw[0]?.[0];
    const rowCount = typeof last.rowCount === 'number' ? last.rowCount : raw.length;
    const serverVersion = String(version.rows[0]?.version ?? '').split(' ')[0]!;
    return {
      observations: {
        connected: true,
        latency_ms: latency,
        server_version: serverVersion,
        server_version_num: version.rows[0]?.num,
        value: first === undefined ? null : plain(first),
        rows,
        row_count: rowCount,
      },
      problems: [],
      summary: p.query
        ? said(
            `${rowCount} row${rowCount === 1 ? '' : 's'} from ${target.display} in ${latency}ms${raw.length ? `, value ${JSON.stringify(plain(first))}` : ''}`,
          )
        : said(`connected to PostgreSQL ${serverVersion} at ${target.display} in ${latency}ms`),
    };
  },
});

function rowObject(names: string[], row: unknown[]): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  names.forEach((name, i) => {
    out[name] = plain(row[i]);
  });
  return out;
}

/** JSON-friendly values: timestamps as ISO strings, bytea as hex. */
function plain(v: unknown): unknown {
  if (v instanceof Date) return Number.isNaN(v.getTime()) ? String(v) : v.toISOString();
  if (Buffer.isBuffer(v)) return `\\x${v.toString('hex')}`;
  if (Array.isArray(v)) return v.map(plain);
  if (typeof v === 'bigint') return Number.isSafeInteger(Number(v)) ? Number(v) : v.toString();
  return v;
}
