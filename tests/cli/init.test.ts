import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runCli } from '../support/cli.js';
import { GIT_ENV, gitSandbox } from '../support/git-repo.js';

const sandbox = gitSandbox();
afterAll(() => sandbox.remove());
const env = { ...GIT_ENV, CI: 'true' };

describe('sfdeploy init', () => {
  it('writes a starter, keeps a file that differs unless --force, and appends only what .gitignore lacks', async () => {
    const repo = sandbox.repo('starter', { '.gitignore': 'node_modules\n.env\n', 'ops/pre.yaml': 'id: ours\n' });
    const first = await runCli(['init', '--template', 'web-service', '--dir', 'ops'], { cwd: repo.dir, env });
    expect(first.code, first.stderr).toBe(0);
    expect(first.stdout).toMatch(/^kept +ops\/pre\.yaml \(it exists and differs; --force overwrites it\)$/m);
    expect(readFileSync(join(repo.dir, 'ops/pre.yaml'), 'utf8')).toBe('id: ours\n');
    expect(first.stderr).toMatch(
      /^warning: ops\/pre\.yaml does not validate \(\d problems?, see `sfdeploy validate`\): \.env\.example lacks its variables$/m,
    );
    expect(readFileSync(join(repo.dir, '.gitignore'), 'utf8')).toBe(
      'node_modules\n.env\n# sfdeploy: run logs, local ledger, secrets\n.sfdeploy/\n',
    );
    expect(readFileSync(join(repo.dir, 'sfdeploy.config.yaml'), 'utf8')).toMatch(/^checklists: ops /m);

    const forced = await runCli(['init', '--template', 'web-service', '--dir', 'ops', '--force'], { cwd: repo.dir, env });
    expect(forced.stdout).toMatch(/^replaced +ops\/pre\.yaml/m);
    expect(forced.stdout).toMatch(/^replaced +\.env\.example/m);
    expect(readFileSync(join(repo.dir, '.env.example'), 'utf8')).toMatch(
      /^# PostgreSQL URL .*\(secret: masked in every output\)\nDATABASE_URL=$/m,
    );
    expect(readFileSync(join(repo.dir, '.env.example'), 'utf8')).toMatch(/^# HEALTH_PATH=\/health$/m);
    const validated = await runCli(['validate'], { cwd: repo.dir, env });
    expect(validated.stdout).toMatch(/^✔ ops\/pre\.yaml pre: 9 items/m);
    expect(validated.code).toBe(0);
  });

  it('validate names what a checklist drops from the one it extends, with the reason', async () => {
    const repo = sandbox.repo('drops', {
      'pre.yaml': 'extends: sfdeploy:pre\ndrop:\n  code-release-notes: the wiki has them\n  k8s-cluster: we run on ECS\n',
    });
    const r = await runCli(['validate', 'pre.yaml'], { cwd: repo.dir, env });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout.split('\n').slice(1, 3)).toEqual([
      '  dropped code-release-notes: the wiki has them',
      '  dropped k8s-cluster: we run on ECS',
    ]);
  });

  it('refuses a folder outside the repository and an unknown template', async () => {
    const repo = sandbox.repo('outside');
    const outside = await runCli(['init', '--dir', '../elsewhere'], { cwd: repo.dir, env });
    expect([outside.code, outside.stderr]).toEqual([2, 'error: --dir must be a folder inside this repository, got "../elsewhere"\n']);
    const template = await runCli(['init', '--template', 'rails'], { cwd: repo.dir, env });
    expect(template.code).toBe(2);
    expect(template.stderr).toMatch(/--template.*rails.*social-flow, web-service, minimal/);
    expect(readdirSync(repo.dir).filter((f) => f !== '.git')).toEqual([]);
  });

  it('--force replaces a sfdeploy.config.yaml that does not load, and says so; without --force it stops init, exit 2', async () => {
    const broken = 'checklists: [ops\nlog_dri: runs\n';
    const repo = sandbox.repo('broken-config', { 'sfdeploy.config.yaml': broken });
    const config = join(repo.dir, 'sfdeploy.config.yaml');
    const kept = await runCli(['init', '--template', 'minimal'], { cwd: repo.dir, env });
    expect(kept.code).toBe(2);
    expect(kept.stderr).toMatch(/^\S*sfdeploy\.config\.yaml:\d+:\d+: /);
    expect(readFileSync(config, 'utf8')).toBe(broken);
    const forced = await runCli(['init', '--template', 'minimal', '--force'], { cwd: repo.dir, env });
    expect(forced.stderr).toBe('');
    expect(forced.code).toBe(0);
    expect(forced.stdout).toMatch(/^replaced +sfdeploy\.config\.yaml \(it did not load: \d+ problems?\)$/m);
    expect(readFileSync(config, 'utf8')).toMatch(/^checklists: deploy\/checklists/m);
    const after = await runCli(['validate'], { cwd: repo.dir, env });
    expect(after.code).toBe(0);
    expect(after.stdout).toMatch(/deploy\/checklists\/pre\.yaml/);
  });

  it('a sfdeploy.config.yaml that does not load still stops every other command, located, exit 2', async () => {
    const repo = sandbox.repo('broken-config-others', { 'sfdeploy.config.yaml': 'checklists: [ops\n' });
    for (const args of [['validate'], ['runs'], ['check', 'pre', '--ci']]) {
      const r = await runCli(args, { cwd: repo.dir, env });
      expect(r.code).toBe(2);
      expect(r.stderr).toMatch(/^\S*sfdeploy\.config\.yaml:\d+:\d+: /);
    }
    // init --force replaces only the working directory's config: another one ($SFDEPLOY_CONFIG) still stops it
    writeFileSync(join(repo.dir, 'team.yaml'), 'checklists: [ops\n');
    const other = await runCli(['init', '--force'], { cwd: repo.dir, env: { ...env, SFDEPLOY_CONFIG: 'team.yaml' } });
    expect(other.code).toBe(2);
    expect(other.stderr).toMatch(/^\S*team\.yaml:\d+:\d+: /);
  });
});

