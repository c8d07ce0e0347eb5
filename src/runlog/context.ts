import { hostname, userInfo } from 'node:os';
import { git } from '../util/git.js';

export interface GitState {
  sha: string | null;
  dirty: boolean | null;
  /** `git describe --tags`: the release name by default; null without tags. */
  describe: string | null;
}

export async function readGitState(cwd: string): Promise<GitState> {
  const [sha, status, describe] = await Promise.all([
    git(['rev-parse', 'HEAD'], cwd),
    git(['status', '--porcelain'], cwd),
    git(['describe', '--tags'], cwd),
  ]);
  return { sha: sha ?? null, dirty: status === undefined ? null : status !== '', describe: describe ?? null };
}

export function currentHost(): string {
  return hostname();
}

export function currentUser(env: Record<string, string | undefined>): string {
  try {
    return userInfo().username;
  } catch {
    return env.USER ?? env.USERNAME ?? 'unknown';
  }
}
