/**
 * Alembic: is the database at the migration head?
 * https://alembic.sqlalchemy.org/en/latest/branches.html
 */
import { isAbsolute, relative } from 'node:path';
import { z } from 'zod';
import { ProbeError } from '../../errors.js';
import { isPostgresUrl } from '../postgres/libpq.js';
import { maskUrlPasswords } from '../../util/redact.js';
import { defineProbe, type ProbeContext } from '../types.js';
import {
  describeAlembicFailure,
  parseHistory,
  parseRevisionLines,
  parseVerboseCurrent,
  runAlembic,
  unknownRevisionIn,
  withoutPassword,
} from './cli.js';
import { resolveLayout, type AlembicLayout } from './config.js';
import { readVersionTable } from './database.js';
import { buildGraph, pendingRevisions, type RevisionGraph } from './graph.js';
import { scanMigrations, type Migration } from './scripts.js';

/** Pending revisions named in a failure message; the rest are counted. */
const LISTED = 10;

const params = z.strictObject({
  mode: z
    .enum(['auto', 'native', 'cli'], { error: 'expected auto, native or cli' })
    .default('auto')
    .describe(
      "native: read the migration scripts as files and alembic_version through pg, without Python. cli: run the real `alembic current` and `alembic heads`, so the project's env.py picks the database. " +
        'auto (default): native when the scripts are files on disk and database_url is a PostgreSQL URL, else cli (another database, no URL, or a package-resource script_location); ' +
        'a PostgreSQL database that cannot be reached fails the item rather than falling back to cli.',
    ),
  config: z
    .string()
    .default('${ALEMBIC_CONFIG:-alembic.ini}')
    .describe(
      'Path to alembic.ini, relative to the working directory; script_location is read from it with %(here)s resolved, and a relative script_location resolves against the working directory, as alembic does. Default $ALEMBIC_CONFIG, else alembic.ini.',
    ),
  section: z.string().min(1).default('alembic').describe('Section of the config file (alembic -n). Default alembic.'),
  script_location: z
    .string()
    .min(1)
    .optional()
    .describe(
      'The migrations folder (the one holding env.py and versions/), relative to the working directory; overrides the config file for reading the scripts.',
    ),
  database_url: z
    .string()
    .default('${DATABASE_URL:-}')
    .describe(
      'Database read by native mode; SQLAlchemy URLs such as postgresql+asyncpg:// or postgresql+psycopg2:// are accepted. Default $DATABASE_URL. cli mode leaves the URL to env.py.',
    ),
  version_table: z
    .string()
    .min(1)
    .default('alembic_version')
    .describe('Table where alembic records the applied revisions (native mode). Default alembic_version.'),
  version_table_schema: z.string().min(1).optional().describe('Schema of the version table (native mode). Default: the search_path.'),
  command: z
    .array(z.string().min(1), { error: 'expected an argument list such as [alembic] or [poetry, run, alembic]' })
    .min(1)
    .default(['alembic'])
    .describe('How cli mode runs Alembic: [alembic], [.venv/bin/alembic], [poetry, run, alembic]. Default [alembic].'),
});

type AlembicParams = z.output<typeof params>;

/** What the database holds, as read natively or from `alembic current`. */
type DatabaseState = { kind: 'unstamped'; problem: string } | { kind: 'versions'; current: string[] } | { kind: 'unknown' };

const UPGRADE_HINT = 'run `alembic upgrade head`, or `alembic stamp head` if the schema is already there';