describe('sfdeploy.config.yaml', () => {
  const repo = sandbox.repo('configured');
  const ready = (async () => {
    await runCli(['init', '--template', 'minimal'], { cwd: repo.dir, env });
    writeFileSync(
      join(repo.dir, 'sfdeploy.config.yaml'),
      'checklists: deploy/checklists\nenvironment: staging\nlog_dir: var/gate-runs\nledger: var/ledger.jsonl\n',
    );
    writeFileSync(
      join(repo.dir, 'deploy/checklists/pre.yaml'),
      `${readFileSync(join(repo.dir, 'deploy/checklists/pre.yaml'), 'utf8')}environments:\n  staging:\n    skip: [release-approved]\n`,
    );
    writeFileSync(join(repo.dir, '.gitignore'), `${readFileSync(join(repo.dir, '.gitignore'), 'utf8')}var/\n`);
    repo.commit('sfdeploy');
  })();
  const lastRun = (
    dir: string,
  ): { context: { environment: string | null }; checklist: { path: string }; items: { id: string; status: string }[] } => {
    const runs = readdirSync(dir)
      .filter((f) => f.endsWith('.json'))
      .sort();
    return JSON.parse(readFileSync(join(dir, runs.at(-1)!), 'utf8')) as {
      context: { environment: string | null };
      checklist: { path: string };
      items: { id: string; status: string }[];
    };
  };

  it("is read by check: the team's pre, its environment (and that environment's overlay), its log folder", async () => {
    await ready;
    const r = await runCli(['check', 'pre', '--ci'], { cwd: repo.dir, env });
    expect(r.code, r.stdout + r.stderr).toBe(0);
    const log = lastRun(join(repo.dir, 'var/gate-runs'));
    expect(log.checklist.path).toBe(join(repo.dir, 'deploy/checklists/pre.yaml'));
    expect(log.context.environment).toBe('staging');
    expect(Object.fromEntries(log.items.map((i) => [i.id, i.status]))).toEqual({ 'code-committed': 'pass', 'release-approved': 'skip' });
    expect(existsSync(join(repo.dir, '.sfdeploy'))).toBe(false);
  });

  it('loses to flags and to environment variables', async () => {
    await ready;
    const flagged = await runCli(['check', 'pre', '--ci', '--environment', 'production', '--log-dir', 'var/flag-runs'], {
      cwd: repo.dir,
      env,
    });
    expect(flagged.code).toBe(3);
    expect(lastRun(join(repo.dir, 'var/flag-runs')).context.environment).toBe('production');
    const fromEnv = await runCli(['check', 'pre', '--ci'], {
      cwd: repo.dir,
      env: { ...env, SFDEPLOY_LOG_DIR: join(repo.dir, 'var/env-runs'), SFDEPLOY_ENVIRONMENT: 'qa' },
    });
    expect(fromEnv.code).toBe(3);
    expect(lastRun(join(repo.dir, 'var/env-runs')).context.environment).toBe('qa');
    const bundled = await runCli(['validate', 'sfdeploy:pre'], { cwd: repo.dir, env });
    expect(bundled.stdout).toMatch(/checklists\/pre\.yaml pre: \d{3} items/);
  });

  it('is found from a subfolder, and a mistake in it is one located line, exit 2', async () => {
    await ready;
    const sub = join(repo.dir, 'deploy');
    const found = await runCli(['validate'], { cwd: sub, env });
    expect(found.stdout).toMatch(/checklists\/pre\.yaml pre: 2 items/);
    const bad = sandbox.repo('bad-config', { 'sfdeploy.config.yaml': 'checklists: ops\nlog_dri: runs\nenvironment: [a]\n' });
    const r = await runCli(['runs'], { cwd: bad.dir, env });
    expect(r.code).toBe(2);
    expect(r.stderr).toBe(
      'sfdeploy.config.yaml:2:1 log_dri: unknown key "log_dri" (did you mean "log_dir"?)\n' +
        'sfdeploy.config.yaml:3:14 environment: expected a string, got a list\n',
    );
    // found in a parent folder, outside the working directory: named in full
    const below = join(bad.dir, 'deploy');
    mkdirSync(below);
    const fromBelow = await runCli(['runs'], { cwd: below, env });
    expect(fromBelow.stderr.split('\n')[0]).toBe(
      `${join(bad.dir, 'sfdeploy.config.yaml')}:2:1 log_dri: unknown key "log_dri" (did you mean "log_dir"?)`,
    );
  });
});
