import { runProcess } from './run-process.js';

/** Runs git with a short timeout, in its own process group (a hook it starts ends with it); undefined when git is missing or fails. */
export async function git(args: string[], cwd: string, timeoutMs = 3000): Promise<string | undefined> {
  const r = await runProcess('git', args, { cwd, timeoutMs, maxOutput: 1024 * 1024 }).catch(() => undefined);
  return r && r.code === 0 && !r.stopped && !r.truncated ? r.stdout.trim() : undefined;
}
