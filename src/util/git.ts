import { execFile } from 'node:child_process';

/** Runs git with a short timeout; undefined when git is missing or fails. */
export function git(args: string[], cwd: string, timeoutMs = 3000): Promise<string | undefined> {
  return new Promise((resolve) => {
    execFile('git', args, { cwd, timeout: timeoutMs, windowsHide: true }, (err, stdout) => {
      resolve(err ? undefined : stdout.trim());
    });
  });
}
