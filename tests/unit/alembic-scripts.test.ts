import { describe, expect, it } from 'vitest';
import { describeAlembicFailure, parseHistory, parseRevisionLines } from '../../src/probes/alembic/cli.js';
import { iniOption, parseIni } from '../../src/probes/alembic/config.js';
import { buildGraph, pendingRevisions } from '../../src/probes/alembic/graph.js';
import { parseLiteral } from '../../src/probes/alembic/python-literal.js';
import { parseMigration, type Migration } from '../../src/probes/alembic/scripts.js';

const script = (body: string, doc = 'add users'): string =>
  `"""${doc}\n\nRevision ID: x\nRevises: y\n"""\nfrom alembic import op\n\n${body}\n\ndef upgrade():\n    pass\n`;

function migration(source: string, file = 'versions/a1b2c3_add_users.py'): Migration {
  const m = parseMigration(source, file);
  if (typeof m === 'string') throw new Error(m);
  return m;
}

describe('reading migration scripts without Python', () => {
  it('reads revision ids in single, double and triple quotes, plain or annotated', () => {
    expect(migration(script(`revision = 'a1b2c3'\ndown_revision = None`)).revision).toBe('a1b2c3');
    expect(migration(script(`revision = "a1b2c3"`)).revision).toBe('a1b2c3');
    expect(migration(script(`revision: str = "a1b2c3"\ndown_revision: Union[str, None] = 'f0f0f0'`))).toMatchObject({
      revision: 'a1b2c3',
      downRevisions: ['f0f0f0'],
    });
    expect(migration(script(`revision = """a1b2c3"""`)).revision).toBe('a1b2c3');
    expect(migration(script(`revision = r'a1b2c3'  # id`)).revision).toBe('a1b2c3');
  });

  it('reads merges written as tuples or lists, on one line or several', () => {
    expect(migration(script(`revision = 'm1'\ndown_revision = ('a1', 'b2')`)).downRevisions).toEqual(['a1', 'b2']);
    expect(migration(script(`revision = 'm1'\ndown_revision = ["a1", "b2"]`)).downRevisions).toEqual(['a1', 'b2']);
    expect(migration(script(`revision = 'm1'\ndown_revision = (\n    "a1",  # billing\n    "b2",\n)`)).downRevisions).toEqual(['a1', 'b2']);
    expect(migration(script(`revision = 'm1'\ndown_revision = 'a1', 'b2'`)).downRevisions).toEqual(['a1', 'b2']);
    expect(migration(script(`revision = 'm1'\ndown_revision = ('a1')`)).downRevisions).toEqual(['a1']);
    expect(migration(script(`revision = 'm1'\ndown_revision = ('a1',)`)).downRevisions).toEqual(['a1']);
  });

  it('reads branch_labels and depends_on as strings, sequences or None', () => {
    const m = migration(
      script(`revision = 'r1'\ndown_revision = None\nbranch_labels: Union[str, Sequence[str], None] = ('billing',)\ndepends_on = 'x9'`),
    );
    expect(m).toMatchObject({ downRevisions: [], branchLabels: ['billing'], dependsOn: ['x9'] });
    expect(migration(script(`revision = 'r1'\nbranch_labels = None\ndepends_on = None`))).toMatchObject({
      branchLabels: [],
      dependsOn: [],
    });
  });

  it('ignores assignments inside functions and text inside docstrings', () => {
    const source = `"""add users\n\nrevision = "in-docstring"\n"""\nrevision = 'r1'\ndown_revision = None\n\ndef upgrade():\n    revision = "in-function"\n`;
    expect(migration(source).revision).toBe('r1');
  });

  it('takes the message from the docstring and the slug from the file name', () => {
    const m = migration(script(`revision = 'a1b2c3'`, 'add users\ntable'), 'versions/2024_01_01_1200-a1b2c3_add_users_table.py');
    expect(m).toMatchObject({ message: 'add users table', slug: 'add_users_table' });
    expect(migration(script(`revision = 'a1b2c3'`, 'Add Users!'), 'versions/0001.py').slug).toBe('add_users');
  });

  it('names the file and line of values it cannot read, and files without a revision', () => {
    expect(parseMigration(script(`revision = make_id()`), 'versions/x.py')).toBe(
      'versions/x.py:8: cannot read revision (expected a string, a tuple or list of strings, or None)',
    );
    expect(parseMigration(script(`down_revision = None`), 'versions/helpers.py')).toBe(
      'versions/helpers.py declares no revision (alembic refuses a migration without revision = "...")',
    );
  });

  it('evaluates only literals', () => {
    expect(parseLiteral(`'a' "b"`)).toEqual({ ok: true, value: 'ab' });
    expect(parseLiteral(`None`)).toEqual({ ok: true, value: null });
    expect(parseLiteral(`()`)).toEqual({ ok: true, value: [] });
    expect(parseLiteral(`'a\\'b'`)).toEqual({ ok: true, value: "a'b" });
    expect(parseLiteral(`f'{x}'`).ok).toBe(false);
    expect(parseLiteral(`os.environ['X']`).ok).toBe(false);
    expect(parseLiteral(`('a', None)`).ok).toBe(false);
  });
});

