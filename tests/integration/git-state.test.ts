/** The git state a run log records (runlog/context.ts), read with the one bounded process runner. */
import { afterAll, afterEach, describe, expect, it, vi } from 'vitest';
import { readGitState } from '../../src/runlog/context.js';
import { gitSandbox, hookWithSleepingChild } from '../support/git-repo.js';
import { pidLog, type PidLog } from '../support/orphans.js';

const sandbox = gitSandbox();
const started: PidLog[] = [];
afterEach(() => started.splice(0).forEach((p) => p.kill()));
afterAll(() => sandbox.remove());

describe('git state of a run', () => {
  it('reads sha and dirtiness of a repository', async () => {
    const r = sandbox.repo('plain', { 'a.txt': '1\n' });
    expect(await readGitState(r.dir)).toEqual({ sha: r.git('rev-parse', 'HEAD'), dirty: false, describe: null });
    r.write('b.txt', '2\n');
    expect((await readGitState(r.dir)).dirty).toBe(true);
  });

  it('a status hook that hangs with a sleeping child: git status gives up after its 3 s, and no process survives', async () => {
    const r = sandbox.repo('hook-hangs', { 'a.txt': '1\n' });
    const pids = pidLog(sandbox.root, 'hook-hangs.pids');
    started.push(pids);
    hookWithSleepingChild(r, pids.file, 'sleep');
    expect(await readGitState(r.dir)).toEqual({ sha: r.git('rev-parse', 'HEAD'), dirty: null, describe: null });
    await vi.waitFor(() => expect(pids.running()).toEqual([]), { timeout: 1000 });
  });

  it('a status hook that leaves a sleeping child holding the output: the state is read and the child ends', async () => {
    const r = sandbox.repo('hook-leaves-child', { 'a.txt': '1\n' });
    const pids = pidLog(sandbox.root, 'hook-leaves-child.pids');
    started.push(pids);
    hookWithSleepingChild(r, pids.file, 'exit');
    expect(await readGitState(r.dir)).toEqual({ sha: r.git('rev-parse', 'HEAD'), dirty: false, describe: null });
    await vi.waitFor(() => expect(pids.running()).toEqual([]), { timeout: 1000 });
  });
});
