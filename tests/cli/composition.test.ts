import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { runCli } from '../support/cli.js';
import { tempDir } from '../support/tmp.js';

const BASE = `id: base
title: Base
sections:
  - id: base
    title: Base
    items:
      - id: node-runs
        title: Node runs
        probe: { kind: command, run: [node, --version] }
      - id: b-wiki
        title: Release notes
        probe: { kind: command, run: [node, --version] }
`;

describe('composed checklists', () => {
  let tmp: ReturnType<typeof tempDir> | undefined;
  afterEach(() => {
    tmp?.remove();
    tmp = undefined;
  });

  it('records each dropped item in the run log, with its reason and where it was dropped, and the reports show it', async () => {
    tmp = tempDir({
      'base/base.yaml': BASE,
      'team.yaml': 'extends: ./base/base.yaml\ndrop:\n  b-wiki: release notes live in the wiki\n',
    });
    const r = await runCli(['check', 'team.yaml', '--ci', '--log-dir', 'runs'], { cwd: tmp.dir });
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const [name] = readdirSync(tmp.path('runs'));
    const log = JSON.parse(readFileSync(join(tmp.path('runs'), name!), 'utf8')) as Record<string, unknown>;
    expect((log.items as { id: string }[]).map((i) => i.id)).toEqual(['node-runs']);
    const dropAt = `${tmp.path('team.yaml')}:3:3`;
    expect(log.dropped).toEqual([{ id: 'b-wiki', reason: 'release notes live in the wiki', location: dropAt }]);

    const md = await runCli(['report', 'latest', '--log-dir', 'runs'], { cwd: tmp.dir });
    expect(md.code).toBe(0);
    expect(md.stdout).toContain('## Dropped items');
    expect(md.stdout).toContain(`| \`b-wiki\` | \`release notes live in the wiki\` | \`${dropAt}\` |`);
    const html = await runCli(['report', 'latest', '--format', 'html', '--log-dir', 'runs'], { cwd: tmp.dir });
    expect(html.code).toBe(0);
    expect(html.stdout).toContain('<h2>Dropped items</h2>');
    expect(html.stdout).toContain('release notes live in the wiki');
    const json = await runCli(['report', 'latest', '--format', 'json', '--log-dir', 'runs'], { cwd: tmp.dir });
    expect(JSON.parse(json.stdout)).toMatchObject({ dropped: [{ id: 'b-wiki', location: dropAt }] });
  });

  it('a run log of a checklist that drops nothing has no dropped field', async () => {
    tmp = tempDir({ 'base.yaml': BASE });
    const r = await runCli(['check', 'base.yaml', '--ci', '--log-dir', 'runs'], { cwd: tmp.dir });
    expect(r.code).toBe(0);
    const [name] = readdirSync(tmp.path('runs'));
    expect(JSON.parse(readFileSync(join(tmp.path('runs'), name!), 'utf8'))).not.toHaveProperty('dropped');
  });
});
