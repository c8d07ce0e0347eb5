import { afterEach, describe, expect, it } from 'vitest';
import { readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { runCli } from '../support/cli.js';
import { tempDir } from '../support/tmp.js';

const FIXTURES = fileURLToPath(new URL('../fixtures/checklists/', import.meta.url));
const cleanups: (() => void)[] = [];
afterEach(() => cleanups.splice(0).forEach((f) => f()));
const workspace = () => {
  const t = tempDir();
  cleanups.push(t.remove);
  return t;
};

describe('sfdeploy validate', () => {
  it('passes the bundled checklists by default', async () => {
    const r = await runCli(['validate']);
    expect(r.code).toBe(0);
    for (const name of ['pre', 'deploy', 'rollback', 'post'])
      expect(r.stdout).toMatch(new RegExp(`✔ checklists/${name}\\.yaml ${name}: \\d+ items`));
  });

  it('exits 2 and lists each problem of each bad file with its position', async () => {
    const r = await runCli(['validate', join(FIXTURES, 'all-pass.yaml'), join(FIXTURES, 'invalid-types-and-keys.yaml')]);
    expect(r.code).toBe(2);
    expect(r.stdout).toContain('✔ ');
    expect(r.stdout).toContain('✖ ');
    expect(r.stdout).toContain('3 problems');
    expect(r.stderr.trim().split('\n')).toHaveLength(3);
  });
});

describe('sfdeploy list', () => {
  it('shows each bundled checklist with automated and manual counts that add up', async () => {
    const r = await runCli(['list', '--json']);
    expect(r.code).toBe(0);
    const rows = JSON.parse(r.stdout) as { name: string; items: number; automated: number; manual: number }[];
    expect(rows.map((x) => x.name)).toEqual(['pre', 'deploy', 'rollback', 'post']);
    for (const row of rows) expect(row.automated + row.manual).toBe(row.items);
    const table = await runCli(['list']);
    expect(table.stdout).toMatch(/^NAME\s+SECTIONS\s+ITEMS\s+AUTOMATED\s+MANUAL\s+TITLE/m);
  });
});

describe('sfdeploy probes', () => {
  it('lists every probe kind and documents one from its schema', async () => {
    const all = await runCli(['probes']);
    expect(all.code).toBe(0);
    expect(all.stdout).toMatch(/^http\s+\S/m);
    const http = await runCli(['probes', 'http', '--json']);
    const doc = JSON.parse(http.stdout) as {
      params: { name: string; type: string; default?: unknown; description: string; required: boolean }[];
      observations: Record<string, string>;
    };
    expect(doc.params.find((p) => p.name === 'url')).toMatchObject({ type: 'string', required: true });
    expect(doc.params.find((p) => p.name === 'follow_redirects')).toMatchObject({ type: 'boolean', default: false });
    expect(doc.params.every((p) => p.description.length > 0)).toBe(true);
    expect(Object.keys(doc.observations)).toContain('json.**');
    const unknown = await runCli(['probes', 'nope']);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain('unknown probe kind "nope"');
  });
});

describe('sfdeploy runs and show', () => {
  it('lists runs newest first, shows one by id prefix or latest, and warns about a corrupt log', async () => {
    const ws = workspace();
    const logDir = join(ws.dir, 'runs');
    await runCli(['check', join(FIXTURES, 'all-pass.yaml'), '--log-dir', logDir], { cwd: FIXTURES });
    await runCli(['check', join(FIXTURES, 'one-failure.yaml'), '--log-dir', logDir], { cwd: FIXTURES });
    writeFileSync(join(logDir, '20200101T000000Z-abcdef.json'), '{"schemaVersion": 1, "runId": "trunc');
    const runs = await runCli(['runs', '--log-dir', logDir]);
    expect(runs.code).toBe(0);
    const lines = runs.stdout.trim().split('\n');
    expect(lines[1]).toContain('one-failure');
    expect(lines[2]).toContain('all-pass');
    expect(runs.stderr).toContain('20200101T000000Z-abcdef.json is not valid JSON (truncated or corrupted); skipped');

    const latest = await runCli(['show', 'latest', '--log-dir', logDir]);
    expect(latest.code).toBe(0);
    expect(latest.stdout).toContain('One blocking failure and one optional warning');
    expect(latest.stdout).toContain('✖ Exits 3 fails');
    const first = readdirSync(logDir)
      .sort()
      .find((f) => f.startsWith('2026') || f > '2021')!;
    const prefix = first.slice(0, 22);
    const byPrefix = await runCli(['show', prefix, '--log-dir', logDir, '--format', 'json']);
    expect(byPrefix.code).toBe(0);
    expect(JSON.parse(byPrefix.stdout)).toHaveProperty('runId');
    const missing = await runCli(['show', 'nope', '--log-dir', logDir]);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain('no run "nope"');
  });
});
