/**
 * The GitHub Actions gate step of docs/ci.md, with its run log and report moved to a folder git sees
 * (SFDEPLOY_LOG_DIR=reports/runs, --output reports/sfdeploy-pre.xml) in a clean checkout that does not ignore them:
 * what sfdeploy writes itself is never an uncommitted change. (The workflow as written is run by docs-ci.test.ts.)
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { REPO_ROOT, runCli } from '../support/cli.js';
import { gitSandbox, GIT_ENV } from '../support/git-repo.js';

const doc = readFileSync(join(REPO_ROOT, 'docs/ci.md'), 'utf8');
const workflow = [...doc.matchAll(/```yaml\n([\s\S]*?)```/g)]
  .map((m) => parse(m[1]!) as { env?: Record<string, string>; jobs?: Record<string, { steps: { id?: string; run?: string }[] }> })
  .find((b) => b.jobs)!;
const gateLine = workflow
  .jobs!.gate!.steps.find((s) => s.id === 'gate')!
  .run!.split('\n')
  .find((l) => l.includes('sfdeploy check'))!;
const written = gateLine
  .trim()
  .replace(/^npx sfdeploy /, '')
  .split(/\s+/);
const args = written.map((a, i) => (written[i - 1] === '--output' ? 'reports/sfdeploy-pre.xml' : a));
const env = { ...workflow.env, SFDEPLOY_LOG_DIR: 'reports/runs' };

const sandbox = gitSandbox();
afterAll(() => sandbox.remove());

describe('docs/ci.md gate step in a clean checkout', () => {
  it('code-committed passes on the first and the second run; a real untracked file beside the reports still fails', async () => {
    expect(written).toContain('--output');
    const app = sandbox.repo('app', { 'README.md': '# app\n', '.gitignore': 'node_modules/\n' });
    const run = () =>
      runCli([...args, '--only', 'code-committed', '--ledger', join(sandbox.root, 'ledger.jsonl')], {
        cwd: app.dir,
        env: { ...GIT_ENV, ...env },
      });
    for (const attempt of [1, 2]) {
      const r = await run();
      const xml = readFileSync(join(app.dir, 'reports/sfdeploy-pre.xml'), 'utf8');
      expect(xml, `run ${attempt}`).toContain('failures="0"');
      expect(r.code, `run ${attempt}: ${r.stderr}`).toBe(0);
    }
    app.write('reports/notes.txt', 'not sfdeploy output\n');
    const dirty = await run();
    expect(dirty.code).toBe(1);
    expect(readFileSync(join(app.dir, 'reports/sfdeploy-pre.xml'), 'utf8')).toContain('reports/notes.txt');
  });
});
