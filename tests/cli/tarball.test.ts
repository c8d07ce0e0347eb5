import { execFile, execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { parse } from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../support/cli.js';
import { GIT_ENV } from '../support/git-repo.js';

const exec = promisify(execFile);

interface Ran {
  code: number;
  stdout: string;
  stderr: string;
}

/**
 * sfdeploy as a team gets it: `npm pack`, installed into a fresh application repository with npm alone, set up
 * with `npx sfdeploy init`, gated with `npx sfdeploy check pre --ci`. One pack and one install serve every assertion.
 */
describe('the npm tarball in a fresh application repository', () => {
  let root: string;
  let app: string;
  let packed: { files: { path: string }[]; size: number; filename: string };
  let firstInit: Ran;
  let secondInit: Ran;
  let afterFirstInit: Record<string, string>;
  let check: Ran;
  let gate: Ran & { output: string; junit: boolean };
  let gitlab: Ran & { artifacts: Record<string, boolean> };
  let pendingGate: Ran & { output: string; log: { items: { id: string; status: string; message: string }[] } };

  /** Runs a command in the app with a CI-like environment: no colour, the test's git identity, npm offline-first. */
  const run = async (file: string, args: string[], env: Record<string, string> = {}): Promise<Ran> => {
    try {
      const r = await exec(file, args, {
        cwd: app,
        env: {
          PATH: process.env.PATH!,
          HOME: process.env.HOME!,
          NO_COLOR: '1',
          npm_config_prefer_offline: 'true',
          npm_config_audit: 'false',
          npm_config_fund: 'false',
          npm_config_update_notifier: 'false',
          ...GIT_ENV,
          ...env,
        },
        timeout: 120_000,
        maxBuffer: 32 * 1024 * 1024,
      });
      return { code: 0, stdout: r.stdout, stderr: r.stderr };
    } catch (e) {
      const err = e as { code?: number | string; stdout?: string; stderr?: string };
      if (typeof err.code !== 'number') throw e;
      return { code: err.code, stdout: err.stdout ?? '', stderr: err.stderr ?? '' };
    }
  };
  const tracked = (): Record<string, string> =>
    Object.fromEntries(
      ['deploy/checklists/pre.yaml', 'deploy/checklists/post.yaml', 'sfdeploy.config.yaml', '.env.example', '.gitignore'].map((f) => [
        f,
        readFileSync(join(app, f), 'utf8'),
      ]),
    );

  beforeAll(async () => {
    root = mkdtempSync(join(tmpdir(), 'sfdeploy-tarball-'));
    // dist/ is built before the tests (npm test, or npm run build): packing skips the prepare script's rebuild.
    const out = execFileSync('npm', ['pack', '--ignore-scripts', '--json', '--pack-destination', root], {
      cwd: REPO_ROOT,
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    packed = (JSON.parse(out) as (typeof packed)[])[0]!;
    app = join(root, 'app');
    mkdirSync(app);
    execFileSync('git', ['init', '-q', '-b', 'main'], { cwd: app, env: { ...process.env, ...GIT_ENV } });
    writeFileSync(join(app, 'package.json'), `${JSON.stringify({ name: 'our-app', version: '1.0.0', private: true }, null, 2)}\n`);
    writeFileSync(join(app, '.gitignore'), 'node_modules/\n');
    const install = await run('npm', ['install', '--save-dev', join(root, packed.filename)]);
    expect(install.code, install.stderr).toBe(0);

    firstInit = await run('npx', ['sfdeploy', 'init']);
    afterFirstInit = tracked();
    secondInit = await run('npx', ['sfdeploy', 'init']);
    // A second configuration whose pre has one automated item that passes and one sign-off nobody gave: exit 3.
    writeFileSync(join(app, 'pending.config.yaml'), 'checklists: ci/pending\n');
    mkdirSync(join(app, 'ci/pending'), { recursive: true });
    writeFileSync(join(app, 'ci/pending/pre.yaml'), readFileSync(join(app, 'node_modules/sfdeploy/templates/minimal/pre.yaml'), 'utf8'));
    await run('git', ['add', '-A']);
    await run('git', ['commit', '-qm', 'sfdeploy init']);

    check = await run('npx', ['sfdeploy', 'check', 'pre', '--ci', '--format', 'json'], {
      GITHUB_ACTIONS: 'true',
      GITHUB_WORKSPACE: app,
    });

    // The gate step of docs/ci.md, run as written by bash the way GitHub Actions runs a `run:` block.
    const doc = readFileSync(join(REPO_ROOT, 'docs/ci.md'), 'utf8');
    const workflow = parse(/```yaml\n(name: deploy[\s\S]*?)```/.exec(doc)![1]!) as {
      env?: Record<string, string>;
      jobs: { gate: { steps: { id?: string; run?: string }[] } };
    };
    const script = workflow.jobs.gate.steps.find((s) => s.id === 'gate')!.run!;
    const output = join(root, 'github-output');
    writeFileSync(output, '');
    const ran = await run('bash', ['--noprofile', '--norc', '-eo', 'pipefail', '-c', script], {
      ...workflow.env,
      GITHUB_OUTPUT: output,
      GITHUB_ACTIONS: 'true',
      GITHUB_WORKSPACE: app,
      CI: 'true',
    });
    gate = { ...ran, output: readFileSync(output, 'utf8'), junit: existsSync(join(app, junitPath(script))) };

    writeFileSync(output, '');
    const pending = await run('bash', ['--noprofile', '--norc', '-eo', 'pipefail', '-c', script], {
      ...workflow.env,
      SFDEPLOY_CONFIG: 'pending.config.yaml',
      GITHUB_OUTPUT: output,
      GITHUB_ACTIONS: 'true',
      GITHUB_WORKSPACE: app,
      CI: 'true',
    });
    const shown = await run('npx', ['sfdeploy', 'show', 'latest', '--format', 'json'], { ...workflow.env });

    // The GitLab job's script, after `npm ci`, as the runner's shell runs it; then its artifact paths must exist.
    const gitlabCi = parse(/```yaml\n(stages:[\s\S]*?)```/.exec(doc)![1]!) as Record<
      string,
      { script: string[]; artifacts: { paths: string[]; reports: { junit: string } } }
    >;
    const job = gitlabCi['sfdeploy-pre']!;
    rmSync(join(app, '.sfdeploy/reports'), { recursive: true, force: true });
    const ranGitlab = await run('bash', ['-e', '-c', job.script.filter((l) => l !== 'npm ci').join('\n')], {
      CI: 'true',
      GITLAB_CI: 'true',
    });
    gitlab = {
      ...ranGitlab,
      artifacts: Object.fromEntries([...job.artifacts.paths, job.artifacts.reports.junit].map((p) => [p, existsSync(join(app, p))])),
    };
    pendingGate = { ...pending, output: readFileSync(output, 'utf8'), log: JSON.parse(shown.stdout) as typeof pendingGate.log };
  }, 300_000);

  afterAll(() => {
    if (root) rmSync(root, { recursive: true, force: true });
  });

  it('contains what the CLI needs and nothing else, and stays small', () => {
    const paths = packed.files.map((f) => f.path);
    const top = [...new Set(paths.map((p) => p.split('/')[0]))].sort();
    expect(top).toEqual(['README.md', 'bin', 'checklists', 'dist', 'package.json', 'schema', 'templates']);
    expect(paths).toContain('bin/sfdeploy.js');
    expect(paths).toContain('dist/cli.js');
    expect(paths).toContain('schema/checklist.schema.json');
    for (const name of ['pre', 'deploy', 'rollback', 'post']) expect(paths).toContain(`checklists/${name}.yaml`);
    for (const t of ['web-service', 'minimal']) expect(paths).toContain(`templates/${t}/pre.yaml`);
    expect(paths.filter((p) => /\.map$|\.ts$|^tests\/|^src\/|\.env/.test(p))).toEqual([]);
    // Every compiled module of src/ is shipped (a file missing from `files` would break a lazily loaded command).
    const built = readdirSync(join(REPO_ROOT, 'dist'), { recursive: true, encoding: 'utf8' }).filter((f) => f.endsWith('.js'));
    expect(built.filter((f) => !paths.includes(`dist/${f.split('\\').join('/')}`))).toEqual([]);
    expect(paths).toContain('dist/THIRD-PARTY-LICENSES.txt');
    // The bundle carries its dependencies (rolldown.config.mjs): the tarball is all an install fetches.
    expect(packed.size).toBeLessThan(1536 * 1024);
    expect(JSON.parse(readFileSync(join(REPO_ROOT, 'package.json'), 'utf8')).dependencies ?? {}).toEqual({});
    expect(readdirSync(join(app, 'node_modules')).filter((n) => !n.startsWith('.'))).toEqual(['sfdeploy']);
  });

  it('init writes the checklists the team owns, the config, .env.example and .gitignore entries', () => {
    expect(firstInit.code, firstInit.stderr).toBe(0);
    expect(firstInit.stdout).toMatch(/^created +deploy\/checklists\/pre\.yaml \(extends sfdeploy:pre\)$/m);
    const files = afterFirstInit;
    expect(files['deploy/checklists/pre.yaml']).toMatch(/^extends: sfdeploy:pre$/m);
    // sfdeploy is installed inside the repository, so editors get the schema from node_modules.
    expect(files['deploy/checklists/pre.yaml']!.split('\n')[0]).toBe(
      '# yaml-language-server: $schema=../../node_modules/sfdeploy/schema/checklist.schema.json',
    );
    expect(parse(files['sfdeploy.config.yaml']!)).toMatchObject({ checklists: 'deploy/checklists', environment: 'production' });
    expect(files['.gitignore']).toBe('node_modules/\n# sfdeploy: run logs, local ledger, secrets\n.sfdeploy/\n.env\n');
    expect(files['.env.example']).toMatch(/^DATABASE_URL=$/m);
    expect(files['.env.example']).toContain(
      '# unset or empty, it is postgresql://${POSTGRES_USER}:${POSTGRES_PASSWORD}@${POSTGRES_SERVER}:${POSTGRES_PORT}/${POSTGRES_DB}\nDATABASE_URL=\n',
    );
    expect(files['.env.example']).toMatch(/^# API_V1_PREFIX=\/api\/v1$/m);
  });

  it('init a second time changes nothing', () => {
    expect(secondInit.code, secondInit.stderr).toBe(0);
    expect(secondInit.stdout).not.toMatch(/^(created|replaced|updated|kept)/m);
    expect(secondInit.stdout.match(/^unchanged /gm)).toHaveLength(7);
    expect(tracked()).toEqual(afterFirstInit);
  });

  it("check pre runs the repository's own pre, reads the config, and annotates the repository's file", () => {
    expect(check.code).toBe(1);
    const log = JSON.parse(check.stdout) as {
      runId: string;
      checklist: { path: string };
      context: { environment: string | null };
      items: { id: string; status: string }[];
    };
    expect(log.checklist.path).toBe(join(app, 'deploy/checklists/pre.yaml'));
    expect(log.context.environment).toBe('production');
    // The secret scan looks at this repository's tracked files: nothing init wrote looks like a secret.
    expect(log.items.find((i) => i.id === 'code-no-secrets')?.status).toBe('pass');
    const annotations = check.stderr.split('\n').filter((l) => l.startsWith('::error'));
    expect(annotations.length).toBeGreaterThan(5);
    const files = new Set(annotations.map((l) => /file=([^,]*)/.exec(l)?.[1]));
    // Every inherited item points at the `extends:` line of the team's file, never into node_modules.
    expect([...files]).toEqual(['deploy/checklists/pre.yaml']);
    const extendsLine = afterFirstInit['deploy/checklists/pre.yaml']!.split('\n').indexOf('extends: sfdeploy:pre') + 1;
    expect(new Set(annotations.map((l) => /line=(\d+)/.exec(l)?.[1]))).toEqual(new Set([String(extendsLine)]));
    // The config's log_dir (.sfdeploy/runs, relative to the config file).
    expect(existsSync(join(app, '.sfdeploy/runs', `${log.runId}.json`))).toBe(true);
  });

  it('the gate step of docs/ci.md runs as written: JUnit and the run log where the upload step looks, exit 1 fails it', () => {
    expect(gate.code, gate.stderr).toBe(1);
    expect(gate.output).toBe('verdict=failed\n');
    expect(gate.junit).toBe(true);
  });

  it('the GitLab job of docs/ci.md runs as written: exit 1 fails it, and its artifacts and JUnit report exist', () => {
    expect(gitlab.code).toBe(1);
    expect(gitlab.artifacts).toEqual({ '.sfdeploy/reports/': true, '.sfdeploy/runs/': true, '.sfdeploy/reports/sfdeploy-pre.xml': true });
  });

  it('the same step turns exit 3 (only sign-offs pending) into a passed step with verdict=pending; the files it writes do not dirty the tree', () => {
    expect(pendingGate.code, pendingGate.stderr + pendingGate.stdout).toBe(0);
    expect(pendingGate.output).toBe('verdict=pending\n');
    expect(pendingGate.stdout).toContain('::notice title=sfdeploy::sign-offs pending');
    const status = Object.fromEntries(pendingGate.log.items.map((i) => [i.id, `${i.status} ${i.message}`]));
    expect(status['code-committed']).toMatch(/^pass/);
    expect(status['release-approved']).toMatch(/^pending/);
  });
});

function junitPath(script: string): string {
  return /--output (\S+)/.exec(script)![1]!;
}
