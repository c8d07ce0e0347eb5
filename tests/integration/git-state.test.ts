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

  it.each([
    ['hangs with a sleeping child: git status gives up after its 3 s', 'sleep', null],
    ['leaves a sleeping child holding the output: the state is read', 'exit', false],
  ] as const)('a status hook that %s, and no process survives', async (_, then, dirty) => {
    const r = sandbox.repo(`hook-${then}`, { 'a.txt': '1\n' });
    const pids = pidLog(sandbox.root, `hook-${then}.pids`);
    started.push(pids);
    hookWithSleepingChild(r, pids.file, then);
    expect(await readGitState(r.dir)).toEqual({ sha: r.git('rev-parse', 'HEAD'), dirty, describe: null });
    await vi.waitFor(() => expect(pids.running()).toEqual([]), { timeout: 1000 });
  });
});
