import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { join } from 'node:path';
import { parse } from 'yaml';
import { afterEach, describe, expect, it } from 'vitest';
import { REPO_ROOT, runCli } from '../support/cli.js';
import { tempDir } from '../support/tmp.js';

/** Markdown checklists of the shapes found in public release checklists (issue templates, QA plans, runbooks). */
const SHAPES = join(REPO_ROOT, 'tests/fixtures/import-shapes');

interface Item {
  id: string;
  title: string;
  description?: string;
  optional?: boolean;
  tags?: string[];
  manual: { instructions: string; commands?: string[]; links?: string[]; roles?: string[] };
}
interface Imported {
  id: string;
  title: string;
  roles?: Record<string, { title: string }>;
  sections: { id: string; title: string; items: Item[] }[];
}

const items = (doc: Imported): Item[] => doc.sections.flatMap((s) => s.items);
const byTitle = (doc: Imported, start: string): Item => {
  const found = items(doc).filter((i) => i.title.startsWith(start));
  expect(found, `one item titled "${start}…"`).toHaveLength(1);
  return found[0]!;
};
const summary = (stderr: string): string => stderr.split('\n').find((l) => l.includes('checkboxes found'))!;

async function importShape(name: string, extra: string[] = []): Promise<{ code: number | null; stderr: string; doc: Imported }> {
  const r = await runCli(['import', join(SHAPES, name), ...extra]);
  return { code: r.code, stderr: r.stderr, doc: parse(r.stdout) as Imported };
}

function expectGoodIds(doc: Imported): void {
  const ids = [...items(doc).map((i) => i.id), ...doc.sections.map((s) => s.id)];
  for (const id of ids) {
    expect(id).toMatch(/^[a-z0-9]+(?:-[a-z0-9]+)*$/);
    expect(id.length).toBeLessThanOrEqual(64);
  }
  expect(new Set(items(doc).map((i) => i.id)).size).toBe(items(doc).length);
}