/** Checks that the database is at the head of the Alembic migrations. */
export default defineProbe({
  kind: 'alembic',
  summary: 'The database is at the Alembic migration head: nothing pending, one head, a sound revision graph.',
  docs: 'https://alembic.sqlalchemy.org/en/latest/branches.html',
  params,
  example: {},
  observations: {
    mode: 'native or cli: how the check ran',
    current: 'revisions recorded in the database (alembic_version)',
    heads: 'head revisions of the migration scripts',
    at_head: 'true when the database has every revision applied (false when the graph is broken)',
    pending: 'revisions not yet applied, in upgrade order, each { revision, slug, message }',
    'pending.*.revision': 'the revision id of a pending migration',
    'pending.*.slug': 'its file name slug (add_users)',
    'pending.*.message': 'its message (first paragraph of the docstring)',
    graph_errors: 'defects that make alembic refuse the scripts: a down_revision naming no migration, duplicates, cycles',
  },
  defaultCheck: 'the revision graph is sound, there is exactly one head, and the database is at it (nothing pending)',
  async run(p, ctx) {
    const layout = await resolveLayout({ config: p.config, section: p.section, scriptLocation: p.script_location }, ctx.cwd);
    const url = p.database_url.trim();
    const mode = chooseMode(p, layout, url, ctx.unsetBecause?.('DATABASE_URL') ?? 'DATABASE_URL is not set');
    const show = (path: string): string => {
      const rel = relative(ctx.cwd, path);
      return rel && !rel.startsWith('..') && !isAbsolute(rel) ? rel : path;
    };
    let graph: RevisionGraph | undefined;
    if (!layout.unreadable) {
      const scan = await scanMigrations(layout.versionDirs, layout.recursive, show);
      graph = buildGraph(scan.migrations, scan.errors);
    }
    let heads: string[];
    let state: DatabaseState;
    let database: string | undefined;
    let elsewhere: string | undefined;
    if (mode === 'native') {
      const table = await readVersionTable(url, p.version_table, p.version_table_schema, ctx);
      database = table.database;
      const where = table.database;
      state =
        table.state === 'missing'
          ? {
              kind: 'unstamped',
              problem: `${p.version_table} table does not exist in ${where}: migrations were never run here (${UPGRADE_HINT})`,
            }
          : table.versions.length === 0
            ? { kind: 'unstamped', problem: `${p.version_table} is empty in ${where}: no revision is recorded (${UPGRADE_HINT})` }
            : { kind: 'versions', current: table.versions };
      heads = graph!.heads;
    } else {
      const cli = await readWithCli(p, layout, graph, ctx);
      graph ??= cli.graph;
      heads = cli.heads;
      state = cli.state;
      database = cli.database;
      if (database && url !== '' && !sameDatabase(database, url)) {
        elsewhere =
          `${layout.configShown} (through its env.py) points alembic at ${database}, not at DATABASE_URL (${withoutPassword(maskUrlPasswords(url))}): ` +
          "this judges another database than the application's";
      }
    }
    return judge(mode, graph!, heads, state, database, elsewhere);
  },
});

function chooseMode(p: AlembicParams, layout: AlembicLayout, url: string, unset: string): 'native' | 'cli' {
  const configHint = `no alembic config at ${layout.configShown} for the alembic CLI`;
  if (p.mode === 'native' || (p.mode === 'auto' && !layout.unreadable && isPostgresUrl(url))) {
    if (layout.unreadable) throw new ProbeError(`cannot read the migration scripts: ${layout.unreadable}`);
    if (url === '') throw new Error(`native mode reads the database from database_url, and ${unset}`);
    if (!isPostgresUrl(url)) throw new ProbeError(`native mode reads PostgreSQL only, not ${maskUrlPasswords(url)}: use mode: cli`);
    return 'native';
  }
  if (p.mode === 'cli') {
    if (!layout.configPath) throw new ProbeError(`cli mode needs an alembic.ini: ${configHint}`);
    return 'cli';
  }
  if (layout.configPath) return 'cli';
  const why = layout.unreadable
    ? `cannot read the migration scripts (${layout.unreadable})`
    : url === ''
      ? unset
      : `${maskUrlPasswords(url)} is not a PostgreSQL URL`;
  throw new ProbeError(`cannot check migrations: ${why}, and there is ${configHint}`);
}

async function readWithCli(
  p: AlembicParams,
  layout: AlembicLayout,
  graph: RevisionGraph | undefined,
  ctx: ProbeContext,
): Promise<{ heads: string[]; state: DatabaseState; graph: RevisionGraph; database: string | undefined }> {
  const config = layout.configPath!;
  const [current, heads, history] = await Promise.all([
    runAlembic(p.command, config, p.section, ['current', '--verbose'], ctx),
    runAlembic(p.command, config, p.section, ['heads'], ctx),
    graph ? undefined : runAlembic(p.command, config, p.section, ['history'], ctx),
  ]);
  const broken = graph !== undefined && graph.errors.length > 0;
  if (history && !history.ok) {
    const message = describeAlembicFailure(history.stderr, history.stdout, ctx.redact);
    graph = buildGraph([], [message]);
  }
  graph ??= buildGraph(parseHistory(history!.stdout));
  let headList: string[];
  if (heads.ok) headList = parseRevisionLines(heads.stdout);
  else if (broken || graph.errors.length) headList = graph.heads;
  else throw new Error(`alembic heads failed: ${describeAlembicFailure(heads.stderr, heads.stdout, ctx.redact)}`);
  let state: DatabaseState;
  const { database, revisions } = parseVerboseCurrent(current.stdout);
  if (current.ok) {
    state = revisions.length
      ? { kind: 'versions', current: revisions }
      : {
          kind: 'unstamped',
          problem: `alembic current shows no revision${database ? ` on ${database}` : ''}: ${p.version_table} is missing or empty, migrations were never run here (${UPGRADE_HINT})`,
        };
  } else {
    const unknown = unknownRevisionIn(current);
    if (unknown) state = { kind: 'versions', current: [unknown] };
    else if (broken || graph.errors.length) state = { kind: 'unknown' };
    else throw new Error(`alembic current failed: ${describeAlembicFailure(current.stderr, current.stdout, ctx.redact)}`);
  }
  return { heads: headList, state, graph, database };
}