describe('the revision graph', () => {
  const m = (revision: string, down: string[] = [], extra: Partial<Migration> = {}): Migration => ({
    revision,
    downRevisions: down,
    dependsOn: [],
    branchLabels: [],
    message: '',
    slug: `slug_${revision}`,
    file: `${revision}.py`,
    ...extra,
  });

  it('lists pending revisions parents first, through a merge', () => {
    const graph = buildGraph([m('base'), m('b1', ['base']), m('b2', ['base']), m('merge', ['b1', 'b2']), m('top', ['merge'])]);
    expect(graph.heads).toEqual(['top']);
    expect(pendingRevisions(graph, ['b1']).map((x) => x.revision)).toEqual(['b2', 'merge', 'top']);
    expect(pendingRevisions(graph, ['b1', 'b2']).map((x) => x.revision)).toEqual(['merge', 'top']);
    expect(pendingRevisions(graph, ['top'])).toEqual([]);
    expect(pendingRevisions(graph, []).map((x) => x.revision)).toEqual(['base', 'b1', 'b2', 'merge', 'top']);
  });

  it('applies dependencies first, by revision or branch label', () => {
    const graph = buildGraph([m('a1'), m('x1', [], { branchLabels: ['billing'] }), m('a2', ['a1'], { dependsOn: ['billing'] })]);
    expect(graph.errors).toEqual([]);
    expect(pendingRevisions(graph, ['a1']).map((x) => x.revision)).toEqual(['x1', 'a2']);
  });

  it('reports every defect at once: missing parents and dependencies, duplicates, cycles', () => {
    const graph = buildGraph([
      m('a'),
      m('b', ['gone']),
      m('c', ['a'], { dependsOn: ['nolabel'] }),
      m('a', [], { file: 'copy.py' }),
      m('x', ['y']),
      m('y', ['x']),
    ]);
    expect(graph.errors).toEqual([
      'revision a is defined twice: a.py and copy.py',
      'b slug_b (b.py) has down_revision gone, which no migration defines',
      'c slug_c (c.py) depends on nolabel, which is neither a revision nor a branch label',
      'revision cycle: x -> y -> x',
    ]);
  });
});

describe('reading the alembic CLI', () => {
  it('takes revision ids from current and heads, markers and labels aside', () => {
    expect(parseRevisionLines('f00000000001 (billing) (head)\n5a1 (head)\n\n')).toEqual(['f00000000001', '5a1']);
    expect(parseRevisionLines('b1 (effective head)\nb1 (head)')).toEqual(['b1']);
  });

  it('rebuilds the graph from alembic history', () => {
    const history = [
      'e0e000000001 (billing) -> f00000000001 (billing) (head), add invoices',
      'b1a000000001, b2c000000001 -> e0e000000001 (billing) (mergepoint), merge billing and media',
      'ba5e00000001 -> b2c000000001, add media',
      'ba5e00000001 -> b1a000000001 (billing), add billing',
      '<base> -> ba5e00000001 (branchpoint), create accounts',
    ].join('\n');
    const graph = buildGraph(parseHistory(history));
    expect(graph.errors).toEqual([]);
    expect(graph.heads).toEqual(['f00000000001']);
    expect(pendingRevisions(graph, ['b1a000000001']).map((x) => `${x.revision} ${x.slug}`)).toEqual([
      'b2c000000001 add_media',
      'e0e000000001 merge_billing_and_media',
      'f00000000001 add_invoices',
    ]);
  });

  it('turns a failure into one line: FAILED lines, the last exception, driver errors reworded', () => {
    expect(describeAlembicFailure('', "FAILED: Can't locate revision identified by 'ffff'")).toBe(
      "Can't locate revision identified by 'ffff'",
    );
    const traceback = [
      'Traceback (most recent call last):',
      '  File "/usr/bin/alembic", line 33, in <module>',
      'sqlalchemy.exc.OperationalError: (psycopg2.OperationalError) connection to server at "127.0.0.1", port 5999 failed: Connection refused',
      '\tIs the server running on that host and accepting TCP/IP connections?',
      '',
      '(Background on this error at: https://sqlalche.me/e/14/e3q8)',
    ].join('\n');
    expect(describeAlembicFailure(traceback, '')).toBe('connection refused at 127.0.0.1:5999');
    expect(describeAlembicFailure('Traceback (most recent call last):\n  File "x"\nKeyError: \'0dead\'', '')).toBe(
      'a migration names revision 0dead, which no migration defines',
    );
    expect(describeAlembicFailure('ValueError: bad url postgresql://app:hunter2@db/x', '')).toBe('bad url postgresql://app:***@db/x');
  });
});

describe('alembic.ini', () => {
  it('interpolates %(here)s, other options and %% like ConfigParser', () => {
    const ini = parseIni(
      '[DEFAULT]\nroot = /srv\n\n[alembic]\nScript_Location = %(here)s/migrations\nversion_locations = %(root)s/a\n  %(root)s/b\nfile_template = %%(rev)s\n# comment = no\n',
    );
    const defaults = { here: '/app' };
    expect(iniOption(ini, 'alembic', 'script_location', defaults)).toBe('/app/migrations');
    expect(iniOption(ini, 'alembic', 'version_locations', defaults)).toBe('/srv/a\n/srv/b');
    expect(iniOption(ini, 'alembic', 'file_template', defaults)).toBe('%(rev)s');
    expect(iniOption(ini, 'alembic', 'comment', defaults)).toBeUndefined();
  });

  it("replaces alembic's 'use the init command' hint for a wrong working directory with sfdeploy's", () => {
    const stderr = "  FAILED: Path doesn't exist: '/srv/deploy/alembic'.  Please use the 'init' command to create a new scripts folder.";
    expect(describeAlembicFailure(stderr, '')).toBe(
      "the migration scripts folder /srv/deploy/alembic does not exist here: run sfdeploy from the application's repository, or point ALEMBIC_CONFIG (the probe's config) at its alembic.ini",
    );
  });
});