describe('sfdeploy import: every checkbox becomes exactly one item', () => {
  let tmp: ReturnType<typeof tempDir> | undefined;
  afterEach(() => tmp?.remove());

  it('an issue template without a # heading: front matter title, ## sections, 1. [ ] items, wrapped lines, nested boxes, reference links', async () => {
    const { code, stderr, doc } = await importShape('issue-template.md');
    expect(code).toBe(0);
    expect(summary(stderr)).toBe('10 checkboxes found, 10 items written, in 3 sections; it validates (sfdeploy validate)');
    expect(doc.title).toBe('widget vA.B.C release');
    expect(doc.sections.map((s) => s.title)).toEqual(['Getting ready', 'Before tagging', 'Build']);
    expect(byTitle(doc, 'Announce the release').title).toBe('Announce the release in #releases: Starting vA.B.C');
    expect(byTitle(doc, 'Announce the release').manual.commands).toBeUndefined();
    expect(byTitle(doc, 'Ask the security team').title).toBe('Ask the security team whether fixes must go in this release.');
    const token = byTitle(doc, 'Export a RELEASE_TOKEN');
    expect(token.description).toBe(
      'Export a RELEASE_TOKEN with write access. Only classic tokens are accepted today, with the repo scope.',
    );
    expect(token.title.length).toBeLessThanOrEqual(100);
    expect(token.manual.links).toEqual(['https://tokens.example.com/new', 'https://tracker.example.com/tokens']);
    expect(byTitle(doc, 'Make sure no blocking').manual.links).toEqual(['https://tracker.example.com/blockers']);
    const child = byTitle(doc, 'Clone the charts and tools repositories › Run git clone https://git.example.com/charts.git');
    expect(child.manual.commands).toEqual(['git clone https://git.example.com/charts.git']);
    const grandchild = items(doc).find((i) => i.id === 'if-you-have-it-already-make-sure-the-tools-binary-is-current')!;
    expect(grandchild.title).toMatch(/^Run git clone… › If you have it already/);
    expect(grandchild.description).toContain('Clone the charts and tools repositories: › Run git clone');
    expect(grandchild.manual.commands).toEqual(['git checkout main && git pull && make']);
    expect(byTitle(doc, 'Clone the charts and tools repositories:').manual.commands).toBeUndefined();
    const build = byTitle(doc, 'Run the build');
    expect(build.manual.commands).toEqual(['make release VERSION=vA.B.C']);
    expect(build.manual.instructions).toContain('Reference (yaml):\nimage: widget:vA.B.C');
    expectGoodIds(doc);
  });

  it('titles are plain text: emphasis, code marks and HTML removed, links moved to links:, long titles cut', async () => {
    const { code, stderr, doc } = await importShape('lazy-and-marks.md');
    expect(code).toBe(0);
    expect(summary(stderr)).toMatch(/^9 checkboxes found, 9 items written, in 1 section;/);
    expect(byTitle(doc, 'Verify that').description).toBe(
      "Verify that the payment provider's sandbox keys are replaced by live keys before the announcement goes out to customers",
    );
    const read = byTitle(doc, 'Read all');
    expect(read.title).toBe('Read all of the runbook and docs/deploy.md');
    expect(read.manual.links).toEqual(['https://runbook.example.com/deploy']);
    for (const i of items(doc)) expect(i.title).not.toMatch(/[*_`<>]|\]\(/);
    const long = byTitle(doc, 'An item whose title');
    expect(long.title.length).toBeLessThanOrEqual(100);
    expect(long.title.endsWith('…')).toBe(true);
    expect(long.description).toMatch(/because it explains the reason for the step in full$/);
    expect(
      items(doc)
        .filter((i) => i.optional)
        .map((i) => i.id),
    ).toEqual(['rotate-api-keys', 'update-the-status-page', 'optional-send-the-newsletter']);
    expect(byTitle(doc, 'Check https://status').manual.links).toEqual(['https://status.example.com']);
    expect(items(doc).map((i) => i.title)).toContain('Plus-marked item');
    expect(items(doc).map((i) => i.title)).toContain('Star-marked item, checked');
    expectGoodIds(doc);
  });

  it('bold pseudo-headings become tags, nested boxes keep their parent, boxes in code and fences are not items, quoted boxes are', async () => {
    const { code, stderr, doc } = await importShape('nested-and-labels.md');
    expect(code).toBe(0);
    expect(summary(stderr)).toMatch(/^9 checkboxes found, 9 items written, in 2 sections;/);
    expect(byTitle(doc, 'Backend unit tests').tags).toEqual(['testing', 'unit-tests']);
    expect(byTitle(doc, 'API contract tests pass › Payments').tags).toEqual(['testing', 'integration-tests']);
    expect(byTitle(doc, 'Browsers › Chrome').id).toBe('chrome');
    expect(byTitle(doc, 'Backend unit tests').manual.commands).toEqual([
      'curl -fsS https://staging.example.com/health',
      './scripts/smoke.sh staging',
    ]);
    const settings = byTitle(doc, 'Settings reviewed');
    expect(settings.manual.commands).toBeUndefined();
    expect(settings.manual.instructions).toContain('Reference (json):\n{ "debug": false }');
    expect(byTitle(doc, 'A quoted checkbox').id).toBe('a-quoted-checkbox-is-still-a-checkbox');
    expect(items(doc).some((i) => /not an item|nor inside/.test(i.title))).toBe(false);
  });

  it('a sign-off block becomes approval items with declared roles; dates and "deployed by" are not roles', async () => {
    tmp = tempDir();
    const r = await runCli(['import', join(SHAPES, 'signoff-block.md'), '-o', tmp.path('mobile.yaml')]);
    expect(r.code).toBe(0);
    expect(summary(r.stderr)).toMatch(/^2 checkboxes found, 2 items written, plus 4 approval items from sign-off lines, in 2 sections/);
    const doc = parse(readFileSync(tmp.path('mobile.yaml'), 'utf8')) as Imported;
    expect(doc.roles).toEqual({
      'qa-lead': { title: 'QA Lead' },
      'release-manager': { title: 'Release Manager' },
      'product-owner': { title: 'Product Owner' },
      'engineering-lead': { title: 'Engineering Lead' },
    });
    const signoff = doc.sections.find((s) => s.id === 'sign-off')!;
    expect(signoff.items.map((i) => [i.id, i.manual.roles])).toEqual([
      ['qa-lead-sign-off', ['qa-lead']],
      ['release-manager-sign-off', ['release-manager']],
      ['product-owner-sign-off', ['product-owner']],
      ['engineering-lead-sign-off', ['engineering-lead']],
    ]);
    const validated = await runCli(['validate', tmp.path('mobile.yaml')]);
    expect(validated.code).toBe(0);
  });

  it('task items in an approvals section are signed by the role they name', async () => {
    tmp = tempDir({
      'a.md': '# R\n## Deployment Approval\n- [ ] Engineering Lead\n- [ ] CTO (for major releases)\n- [ ] Check the dashboards\n',
    });
    const r = await runCli(['import', 'a.md'], { cwd: tmp.dir });
    expect(r.code).toBe(0);
    const doc = parse(r.stdout) as Imported;
    expect(items(doc).map((i) => i.manual.roles)).toEqual([['engineering-lead'], ['cto'], ['check-the-dashboards']]);
    expect(Object.keys(doc.roles!)).toEqual(['engineering-lead', 'cto', 'check-the-dashboards']);
  });

  it('CRLF line endings import exactly like LF', async () => {
    tmp = tempDir();
    const lf = readFileSync(join(SHAPES, 'issue-template.md'), 'utf8');
    tmp.write('lf/release.md', lf);
    tmp.write('crlf/release.md', lf.replace(/\n/g, '\r\n'));
    const a = await runCli(['import', 'lf/release.md'], { cwd: tmp.dir });
    const b = await runCli(['import', 'crlf/release.md'], { cwd: tmp.dir });
    expect(b.code).toBe(0);
    expect(b.stdout).toBe(a.stdout);
    expect(summary(b.stderr)).toBe(summary(a.stderr));
  });

  it('the title comes from the only # heading, else front matter title:/name:, else the file name; boxes before any heading get a section', async () => {
    tmp = tempDir({
      'named.md': '---\nname: Weekly ops review\nabout: x\n---\n- [ ] Look at the error budget\n',
      'release-steps.md': '- [ ] First\n\n## Later\n- [ ] Second\n',
      'two-h1.md': '# Part one\n- [ ] A\n# Part two\n- [ ] B\n',
    });
    const named = parse((await runCli(['import', 'named.md'], { cwd: tmp.dir })).stdout) as Imported;
    expect(named.title).toBe('Weekly ops review');
    expect(named.sections.map((s) => [s.title, s.items.length])).toEqual([['Weekly ops review', 1]]);
    const plain = parse((await runCli(['import', 'release-steps.md'], { cwd: tmp.dir })).stdout) as Imported;
    expect(plain.title).toBe('release-steps');
    expect(plain.sections.map((s) => s.title)).toEqual(['release-steps', 'Later']);
    const twoH1 = parse((await runCli(['import', 'two-h1.md'], { cwd: tmp.dir })).stdout) as Imported;
    expect(twoH1.title).toBe('two-h1');
    expect(twoH1.sections.map((s) => s.title)).toEqual(['Part one', 'Part two']);
  });

  it('ids stay unique and at most 64 characters however many titles clash', async () => {
    const title = 'Verify the production database replication lag stays below the agreed threshold';
    tmp = tempDir();
    tmp.write(
      'many.md',
      `# Many\n${Array.from({ length: 30 }, (_, s) => `## A section with a long name that keeps going ${s % 3}\n${`- [ ] ${title}\n`.repeat(4)}`).join('')}`,
    );
    const r = await runCli(['import', 'many.md'], { cwd: tmp.dir });
    expect(r.code).toBe(0);
    const doc = parse(r.stdout) as Imported;
    expect(items(doc)).toHaveLength(120);
    expectGoodIds(doc);
  });

  it('checkbox-like text that is not a task-list item is listed with its line, and the exit code says the import is incomplete', async () => {
    tmp = tempDir();
    const r = await runCli(['import', join(SHAPES, 'broken-boxes.md'), '-o', tmp.path('ops.yaml')]);
    expect(r.code).toBe(1);
    const file = join(SHAPES, 'broken-boxes.md');
    expect(r.stderr.split('\n').filter((l) => l.startsWith('not imported: '))).toEqual([
      `not imported: ${file}:6: a checkbox without a list marker: write "- [ ] text" on its own line, after a blank line: [ ] A box without a list marker`,
      `not imported: ${file}:8: "[]" is not a checkbox: write "[ ]" with a space: - [] A box without the space`,
      `not imported: ${file}:9: a checkbox with no text: - [ ]`,
      `not imported: ${file}:12: a checkbox that Markdown does not read as a task-list item here (inside HTML, or needing a blank line before it): - [ ] inside an HTML block`,
      `not imported: ${file}:21: a checkbox in a table cell: write it as a task-list item (- [ ] text): | Disk | [ ] |`,
    ]);
    expect(r.stderr).toContain('note: line 16: a checkbox inside an HTML comment was not imported: - [ ] commented out\n');
    expect(summary(r.stderr)).toMatch(/^6 checkboxes found, 1 items? written, in 1 section into /);
    expect(r.stderr).toContain('5 of 6 checkboxes were not imported (listed above)\n');
    expect(items(parse(readFileSync(tmp.path('ops.yaml'), 'utf8')) as Imported)).toHaveLength(1);
  });

  it('a checklist kept in a table is refused with a clear error, and so is a file that is not Markdown text', async () => {
    const r = await runCli(['import', join(SHAPES, 'table-only.md')]);
    expect(r.code).toBe(2);
    expect(r.stderr).toBe(
      `error: ${join(SHAPES, 'table-only.md')}:5: the checkboxes are in a table (3 rows); sfdeploy import reads task lists: write each row as "- [ ] text"\n`,
    );
    tmp = tempDir();
    writeFileSync(tmp.path('bin.md'), Buffer.from([0x2d, 0x20, 0x5b, 0x20, 0x5d, 0x20, 0xff, 0xfe, 0x0a]));
    const notText = await runCli(['import', 'bin.md'], { cwd: tmp.dir });
    expect(notText.code).toBe(2);
    expect(notText.stderr).toBe('error: bin.md is not UTF-8 text\n');
    const dir = await runCli(['import', '.'], { cwd: tmp.dir });
    expect(dir.code).toBe(2);
    expect(dir.stderr).toBe('error: cannot read .: it is a directory\n');
  });
});

describe('sfdeploy import: sign-off checkboxes', () => {
  it('a checkbox with a named blank under a sign-off heading is signed by that role; dates and metrics blanks are no roles', async () => {
    const r = await runCli(['import', join(SHAPES, 'signoff-checkboxes.md')]);
    expect(r.code).toBe(0);
    expect(summary(r.stderr)).toMatch(/^5 checkboxes found, 5 items written, plus 1 approval item from sign-off lines, in 3 sections;/);
    const doc = parse(r.stdout) as Imported;
    expect(doc.roles).toEqual({
      'tech-lead': { title: 'Tech Lead' },
      architect: { title: 'Architect' },
      'frontend-lead': { title: 'Frontend Lead' },
    });
    expect(items(doc).map((i) => [i.title, i.manual.roles ?? []])).toEqual([
      ['Performance impact: ____', []],
      ['Coverage increased by: ____%', []],
      ['Tech Lead: ____________ Date: ______', ['tech-lead']],
      ['Architect: ____________ Date: ______', ['architect']],
      ['Date: ____________', []],
      ['Frontend Lead sign-off', ['frontend-lead']],
    ]);
  });
});

describe('sfdeploy import: the Markdown parser is loaded by import only', () => {
  let tmp: ReturnType<typeof tempDir> | undefined;
  afterEach(() => tmp?.remove());

  it('validate and --help do not load micromark or mdast; import does', async () => {
    tmp = tempDir();
    const traced = async (args: string[], name: string): Promise<string> => {
      const file = tmp!.path(`${name}.txt`);
      const r = await runCli(args, {
        env: {
          NODE_OPTIONS: `--import=${fileURLToPath(new URL('../fixtures/trace-imports.mjs', import.meta.url))}`,
          TRACE_IMPORTS_FILE: file,
        },
      });
      expect(r.code, r.stderr).toBe(0);
      return readFileSync(file, 'utf8');
    };
    const parser = /\/dist\/chunks\/mdast-[^/]+\.js|node_modules\/(micromark|mdast-util-)/;
    expect(await traced(['validate', 'pre'], 'validate')).not.toMatch(parser);
    expect(await traced(['--help'], 'help')).not.toMatch(parser);
    expect(await traced(['import', join(SHAPES, 'lazy-and-marks.md')], 'import')).toMatch(parser);
  });
});
