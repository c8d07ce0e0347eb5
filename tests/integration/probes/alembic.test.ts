import { execFile as execFileCb } from 'node:child_process';
import { cpSync, existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { ProbeError } from '../../../src/errors.js';
import alembic from '../../../src/probes/alembic/index.js';
import type { ProbeOutcome } from '../../../src/probes/types.js';
import type { RunLog } from '../../../src/runner/types.js';
import { runCli } from '../../support/cli.js';
import { pidLog, type PidLog } from '../../support/orphans.js';
import { probeError, runProbe, type ProbeCall } from '../../support/probe-run.js';
import { startPostgres, type PostgresServer } from '../../support/postgres.js';
import { startSilentServer, type SilentServer } from '../../support/ports.js';
import { tempDir } from '../../support/tmp.js';
import { runChecklistText } from '../../support/run-checklist.js';

const execFile = promisify(execFileCb);
const FIXTURES = fileURLToPath(new URL('../../fixtures/alembic/', import.meta.url));
const fixture = (name: string): string => join(FIXTURES, name);
const APP_PASSWORD = 'app-s3cret-Pw';
const WRONG_PASSWORD = 'wr0ng-Hunter2-pw';

const LINEAR = ['1a2b3c4d5e6f', '2b3c4d5e6f7a', '3c4d5e6f7a8b', '4d5e6f7a8b9c'] as const;

let server: PostgresServer;
let databases = 0;
/** The last database() as messages name it: its URL without the password. */
let shownDb = '';
const shown = (url: string): string => url.replace(/:[^:@/]*@/, '@');

/** A fresh database owned by the app role, with alembic_version holding `versions` (no table when undefined). */
async function database(versions?: string[]): Promise<string> {
  const name = `app_${++databases}`;
  await server.createDatabase(name, 'app');
  if (versions) {
    await server.sql(
      'create table alembic_version (version_num varchar(32) not null primary key); alter table alembic_version owner to app',
      [],
      name,
    );
    for (const v of versions) await server.sql('insert into alembic_version values ($1)', [v], name);
  }
  const url = server.urlFor({ user: 'app', password: APP_PASSWORD, database: name });
  shownDb = shown(url);
  return url;
}

/** The probe as the runner calls it (`${VAR}` defaults expanded), with PATH and HOME, on its own timers. */
async function probe(params: Record<string, unknown>, o: ProbeCall = {}): Promise<ProbeOutcome> {
  const env = { PATH: process.env.PATH, HOME: process.env.HOME, ...o.env };
  return runProbe(alembic, params, { timeoutMs: 20_000, abortAtTimeout: false, ...o, env });
}

async function failure(params: Record<string, unknown>, o: ProbeCall = {}): Promise<Error> {
  const env = { PATH: process.env.PATH, HOME: process.env.HOME, ...o.env };
  return (await probeError(alembic, params, { timeoutMs: 20_000, abortAtTimeout: false, ...o, env })).error;
}

/** The real Alembic CLI, in a fixture project, writing nothing into it. */
async function realAlembic(project: string, args: string[], databaseUrl: string): Promise<void> {
  await execFile('alembic', args, {
    cwd: fixture(project),
    env: { ...process.env, DATABASE_URL: databaseUrl, PYTHONDONTWRITEBYTECODE: '1' },
  });
}

function linear(url: string, extra: Record<string, unknown> = {}) {
  return { config: join(fixture('linear-history'), 'alembic.ini'), database_url: url, ...extra };
}

/** The real Alembic CLI with psycopg2 must be installed: fail with the install command, never skip. */
async function requireAlembic(): Promise<void> {
  try {
    await execFile('alembic', ['--version']);
    const shebang = (await readFile((await execFile('sh', ['-c', 'command -v alembic'])).stdout.trim(), 'utf8')).split('\n')[0]!;
    const python = /^#!\s*(\S+)(?:\s+(\S+))?/.exec(shebang);
    const interpreter = python?.[1]?.endsWith('/env') ? python[2]! : (python?.[1] ?? 'python3');
    await execFile(interpreter, ['-c', 'import psycopg2']);
  } catch {
    throw new Error(
      'the alembic CLI with psycopg2 is missing: install it with `apt-get install -y alembic python3-psycopg2` (or run scripts/install-test-deps.sh)',
    );
  }
}

beforeAll(async () => {
  await requireAlembic();
  server = await startPostgres();
  await server.createRole('app', APP_PASSWORD);
});

afterAll(async () => {
  await server?.stop();
});

describe('alembic probe, native mode (scripts read as files, alembic_version through pg)', () => {
  it('passes when the database is at the head, reading every quoting style of revision ids', async () => {
    const outcome = await probe(linear(await database([LINEAR[3]])));
    expect(outcome.problems).toEqual([]);
    expect(outcome.observations).toEqual({
      mode: 'native',
      current: [LINEAR[3]],
      heads: [LINEAR[3]],
      at_head: true,
      pending: [],
      graph_errors: [],
    });
    expect(outcome.summary).toBe(`at head 4d5e6f7a8b9c add_indexes (4 migrations, native) on ${shownDb}`);
  });

  it('lists pending revisions in upgrade order with slug and message', async () => {
    const outcome = await probe(linear(await database([LINEAR[1]])));
    expect(outcome.problems).toEqual([`2 pending on ${shownDb}: 3c4d5e6f7a8b add_search_index, 4d5e6f7a8b9c add_indexes`]);
    expect(outcome.observations).toMatchObject({
      at_head: false,
      current: [LINEAR[1]],
      pending: [
        { revision: '3c4d5e6f7a8b', slug: 'add_search_index', message: 'add search index' },
        { revision: '4d5e6f7a8b9c', slug: 'add_indexes', message: 'add indexes' },
      ],
    });
  });

  it('accepts SQLAlchemy URLs with +asyncpg or +psycopg2', async () => {
    const url = await database([LINEAR[3]]);
    for (const driver of ['+asyncpg', '+psycopg2']) {
      const outcome = await probe(linear(url.replace('postgresql://', `postgresql${driver}://`)));
      expect(outcome.observations.at_head).toBe(true);
    }
  });

  it('says when the alembic_version table does not exist, and that everything is pending', async () => {
    const url = await database();
    const outcome = await probe(linear(url));
    expect(outcome.problems).toEqual([
      `alembic_version table does not exist in ${shownDb}: migrations were never run here (run \`alembic upgrade head\`, or \`alembic stamp head\` if the schema is already there)`,
    ]);
    expect(outcome.observations).toMatchObject({ current: [], at_head: false });
    expect((outcome.observations.pending as { revision: string }[]).map((p) => p.revision)).toEqual([...LINEAR]);
  });

  it('says when alembic_version is empty', async () => {
    const outcome = await probe(linear(await database([])));
    expect(outcome.problems).toEqual([
      `alembic_version is empty in ${shownDb}: no revision is recorded (run \`alembic upgrade head\`, or \`alembic stamp head\` if the schema is already there)`,
    ]);
  });

  it('flags a database revision the scripts do not know (code older than the database)', async () => {
    const outcome = await probe(linear(await database(['ffff00000000'])));
    expect(outcome.problems).toEqual([
      `${shownDb} is at ffff00000000, which these migrations do not know: deployed code older than the database?`,
    ]);
    expect(outcome.observations).toMatchObject({ current: ['ffff00000000'], at_head: false });
    expect(outcome.observations).not.toHaveProperty('pending');
  });

  it('reads what the real alembic upgrade writes', async () => {
    const url = await database();
    await realAlembic('linear-history', ['upgrade', LINEAR[1]], url);
    expect((await probe(linear(url))).problems).toEqual([
      `2 pending on ${shownDb}: 3c4d5e6f7a8b add_search_index, 4d5e6f7a8b9c add_indexes`,
    ]);
    await realAlembic('linear-history', ['upgrade', 'head'], url);
    expect((await probe(linear(url))).observations).toMatchObject({ at_head: true, current: [LINEAR[3]] });
    expect(readdirSync(join(fixture('linear-history'), 'migrations', 'versions')).filter((f) => !f.endsWith('.py'))).toEqual([]);
  });

  it('follows a branch and its merge: pending in upgrade order, two rows while both branches are applied', async () => {
    const cwd = fixture('branch-and-merge');
    const onBillingUrl = await database(['b1a000000001']);
    const onBilling = await probe({ database_url: onBillingUrl }, { cwd });
    expect(onBilling.problems).toEqual([
      `3 pending on ${shown(onBillingUrl)}: b2c000000001 add_media, e0e000000001 merge_billing_and_media, f00000000001 add_invoices`,
    ]);
    const onBoth = await probe({ database_url: await database(['b1a000000001', 'b2c000000001']) }, { cwd });
    expect(onBoth.observations).toMatchObject({
      current: ['b1a000000001', 'b2c000000001'],
      pending: [{ revision: 'e0e000000001' }, { revision: 'f00000000001' }],
    });
    const atHead = await probe({ database_url: await database(['f00000000001']) }, { cwd });
    expect(atHead.problems).toEqual([]);
    expect(atHead.observations).toMatchObject({ heads: ['f00000000001'], at_head: true });
  });

  it('resolves a relative script_location in alembic.ini against the working directory, as alembic does', async () => {
    const error = await failure(
      { mode: 'native', config: join(fixture('branch-and-merge'), 'alembic.ini'), database_url: await database([]) },
      { cwd: fixture('.') },
    );
    expect(error).toBeInstanceOf(ProbeError);
    expect(error.message).toBe(
      `cannot read the migration scripts: script_location migrations not found (a relative script_location resolves against the working directory ${fixture('.')}, as alembic does)`,
    );
  });

  it('fails on multiple heads, naming them', async () => {
    const config = join(fixture('multiple-heads'), 'alembic.ini');
    const both = await probe({ config, database_url: await database(['5a1000000002', '5a2000000003']) });
    expect(both.problems).toEqual(['2 heads: 5a1000000002 add_likes, 5a2000000003 add_comments; merge them with `alembic merge heads`']);
    expect(both.observations).toMatchObject({ heads: ['5a1000000002', '5a2000000003'], at_head: true });
    const base = await probe({ config, database_url: await database(['5ba5e0000001']) });
    expect(base.problems).toEqual([
      '2 heads: 5a1000000002 add_likes, 5a2000000003 add_comments; merge them with `alembic merge heads`',
      `2 pending on ${shownDb}: 5a1000000002 add_likes, 5a2000000003 add_comments`,
    ]);
  });

  it('reports a down_revision naming a missing revision as a graph error', async () => {
    const config = join(fixture('broken-graph-missing-down-revision'), 'alembic.ini');
    const outcome = await probe({ config, database_url: await database(['0c0000000003']) });
    const error = `0b0000000002 add_posts (tests/fixtures/alembic/broken-graph-missing-down-revision/migrations/versions/0b0000000002_add_posts.py) has down_revision 0dead0000000, which no migration defines`;
    expect(outcome.observations).toMatchObject({ graph_errors: [error], at_head: false });
    expect(outcome.problems).toEqual([error]);
  });

  it('with a broken graph and no alembic_version, does not advise alembic upgrade head (it would crash)', async () => {
    const config = join(fixture('broken-graph-missing-down-revision'), 'alembic.ini');
    const outcome = await probe({ config, database_url: await database() });
    expect(outcome.problems).toHaveLength(2);
    expect(outcome.problems![1]).toMatch(
      /^alembic_version table does not exist in postgresql:\/\/app@127\.0\.0\.1:\d+\/app_\d+: migrations were never run here \(fix the revision graph first\)$/,
    );
    expect(JSON.stringify(outcome.problems)).not.toContain('alembic upgrade head');
    expect(outcome.reasons?.at_head).toBe(outcome.problems!.join('; '));
  });

  it('fails on a wrong password without showing it', async () => {
    const error = await failure(linear(server.urlFor({ user: 'app', password: WRONG_PASSWORD, database: 'postgres' })));
    expect(error.message).toBe(`postgresql://app@127.0.0.1:${server.port}/postgres: password authentication failed for user app`);
    expect(JSON.stringify({ message: error.message, stack: error.stack })).not.toContain(WRONG_PASSWORD);
  });

  it('needs database_url in native mode', async () => {
    const error = await failure({ mode: 'native', config: join(fixture('linear-history'), 'alembic.ini') });
    expect(error.message).toBe('native mode reads the database from database_url, and DATABASE_URL is not set');
  });

  it('errors when there is neither an alembic.ini nor a script_location', async () => {
    const dir = tempDir();
    try {
      const error = await failure({ database_url: 'postgresql://app@127.0.0.1/x' }, { cwd: dir.dir });
      expect(error).toBeInstanceOf(ProbeError);
      expect(error.message).toBe(
        'no alembic config at alembic.ini: give config: (the path to alembic.ini) or script_location: (the migrations folder)',
      );
    } finally {
      dir.remove();
    }
  });

  it('reads a script_location given directly, without any alembic.ini', async () => {
    const outcome = await probe({
      script_location: join(fixture('linear-history'), 'migrations'),
      database_url: await database([LINEAR[3]]),
    });
    expect(outcome.observations).toMatchObject({ mode: 'native', at_head: true });
  });
});

describe('alembic probe, cli mode (the real alembic current and heads)', () => {
  it('passes at the head, ignoring the log lines alembic writes to stderr and leaving no bytecode behind', async () => {
    const url = await database([LINEAR[3]]);
    const outcome = await probe(linear('', { mode: 'cli' }), { env: { DATABASE_URL: url } });
    expect(outcome.problems).toEqual([]);
    expect(outcome.observations).toMatchObject({ mode: 'cli', current: [LINEAR[3]], heads: [LINEAR[3]], at_head: true, pending: [] });
    expect(existsSync(join(fixture('linear-history'), 'migrations', '__pycache__'))).toBe(false);
    expect(existsSync(join(fixture('linear-history'), 'migrations', 'versions', '__pycache__'))).toBe(false);
  });

  it('names the database alembic looked at, as env.py chose it, without the password', async () => {
    const url = await database([LINEAR[3]]);
    const outcome = await probe(linear(url, { mode: 'cli' }), { env: { DATABASE_URL: url } });
    expect(outcome.summary).toBe(`at head 4d5e6f7a8b9c add_indexes (4 migrations, cli) on ${shownDb}`);
    expect(JSON.stringify(outcome)).not.toContain(APP_PASSWORD);
  });

  it('fails when alembic.ini points alembic at another database than DATABASE_URL (a SQLite file), naming both', async () => {
    const project = tempDir();
    try {
      cpSync(join(fixture('linear-history'), 'migrations'), project.path('migrations'), { recursive: true });
      project.write(
        'migrations/env.py',
        [
          'from alembic import context',
          'from sqlalchemy import engine_from_config, pool',
          'config = context.config',
          'engine = engine_from_config(config.get_section(config.config_ini_section), prefix="sqlalchemy.", poolclass=pool.NullPool)',
          'with engine.connect() as connection:',
          '    context.configure(connection=connection)',
          '    with context.begin_transaction():',
          '        context.run_migrations()',
          '',
        ].join('\n'),
      );
      project.write('alembic.ini', '[alembic]\nscript_location = %(here)s/migrations\nsqlalchemy.url = sqlite:///./dev.db\n');
      await execFile('alembic', ['stamp', 'head'], { cwd: project.dir, env: { ...process.env, PYTHONDONTWRITEBYTECODE: '1' } });
      const url = await database([LINEAR[1]]);
      const config = project.path('alembic.ini');
      const cli = await probe({ config, mode: 'cli', database_url: url }, { cwd: project.dir, env: { DATABASE_URL: url } });
      const elsewhere =
        `alembic.ini (through its env.py) points alembic at sqlite:///./dev.db, not at DATABASE_URL (${shownDb}): ` +
        "this judges another database than the application's";
      expect(cli.problems).toEqual([elsewhere]);
      expect(cli.observations).toMatchObject({ mode: 'cli', current: [LINEAR[3]], at_head: false });
      expect(cli.reasons).toEqual({ at_head: elsewhere });
      const native = await probe({ config, mode: 'native', database_url: url }, { cwd: project.dir });
      expect(native.problems).toEqual([`2 pending on ${shownDb}: 3c4d5e6f7a8b add_search_index, 4d5e6f7a8b9c add_indexes`]);
    } finally {
      project.remove();
    }
  });

  it('gives the same pending message as native mode', async () => {
    const url = await database([LINEAR[1]]);
    const outcome = await probe(linear('', { mode: 'cli' }), { env: { DATABASE_URL: url } });
    expect(outcome.problems).toEqual([`2 pending on ${shownDb}: 3c4d5e6f7a8b add_search_index, 4d5e6f7a8b9c add_indexes`]);
  });

  it("turns alembic's failure on an unknown database revision into the same message", async () => {
    const url = await database(['ffff00000000']);
    const outcome = await probe(linear('', { mode: 'cli' }), { env: { DATABASE_URL: url } });
    expect(outcome.problems).toEqual([
      `${shownDb} is at ffff00000000, which these migrations do not know: deployed code older than the database?`,
    ]);
  });

  it('says when the database has no revision', async () => {
    const url = await database();
    const outcome = await probe(linear('', { mode: 'cli' }), { env: { DATABASE_URL: url } });
    expect(outcome.problems).toEqual([
      `alembic current shows no revision on ${shownDb}: alembic_version is missing or empty, migrations were never run here (run \`alembic upgrade head\`, or \`alembic stamp head\` if the schema is already there)`,
    ]);
  });

  it('reports the broken graph where alembic itself crashes with a traceback', async () => {
    const config = join(fixture('broken-graph-missing-down-revision'), 'alembic.ini');
    const url = await database(['0c0000000003']);
    const outcome = await probe({ config, mode: 'cli' }, { env: { DATABASE_URL: url } });
    expect(outcome.problems).toEqual([
      expect.stringMatching(/^0b0000000002 add_posts \(.*\) has down_revision 0dead0000000, which no migration defines$/),
    ]);
    expect(JSON.stringify(outcome)).not.toMatch(/Traceback|KeyError/);
  });

  it('chooses cli in auto mode for a database that is not PostgreSQL (SQLite here)', async () => {
    const dir = tempDir();
    try {
      const url = `sqlite:///${dir.path('app.db')}`;
      await realAlembic('linear-history', ['stamp', LINEAR[2]], url);
      const outcome = await probe(linear(url), { env: { DATABASE_URL: url } });
      expect(outcome.observations).toMatchObject({ mode: 'cli', current: [LINEAR[2]], pending: [{ revision: LINEAR[3] }] });
      expect(outcome.problems).toEqual([`1 pending on ${url}: 4d5e6f7a8b9c add_indexes`]);
    } finally {
      dir.remove();
    }
  });

  it('chooses cli in auto mode when script_location is a Python package resource, reading pending from alembic history', async () => {
    const url = await database(['5ba5e0000001']);
    const outcome = await probe({ database_url: url }, { cwd: fixture('package-resource-script-location'), env: { DATABASE_URL: url } });
    expect(outcome.observations).toMatchObject({
      mode: 'cli',
      current: ['5ba5e0000001'],
      heads: ['5a1000000002'],
      pending: [{ revision: '5a1000000002', slug: 'add_likes', message: 'add likes' }],
    });
    expect(outcome.problems).toEqual([`1 pending on ${shownDb}: 5a1000000002 add_likes`]);
  });

  it('fails on a wrong password in one line, without a traceback or the password', async () => {
    const url = server.urlFor({ user: 'app', password: WRONG_PASSWORD, database: 'postgres' });
    const error = await failure(linear('', { mode: 'cli' }), { env: { DATABASE_URL: url } });
    expect(error.message).toBe('alembic current failed: password authentication failed for user app');
    expect(error.message).not.toContain(WRONG_PASSWORD);
  });

  it('errors with the install command when the alembic CLI is missing', async () => {
    const error = await failure(linear('', { mode: 'cli', command: ['/nonexistent/bin/alembic'] }));
    expect(error).toBeInstanceOf(ProbeError);
    expect(error.message).toMatch(/^\/nonexistent\/bin\/alembic not found: install Alembic \(apt-get install -y alembic/);
  });
});

describe('alembic probe, cli mode: what env.py starts ends with alembic', () => {
  const started: PidLog[] = [];
  const dirs: ReturnType<typeof tempDir>[] = [];
  afterEach(() => {
    started.splice(0).forEach((p) => p.kill());
    dirs.splice(0).forEach((d) => d.remove());
  });

  /** The linear-history project whose env.py starts a sleeping child holding alembic's output, then hangs or goes on. */
  function projectWithSleepingChild(then: 'hang' | 'go-on'): { config: string; pids: PidLog } {
    const dir = tempDir();
    dirs.push(dir);
    cpSync(fixture('linear-history'), dir.dir, { recursive: true });
    const pids = pidLog(dir.dir);
    started.push(pids);
    const envPy = dir.path('migrations/env.py');
    const spawnChild = [
      'import os, subprocess, time',
      'child = subprocess.Popen(["sleep", "60"], stdin=subprocess.DEVNULL)',
      `with open(${JSON.stringify(pids.file)}, "a") as f:`,
      '    f.write(f"{os.getpid()}\\n{child.pid}\\n")',
      ...(then === 'hang' ? ['time.sleep(60)'] : []),
      '',
    ].join('\n');
    writeFileSync(envPy, `${spawnChild}${readFileSync(envPy, 'utf8')}`);
    return { config: dir.path('alembic.ini'), pids };
  }

  it('env.py hangs with a sleeping child: the item ends at its timeout and no process survives', async () => {
    const { config, pids } = projectWithSleepingChild('hang');
    const log = await runChecklistText(
      `id: db\ntitle: Database\nsections:\n  - id: m\n    title: M\n    items:\n      - id: cli\n        title: cli\n        timeout: 2s\n        probe: { kind: alembic, mode: cli, config: ${JSON.stringify(config)} }\n`,
      { DATABASE_URL: await database([LINEAR[3]]), PATH: process.env.PATH, HOME: process.env.HOME },
    );
    expect(log.items.map((i) => [i.id, i.status, i.message])).toEqual([['cli', 'fail', 'timed out after 2s']]);
    await vi.waitFor(() => expect(pids.running()).toEqual([]), { timeout: 1000 });
  });

  it('env.py leaves a sleeping child holding the output: the probe answers and the child ends', async () => {
    const { config, pids } = projectWithSleepingChild('go-on');
    const url = await database([LINEAR[3]]);
    const outcome = await probe({ config, mode: 'cli' }, { env: { DATABASE_URL: url }, timeoutMs: 10_000 });
    expect(outcome.problems).toEqual([]);
    expect(outcome.observations).toMatchObject({ mode: 'cli', at_head: true });
    await vi.waitFor(() => expect(pids.running()).toEqual([]), { timeout: 1000 });
  });
});

describe('alembic probe against a database that never answers', () => {
  let silent: SilentServer;
  beforeAll(async () => {
    silent = await startSilentServer();
  });
  afterAll(async () => {
    await silent?.close();
  });

  it('gives up after its timeout in native mode', async () => {
    const started = Date.now();
    const error = await failure(linear(`postgresql://app:${WRONG_PASSWORD}@${silent.address}/app`), { timeoutMs: 400 });
    expect(error.message).toBe(`connection to ${silent.address} timed out after 400ms`);
    expect(Date.now() - started).toBeLessThan(5000);
  });
});

describe('alembic items in a checklist', () => {
  let silent: SilentServer;
  beforeAll(async () => {
    silent = await startSilentServer();
  });
  afterAll(async () => {
    await silent?.close();
  });

  function checklist(items: string): string {
    return `id: db\ntitle: Database\nsections:\n  - id: migrations\n    title: Migrations\n    items:\n${items}`;
  }

  const run = (source: string, env: Record<string, string | undefined>): Promise<RunLog> => runChecklistText(source, env);

  it('reads ALEMBIC_CONFIG and DATABASE_URL by default and judges expect: on the observations', async () => {
    const behind = await database([LINEAR[1]]);
    const log = await run(
      checklist(`
      - id: migrations-head
        title: Migrations at head
        probe: { kind: alembic }
      - id: migrations-count
        title: Two migrations to apply
        probe:
          kind: alembic
          expect: [pending.length == 2, "pending.0.slug == 'add_search_index'", at_head == false]
`),
      { ALEMBIC_CONFIG: join(fixture('linear-history'), 'alembic.ini'), DATABASE_URL: behind, PATH: process.env.PATH },
    );
    expect(log.items.map((i) => [i.id, i.status, i.message])).toEqual([
      ['migrations-head', 'fail', `2 pending on ${shown(behind)}: 3c4d5e6f7a8b add_search_index, 4d5e6f7a8b9c add_indexes`],
      ['migrations-count', 'pass', expect.any(String)],
    ]);
  });

  it('ends with "timed out after" when the database never answers, in native and in cli mode', async () => {
    const started = Date.now();
    const log = await run(
      checklist(`
      - id: native
        title: Migrations at head (native)
        timeout: 500ms
        probe: { kind: alembic, mode: native }
      - id: cli
        title: Migrations at head (cli)
        timeout: 2s
        probe: { kind: alembic, mode: cli }
`),
      {
        ALEMBIC_CONFIG: join(fixture('linear-history'), 'alembic.ini'),
        DATABASE_URL: `postgresql://app:${WRONG_PASSWORD}@${silent.address}/app`,
        PATH: process.env.PATH,
      },
    );
    expect(log.items.map((i) => [i.id, i.status, i.message])).toEqual([
      ['native', 'fail', 'timed out after 500ms'],
      ['cli', 'fail', 'timed out after 2s'],
    ]);
    expect(Date.now() - started).toBeLessThan(15_000);
  });

  it('prints the pending revisions through the built CLI and exits 1', async () => {
    const url = await database([LINEAR[2]]);
    const dir = tempDir({
      'db.yaml': checklist(`
      - id: migrations-head
        title: Migrations at head
        probe: { kind: alembic, config: ${JSON.stringify(join(fixture('linear-history'), 'alembic.ini'))} }
`),
    });
    try {
      const result = await runCli(['check', 'db.yaml', '--ci', '--log-dir', dir.path('runs')], {
        cwd: dir.dir,
        env: { DATABASE_URL: url },
      });
      expect(result.stdout).toContain(`1 pending on ${shown(url)}: 4d5e6f7a8b9c add_indexes`);
      expect(result.stdout + result.stderr).not.toContain(APP_PASSWORD);
      expect(result.code).toBe(1);
    } finally {
      dir.remove();
    }
  });
});
