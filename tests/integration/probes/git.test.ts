import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { ProbeError } from '../../../src/errors.js';
import git from '../../../src/probes/git/index.js';
import { GIT_ENV, gitSandbox, hookWithSleepingChild, makeStatusHang } from '../../support/git-repo.js';
import { probeError, runProbe } from '../../support/probe-run.js';
import { pidLog, type PidLog } from '../../support/orphans.js';
import { runItems } from '../../support/run-checklist.js';

const sandbox = gitSandbox();
const env = { ...process.env, ...GIT_ENV };
const CHANGELOG = '# Changelog\n\n## [1.2.0] - 2026-01-10\n- Payments via Stripe\n\n## [1.1.0] - 2025-12-01\n- First release\n';

afterAll(() => sandbox.remove());

const probe = (dir: string, raw: Record<string, unknown> = {}, timeoutMs?: number) =>
  runProbe(git, { paths: ['.env'], ...raw }, { cwd: dir, env, ...(timeoutMs ? { timeoutMs } : {}) });

describe('git probe: a release checkout', () => {
  let release: ReturnType<typeof sandbox.repo>;
  beforeAll(() => {
    release = sandbox.repo('release', { 'app.py': 'print("hi")\n', '.gitignore': '.env\n__pycache__/\n', 'CHANGELOG.md': CHANGELOG });
    release.git('tag', 'v1.2.0');
    release.write('.env', 'SECRET_KEY=abc\n');
    release.write('.sfdeploy/runs/2026-01-10.json', '{}');
  });

  it('observes a clean tree, the branch, the semver tag at HEAD and the changelog entry', async () => {
    const out = await probe(release.dir);
    expect(out.problems).toEqual([]);
    expect(out.observations).toEqual({
      clean: true,
      dirty_files: [],
      branch: 'main',
      head_sha: release.git('rev-parse', 'HEAD'),
      tag: 'v1.2.0',
      tags: ['v1.2.0'],
      tag_is_semver: true,
      upstream: null,
      ahead: null,
      behind: null,
      tracked: { '.env': false },
      ignored: { '.env': true },
      changelog_exists: true,
      changelog_mentions_tag: true,
    });
    expect(out.summary).toBe('main (v1.2.0), clean');
  });

  it('serves the release gates through the runner (tracked..env reads the key with a dot)', async () => {
    const gate = `      - id: release\n        title: release\n        probe:\n          kind: git\n          paths: [.env]\n          expect:\n            - clean == true\n            - tag_is_semver == true\n            - changelog_mentions_tag == true\n            - tracked..env == false\n            - ignored..env == true\n`;
    const { item } = await runItems(gate, { cwd: release.dir, env });
    expect(item('release')).toMatchObject({ status: 'pass' });
  });
});