/** Same server and database: the scheme without its driver (`+asyncpg`), user, host, port and name. */
function sameDatabase(a: string, b: string): boolean {
  const key = (url: string): string => {
    try {
      const u = new URL(url.replace(/^postgres(?:ql)?(?:\+[\w-]+)?:/i, 'postgresql:').replace(/^(\w+)\+[\w-]+:/, '$1:'));
      const port = u.port || (u.protocol === 'postgresql:' ? '5432' : '');
      return `${u.protocol}//${decodeURIComponent(u.username)}@${u.hostname.toLowerCase()}:${port}${decodeURIComponent(u.pathname)}`;
    } catch {
      return url;
    }
  };
  return key(a) === key(b);
}

function judge(
  mode: 'native' | 'cli',
  graph: RevisionGraph,
  heads: string[],
  state: DatabaseState,
  database: string | undefined,
  elsewhere: string | undefined,
) {
  const problems = [...graph.errors];
  const on = database ? ` on ${database}` : '';
  if (elsewhere) problems.push(elsewhere);
  const label = (rev: string): string => {
    const m = graph.byRevision.get(rev);
    return m?.slug ? `${rev} ${m.slug}` : rev;
  };
  const sound = graph.errors.length === 0;
  if (sound && heads.length > 1)
    problems.push(`${heads.length} heads: ${heads.map(label).join(', ')}; merge them with \`alembic merge heads\``);
  if (sound && graph.byRevision.size === 0) problems.push('no migration scripts found');
  const observations: Record<string, unknown> = { mode, heads, graph_errors: graph.errors };
  let current: string[] = [];
  let pending: Migration[] | undefined;
  let atHead = false;
  switch (state.kind) {
    case 'unstamped':
      // with a broken graph `alembic upgrade head` crashes: the graph is what to fix first
      problems.push(sound ? state.problem : state.problem.replace(` (${UPGRADE_HINT})`, ' (fix the revision graph first)'));
      pending = pendingRevisions(graph, []);
      break;
    case 'versions': {
      current = state.current;
      const unknown = current.filter((r) => !graph.byRevision.has(r));
      for (const rev of unknown) {
        problems.push(`${database ?? 'database'} is at ${rev}, which these migrations do not know: deployed code older than the database?`);
      }
      if (unknown.length < current.length || current.length === 0) pending = pendingRevisions(graph, current);
      atHead =
        !elsewhere &&
        unknown.length === 0 &&
        pending !== undefined &&
        pending.length === 0 &&
        graph.errors.length === 0 &&
        heads.length > 0;
      if (sound && pending?.length && unknown.length === 0) {
        const listed = pending.slice(0, LISTED).map((m) => label(m.revision));
        problems.push(
          `${pending.length} pending${on}: ${listed.join(', ')}${pending.length > LISTED ? `, and ${pending.length - LISTED} more` : ''}`,
        );
      }
      break;
    }
    case 'unknown':
      break;
  }
  if (state.kind !== 'unknown') observations.current = current;
  observations.at_head = atHead;
  if (pending) observations.pending = pending.map((m) => ({ revision: m.revision, slug: m.slug, message: m.message }));
  const summary = atHead ? `at head ${heads.map(label).join(', ')} (${graph.byRevision.size} migrations, ${mode})${on}` : undefined;
  const reasons = !atHead && problems.length ? { at_head: problems.join('; ') } : undefined;
  return { observations, problems, ...(reasons ? { reasons } : {}), ...(summary ? { summary } : {}) };
}
