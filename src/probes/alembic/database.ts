import type { ProbeContext } from '../types.js';
import { describePostgresError, resolveTarget } from '../postgres/connect.js';
import { PgConnectError, withPostgres } from '../postgres/pool.js';

export type VersionTable = { state: 'missing'; database: string } | { state: 'present'; database: string; versions: string[] };

const ident = (name: string): string => `"${name.replace(/"/g, '""')}"`;

/** Reads the revisions recorded in the alembic_version table (or the one named), through pg. */
export async function readVersionTable(url: string, table: string, schema: string | undefined, ctx: ProbeContext): Promise<VersionTable> {
  const target = await resolveTarget(url, ctx);
  try {
    return await withPostgres(target, ctx, async (client): Promise<VersionTable> => {
      const found = await client.query<{ name: string | null }>('select to_regclass($1)::text as name', [
        schema ? `${ident(schema)}.${ident(table)}` : ident(table),
      ]);
      if (!found.rows[0]?.name) return { state: 'missing', database: target.display };
      const rows = await client.query<{ version_num: unknown }>(
        `select version_num from ${schema ? `${ident(schema)}.` : ''}${ident(table)}`,
      );
      return { state: 'present', database: target.display, versions: rows.rows.map((r) => String(r.version_num)) };
    });
  } catch (e) {
    if (ctx.signal.aborted) throw new Error(`reading ${table} from ${target.where} was aborted`);
    if (e instanceof PgConnectError) throw e.message.includes(target.host) ? e : new Error(`${target.display}: ${e.message}`);
    throw new Error(`cannot read ${table} in ${target.display}: ${describePostgresError(e, target, ctx.timeoutMs)}`);
  }
}