describe('git probe: what blocks a release', () => {
  it("lists uncommitted and untracked files, ignoring sfdeploy's own .sfdeploy/ folder", async () => {
    const r = sandbox.repo('dirty', { 'app.py': 'v1\n', 'README.md': 'x\n' });
    r.write('app.py', 'v2\n');
    r.write('notes.txt', 'todo\n');
    r.write('.sfdeploy/runs/a.json', '{}');
    r.git('mv', 'README.md', 'README.txt');
    const out = await probe(r.dir);
    expect(out.observations).toMatchObject({ clean: false, dirty_files: ['README.txt', 'app.py', 'notes.txt'] });
    expect(out.problems).toEqual(['3 uncommitted changes in .: R README.txt, M app.py, ?? notes.txt']);
  });

  it('flags a committed .env even when .gitignore lists it', async () => {
    const r = sandbox.repo('leaked', { '.env': 'DATABASE_URL=postgres://app:pw@db/app\n' });
    r.write('.gitignore', '.env\n');
    r.commit('ignore .env (too late: it is already committed)');
    const out = await probe(r.dir);
    expect(out.observations).toMatchObject({ tracked: { '.env': true }, ignored: { '.env': true } });
    const gate = `      - id: env-not-committed\n        title: env\n        probe:\n          kind: git\n          paths: [.env]\n          expect:\n            - tracked..env == false\n`;
    const { item } = await runItems(gate, { cwd: r.dir, env });
    expect(item('env-not-committed')).toMatchObject({
      status: 'fail',
      message: '.env is tracked by git: tracked..env == false (got true)',
    });
  });

  it('tells a non-semver tag, an untagged HEAD and a changelog that only mentions a pre-release apart', async () => {
    const r = sandbox.repo('tags', { 'CHANGELOG.md': '## [1.3.0-rc.1]\n- preview\n\n## 1.2.0.1\n' });
    r.git('tag', 'release-2026-01');
    let out = await probe(r.dir);
    expect(out.observations).toMatchObject({ tag: 'release-2026-01', tag_is_semver: false, changelog_mentions_tag: false });
    r.commit('next');
    out = await probe(r.dir);
    expect(out.observations).toMatchObject({ tag: null, tags: [], tag_is_semver: false, changelog_mentions_tag: false });
    r.git('tag', 'v1.3.0');
    r.git('tag', 'v1.2.0');
    r.git('tag', 'latest');
    out = await probe(r.dir);
    expect(out.observations).toMatchObject({ tag: 'v1.3.0', tag_is_semver: true, changelog_mentions_tag: false });
    expect(out.observations.tags).toEqual(expect.arrayContaining(['v1.3.0', 'v1.2.0', 'latest']));
    r.git('tag', '-d', 'v1.3.0');
    expect((await probe(r.dir)).observations).toMatchObject({ tag: 'v1.2.0', changelog_mentions_tag: false });
  });

  it('counts commits ahead of and behind the upstream branch', async () => {
    const upstream = sandbox.bare('upstream.git');
    const r = sandbox.repo('tracking', { 'app.py': 'v1\n' });
    r.git('remote', 'add', 'origin', upstream);
    r.git('push', '-q', '-u', 'origin', 'main');
    expect((await probe(r.dir)).observations).toMatchObject({ upstream: 'origin/main', ahead: 0, behind: 0 });
    const other = sandbox.clone(upstream, 'teammate');
    other.write('other.py', 'x\n');
    other.commit('teammate change');
    other.git('push', '-q', 'origin', 'main');
    r.write('mine.py', 'y\n');
    r.commit('my change 1');
    r.commit('my change 2');
    r.git('fetch', '-q', 'origin');
    expect((await probe(r.dir)).observations).toMatchObject({ upstream: 'origin/main', ahead: 2, behind: 1 });
  });

  it('reports a detached HEAD and a repository without commits', async () => {
    const r = sandbox.repo('detached', { 'a.txt': '1\n' });
    const first = r.commit('second');
    r.git('checkout', '-q', '--detach', first);
    expect((await probe(r.dir)).observations).toMatchObject({ branch: null, head_sha: first });
    const empty = sandbox.repo('empty');
    const out = await probe(empty.dir);
    expect(out.observations).toMatchObject({ branch: 'main', head_sha: null, tag: null, clean: true });
    expect(out.summary).toBe('main, clean');
  });

  it('reads a repository given by path, from a subfolder too', async () => {
    const r = sandbox.repo('nested', { 'svc/api/app.py': 'x\n' });
    const out = await runProbe(git, { path: 'nested/svc/api' }, { cwd: sandbox.root, env });
    expect(out.observations).toMatchObject({ clean: true, branch: 'main', head_sha: r.git('rev-parse', 'HEAD') });
  });
});

