import { mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { join, relative } from 'node:path';
import { parse } from 'yaml';
import { afterEach, describe, expect, it } from 'vitest';
import { REPO_ROOT, runCli } from '../support/cli.js';
import { tempDir } from '../support/tmp.js';

/** A copy of the seed document the bundled checklists were written from. */
const SEED = join(REPO_ROOT, 'tests/fixtures/seed/DEPLOYMENT_CHECKLIST.md');
const RUNBOOK = join(REPO_ROOT, 'tests/fixtures/import-runbook/runbook.md');

interface Imported {
  id: string;
  sections: { id: string; title: string; items: { id: string; title: string; manual: { instructions: string; commands?: string[] } }[] }[];
}

describe('sfdeploy import', () => {
  let tmp: ReturnType<typeof tempDir>;
  afterEach(() => tmp?.remove());

  it('turns every checkbox of the seed into a manual item of a checklist that validates', async () => {
    tmp = tempDir();
    const checkboxes = readFileSync(SEED, 'utf8')
      .split('\n')
      .filter((l) => /^\s*[-*+] \[[ xX]\] /.test(l));
    expect(checkboxes).toHaveLength(187);
    const r = await runCli(['import', SEED, '-o', tmp.path('checklists/seed.yaml')], { cwd: tmp.dir });
    expect(r.code).toBe(0);
    expect(r.stderr.split('\n').at(-2)).toBe(
      '187 checkboxes found, 187 items written, in 28 sections into checklists/seed.yaml; it validates (sfdeploy validate)',
    );
    const doc = parse(readFileSync(tmp.path('checklists/seed.yaml'), 'utf8')) as Imported;
    const items = doc.sections.flatMap((s) => s.items);
    // titles are plain text: the seed's only inline marks are code spans
    expect(items.map((i) => i.title)).toEqual(
      checkboxes.map((l) =>
        l
          .replace(/^\s*[-*+] \[[ xX]\] /, '')
          .replace(/`/g, '')
          .trim(),
      ),
    );
    expect(new Set(items.map((i) => i.id)).size).toBe(187);
    for (const id of [...items.map((i) => i.id), ...doc.sections.map((s) => s.id)]) expect(id).toMatch(/^[a-z0-9]+(?:-[a-z0-9]+)*$/);
    const validated = await runCli(['validate', tmp.path('checklists/seed.yaml')], { cwd: tmp.dir });
    expect(validated.code).toBe(0);
    expect(validated.stdout).toBe('✔ checklists/seed.yaml social-flow-backend-deployment-checklist: 187 items, 0 automated, 187 manual\n');
  });

  it('gives the same ids on every import, so sign-offs keep pointing at the same items', async () => {
    tmp = tempDir();
    const first = await runCli(['import', SEED], { cwd: tmp.dir });
    const second = await runCli(['import', SEED], { cwd: tmp.dir });
    expect(first.stdout).toBe(second.stdout);
    const doc = parse(first.stdout) as Imported;
    const database = doc.sections.find((s) => s.id === 'database')!;
    expect(database.items.map((i) => i.id).slice(0, 6)).toEqual([
      'production-database-created',
      'database-user-created-with-appropriate-permissions',
      'connection-pooling-configured',
      'database-backups-configured',
      'run-all-migrations',
      'verify-migrations-applied',
    ]);
    expect(database.items[0]!.manual.commands).toEqual([
      'alembic current  # Check current version',
      'alembic upgrade head  # Run migrations',
      'psql -d socialflow -c "\\dt"  # Verify all tables created',
      'psql -d socialflow -c "\\di"  # Verify indexes',
    ]);
    const ids = doc.sections.flatMap((s) => s.items.map((i) => i.id));
    expect(ids).toContain('health-checks-passing');
    expect(ids).toContain('verification-health-checks-passing');
  });

  it('reports what it could not import: headings without checkboxes', async () => {
    tmp = tempDir();
    const r = await runCli(['import', SEED, '-o', tmp.path('seed.yaml')], { cwd: tmp.dir });
    expect(r.stderr.split('\n').filter((l) => l.startsWith('note: line '))).toEqual([
      'note: line 377: Rollback Procedure: no checkboxes, so 1 line of text could not be imported',
      'note: line 381: Rollback Procedure › Immediate Actions: no checkboxes, so 3 lines of text could not be imported',
      'note: line 386: Rollback Procedure › Rollback Steps: no checkboxes, so 1 code block could not be imported',
      'note: line 433: Success Criteria: no checkboxes, so 24 lines of text could not be imported',
      'note: line 465: Emergency Contacts: no checkboxes, so 5 lines of text could not be imported',
      'note: line 490: Notes: no checkboxes, so 3 lines of text and 1 code block could not be imported',
    ]);
  });

  it('maps headings to sections, checkboxes to manual items and code blocks to their commands or instructions', async () => {
    tmp = tempDir();
    const r = await runCli(['import', RUNBOOK, '-o', tmp.path('runbook.yaml')], { cwd: tmp.dir });
    expect(r.code).toBe(0);
    expect(readFileSync(tmp.path('runbook.yaml'), 'utf8').split('\n').slice(1).join('\n')).toMatchInlineSnapshot(`
      "# Imported from runbook.md by sfdeploy import: 3 sections, 6 manual items.
      # Replace manual items with probes where a check can be automated (sfdeploy probes lists them).
      id: payments-runbook
      title: Payments Runbook
      description: Intro text that belongs to no section.
      roles:
        engineering-lead:
          title: Engineering Lead
      sections:
        - id: database
          title: Database
          description: Part of "Before the release".
          items:
            - id: backups-verified
              title: Backups verified (optional, weekly)
              optional: true
              tags:
                - before-the-release
              manual:
                instructions: Backups verified (optional, weekly)
                commands:
                  - "alembic current  # Check current version"
                  - |-
                    psql -d app \\
                      -c "\\dt"
            - id: run-migrations
              title: "Run migrations: alembic upgrade head"
              tags:
                - before-the-release
              manual:
                instructions: "Run migrations: alembic upgrade head"
                commands:
                  - alembic upgrade head
                  - "alembic current  # Check current version"
                  - |-
                    psql -d app \\
                      -c "\\dt"
            - id: health-checks-passing-look-at-the-dashboard-first
              title: Health checks passing Look at the dashboard first.
              tags:
                - before-the-release
              manual:
                instructions: |-
                  Health checks passing Look at the dashboard first.
                  then the logs
                commands:
                  - "alembic current  # Check current version"
                  - |-
                    psql -d app \\
                      -c "\\dt"
        - id: config
          title: Config
          description: Part of "Before the release".
          items:
            - id: health-checks-passing
              title: Health checks passing
              tags:
                - before-the-release
              manual:
                instructions: |-
                  Health checks passing

                  Reference (ini):
                  [app]
                  debug = false
            - id: secrets-set
              title: Secrets set
              tags:
                - before-the-release
              manual:
                instructions: |-
                  Secrets set

                  Reference (ini):
                  [app]
                  debug = false
        - id: approvals
          title: Approvals
          items:
            - id: engineering-lead
              title: Engineering Lead
              tags:
                - approvals
              manual:
                instructions: Engineering Lead
                roles:
                  - engineering-lead
      "
    `);
  });

  it('refuses to overwrite an existing file without --force, and a document without checkboxes', async () => {
    tmp = tempDir({ 'out.yaml': 'keep me\n', 'empty.md': '# Nothing\n\nJust text.\n' });
    const exists = await runCli(['import', RUNBOOK, '-o', 'out.yaml'], { cwd: tmp.dir });
    expect(exists.code).toBe(2);
    expect(exists.stderr).toBe('error: out.yaml exists: choose another --output, or add --force to overwrite it\n');
    expect(readFileSync(tmp.path('out.yaml'), 'utf8')).toBe('keep me\n');
    const forced = await runCli(['import', RUNBOOK, '-o', 'out.yaml', '--force'], { cwd: tmp.dir });
    expect(forced.code).toBe(0);
    const empty = await runCli(['import', 'empty.md'], { cwd: tmp.dir });
    expect(empty.code).toBe(2);
    expect(empty.stderr).toBe('error: empty.md has no checkbox items ("- [ ] text") to import\n');
  });

  it('points yaml-language-server at the schema relatively: inside the same tree, else where npm i -D puts it', async () => {
    tmp = tempDir({ 'x.md': '# X\n## S\n- [ ] One\n' });
    mkdirSync(join(REPO_ROOT, '.sfdeploy'), { recursive: true });
    const inside = mkdtempSync(join(REPO_ROOT, '.sfdeploy', 'import-test-'));
    try {
      expect((await runCli(['import', 'x.md', '-o', join(inside, 'x.yaml')], { cwd: tmp.dir })).code).toBe(0);
      expect(readFileSync(join(inside, 'x.yaml'), 'utf8').split('\n')[0]).toBe(
        `# yaml-language-server: $schema=${relative(inside, join(REPO_ROOT, 'schema/checklist.schema.json'))}`,
      );
    } finally {
      rmSync(inside, { recursive: true, force: true });
    }
    const outside = await runCli(['import', 'x.md', '-o', 'deploy/x.yaml'], { cwd: tmp.dir });
    expect(outside.code).toBe(0);
    expect(readFileSync(tmp.path('deploy/x.yaml'), 'utf8').split('\n')[0]).toBe(
      '# yaml-language-server: $schema=../node_modules/sfdeploy/schema/checklist.schema.json',
    );
    expect(outside.stderr).toContain(
      'note: the $schema line points at node_modules/sfdeploy/schema/checklist.schema.json: install sfdeploy in this repository (npm i -D sfdeploy)',
    );
    expect(outside.stderr).not.toContain(REPO_ROOT);
  });
});
