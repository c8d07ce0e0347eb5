import { execFileSync } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';

/** Environment that keeps test repositories away from the user's and the system's git configuration. */
export const GIT_ENV: Record<string, string> = {
  GIT_CONFIG_GLOBAL: '/dev/null',
  GIT_CONFIG_NOSYSTEM: '1',
  GIT_AUTHOR_NAME: 'Test Author',
  GIT_AUTHOR_EMAIL: 'author@socialflow.test',
  GIT_COMMITTER_NAME: 'Test Author',
  GIT_COMMITTER_EMAIL: 'author@socialflow.test',
  GIT_TERMINAL_PROMPT: '0',
};

export interface TestRepo {
  dir: string;
  /** Runs git in the repository and returns its trimmed stdout. */
  git(...args: string[]): string;
  /** Writes a file (folders created). */
  write(path: string, text: string): void;
  /** Stages everything and commits. */
  commit(message: string): string;
}

/** A scratch folder holding repositories; `remove()` deletes it all. */
export function gitSandbox(): {
  root: string;
  repo(name: string, files?: Record<string, string>): TestRepo;
  bare(name: string): string;
  clone(from: string, name: string): TestRepo;
  remove(): void;
} {
  const root = mkdtempSync(join(tmpdir(), 'sfdeploy-git-'));
  const run = (cwd: string, args: string[]): string =>
    execFileSync('git', args, { cwd, env: { ...process.env, ...GIT_ENV }, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] }).trim();
  const wrap = (dir: string): TestRepo => ({
    dir,
    git: (...args) => run(dir, args),
    write: (path, text) => {
      const full = join(dir, path);
      mkdirSync(dirname(full), { recursive: true });
      writeFileSync(full, text);
    },
    commit: (message) => {
      run(dir, ['add', '-A']);
      run(dir, ['commit', '-q', '--allow-empty', '-m', message]);
      return run(dir, ['rev-parse', 'HEAD']);
    },
  });
  return {
    root,
    repo(name, files = {}) {
      const dir = join(root, name);
      mkdirSync(dir, { recursive: true });
      run(dir, ['init', '-q', '-b', 'main']);
      const r = wrap(dir);
      for (const [p, t] of Object.entries(files)) r.write(p, t);
      if (Object.keys(files).length) r.commit('initial commit');
      return r;
    },
    bare(name) {
      const dir = join(root, name);
      mkdirSync(dir, { recursive: true });
      run(dir, ['init', '-q', '--bare', '-b', 'main']);
      return dir;
    },
    clone(from, name) {
      run(root, ['clone', '-q', from, name]);
      return wrap(join(root, name));
    },
    remove: () => rmSync(root, { recursive: true, force: true }),
  };
}

/** Makes `git status` in the repository hang (a core.fsmonitor hook that sleeps), for timeout tests. */
export function makeStatusHang(repo: TestRepo, seconds = 10): void {
  const hook = join(repo.dir, '..', `hang-${Date.now()}.sh`);
  writeFileSync(hook, `#!/bin/sh\nexec sleep ${seconds} >/dev/null 2>&1 </dev/null\n`);
  chmodSync(hook, 0o755);
  repo.git('config', 'core.fsmonitor', hook);
}

/**
 * Gives the repository a `core.fsmonitor` hook (run by `git status`) that starts a sleeping child holding git's
 * stderr, then sleeps itself or exits; both write their pid to `pidFile`.
 */
export function hookWithSleepingChild(r: TestRepo, pidFile: string, then: 'sleep' | 'exit'): void {
  const hook = join(r.dir, '..', `${r.dir.split('/').at(-1)}-hook.sh`);
  const last = then === 'sleep' ? 'exec sleep 60 >/dev/null </dev/null' : 'exit 1';
  writeFileSync(hook, `#!/bin/sh\necho $$ >> ${pidFile}\nsleep 60 >/dev/null </dev/null &\necho $! >> ${pidFile}\n${last}\n`);
  chmodSync(hook, 0o755);
  r.git('config', 'core.fsmonitor', hook);
}