describe('git probe: what git starts ends with it', () => {
  const started: PidLog[] = [];
  afterEach(() => started.splice(0).forEach((p) => p.kill()));

  it('a hook that hangs with a sleeping child: the probe ends at its timeout and no process survives', async () => {
    const r = sandbox.repo('hook-hangs', { 'a.txt': '1\n' });
    const pids = pidLog(sandbox.root, 'hook-hangs.pids');
    started.push(pids);
    hookWithSleepingChild(r, pids.file, 'sleep');
    const { error } = await probeError(git, {}, { cwd: r.dir, env, timeoutMs: 1000 });
    expect(error.message).toBe('git status in . did not finish: timed out after 1000ms');
    await vi.waitFor(() => expect(pids.running()).toEqual([]), { timeout: 1000 });
  });

  it('a hook that exits but leaves a sleeping child holding the output: the probe answers and the child ends', async () => {
    const r = sandbox.repo('hook-leaves-child', { 'a.txt': '1\n' });
    const pids = pidLog(sandbox.root, 'hook-leaves-child.pids');
    started.push(pids);
    hookWithSleepingChild(r, pids.file, 'exit');
    const out = await runProbe(git, {}, { cwd: r.dir, env, timeoutMs: 3000 });
    expect(out.observations).toMatchObject({ clean: true, branch: 'main' });
    await vi.waitFor(() => expect(pids.running()).toEqual([]), { timeout: 1000 });
  });
});

describe('git probe: errors', () => {
  let plain: string;
  beforeAll(() => {
    plain = mkdtempSync(join(tmpdir(), 'sfdeploy-not-git-'));
    mkdirSync(join(plain, 'src'));
  });
  afterAll(() => rmSync(plain, { recursive: true, force: true }));

  it('says clearly when the folder is not a git repository or does not exist', async () => {
    const notRepo = await probeError(git, { path: 'src' }, { cwd: plain, env: { ...env, GIT_CEILING_DIRECTORIES: plain } });
    expect(notRepo.error).toBeInstanceOf(ProbeError);
    expect(notRepo.error.message).toBe('src is not a git repository (nor is any parent folder)');
    const missing = await probeError(git, { path: 'nowhere' }, { cwd: plain, env });
    expect(missing.error).toBeInstanceOf(ProbeError);
    expect(missing.error.message).toBe('nowhere does not exist');
  });

  it('names git when it is not installed', async () => {
    const r = sandbox.repo('no-git', { 'a.txt': '1\n' });
    const { error } = await probeError(git, {}, { cwd: r.dir, env: { ...env, PATH: join(plain, 'empty-bin') } });
    expect(error).toBeInstanceOf(ProbeError);
    expect(error.message).toBe('git is not installed (command not found: git); the git probe needs the git CLI on PATH');
  });

  it('stops a git command that hangs when the timeout passes', async () => {
    const r = sandbox.repo('hangs', { 'a.txt': '1\n' });
    makeStatusHang(r, 10);
    const { error, ms } = await probeError(git, {}, { cwd: r.dir, env, timeoutMs: 400 });
    expect(error.message).toBe('git status in . did not finish: timed out after 400ms');
    expect(ms).toBeLessThan(5000);
  });
});

/** A failing `expect:` says what is missing in the probe's own words, beside the condition. */
describe('git probe: its reasons beside failing conditions', () => {
  it('git: "HEAD has no tag", ".env is tracked by git", "CHANGELOG.md does not mention v1.2.0"', async () => {
    const repo = sandbox.repo('reasons-tags', { 'README.md': '# x\n', '.env': 'A=1\n', 'CHANGELOG.md': '## 1.1.0\n' });
    const items = `      - id: tag
        title: Tag
        probe: { kind: git, expect: [tag exists, tag_is_semver == true] }
      - id: env
        title: Env
        probe: { kind: git, paths: [.env], expect: [tracked..env == false, ignored..env == true] }
      - id: changelog
        title: Changelog
        probe: { kind: git, expect: [changelog_mentions_tag == true] }
`;
    const untagged = await runItems(items, { cwd: repo.dir });
    expect(untagged.item('tag').message).toBe('HEAD has no tag: tag exists (got null); HEAD has no tag: tag_is_semver == true (got false)');
    expect(untagged.item('env').message).toBe(
      '.env is tracked by git: tracked..env == false (got true); .env is not ignored by git (add it to .gitignore): ignored..env == true (got false)',
    );
    repo.git('tag', 'v1.2.0');
    const tagged = await runItems(items, { cwd: repo.dir });
    expect(tagged.item('tag').status).toBe('pass');
    expect(tagged.item('changelog').message).toBe('CHANGELOG.md does not mention v1.2.0: changelog_mentions_tag == true (got false)');
  });
});
