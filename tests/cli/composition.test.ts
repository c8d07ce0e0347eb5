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
    const dropAt = 'team.yaml:3:3';
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

  it('names included files relative to the working directory, absolute only outside it', async () => {
    tmp = tempDir({
      'base/base.yaml': BASE,
      'base/loop.yaml': 'id: loop\ntitle: Loop\ninclude: [../team.yaml]\n',
      'team.yaml':
        'extends: ./base/base.yaml\ninclude: [./base/loop.yaml, ./base/gone.yaml]\ndrop:\n  node-runs: not ours\noverride:\n  b-wiki: { needs: [node-runs] }\nsections:\n  - id: base\n    title: Again\n    items:\n      - { id: again, title: Again, manual: { instructions: Look. } }\n',
      'other/outside.yaml': 'id: out\ntitle: Out\ninclude: [./nope.yaml]\n',
      'work/inside.yaml': 'extends: ../other/outside.yaml\n',
    });
    const team = tmp.path('team.yaml');
    const expected = [
      'base/loop.yaml:3:11 include[0]: include cycle: team.yaml → base/loop.yaml → team.yaml',
      'team.yaml:6:21 sections[0].items[0].needs[0]: needs "node-runs", which is dropped at team.yaml:4:3 (not ours); override this item\'s needs or keep "node-runs"',
      'team.yaml:2:29 include[1]: cannot read ./base/gone.yaml: no such file',
      'team.yaml:8:9 sections[0].id: section "base" is already defined at base/base.yaml:4 (add items to it with another section id, or change its items with override:)',
    ];
    for (const args of [
      ['check', 'team.yaml', '--ci', '--log-dir', 'runs'],
      ['validate', 'team.yaml'],
      ['check', team, '--ci'],
    ]) {
      const r = await runCli(args, { cwd: tmp.dir });
      expect(r.code).toBe(2);
      expect(r.stderr.trim().split('\n').sort()).toEqual([...expected].sort());
      expect(r.stderr).not.toContain(tmp.dir);
    }
    const outside = await runCli(['check', 'inside.yaml', '--ci'], { cwd: tmp.path('work') });
    expect(outside.code).toBe(2);
    expect(outside.stderr.split('\n')).toEqual([
      `${tmp.path('other/outside.yaml')}:3:11 include[0]: cannot read ./nope.yaml: no such file`,
      'inside.yaml:1:1 sections: a checklist needs at least one section',
      '',
    ]);
  });

  it('a run log of a checklist that drops nothing has no dropped field', async () => {
    tmp = tempDir({ 'base.yaml': BASE });
    const r = await runCli(['check', 'base.yaml', '--ci', '--log-dir', 'runs'], { cwd: tmp.dir });
    expect(r.code).toBe(0);
    const [name] = readdirSync(tmp.path('runs'));
    expect(JSON.parse(readFileSync(join(tmp.path('runs'), name!), 'utf8'))).not.toHaveProperty('dropped');
  });
});
