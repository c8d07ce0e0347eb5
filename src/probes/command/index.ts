import { resolve } from 'node:path';
import { z } from 'zod';
import { ProbeError } from '../../errors.js';
import { OutputCapture } from '../../util/output-capture.js';
import { signalProcessGroup } from '../../util/process-group.js';
import { defineProbe } from '../types.js';

const MAX_OUTPUT = 64 * 1024;

const params = z
  .strictObject({
    run: z
      .array(z.string(), { error: 'expected an argument list such as [git, status]' })
      .min(1)
      .optional()
      .describe(
        'The command as an argument list: `[kubectl, rollout, status, deploy/api]`. No shell is involved, so values are never parsed as shell code.',
      ),
    shell: z
      .string()
      .min(1)
      .optional()
      .describe('A shell line, run by `/bin/sh -c`. `${VAR}` is expanded by the shell from the environment, never pasted into the line.'),
    cwd: z.string().optional().describe('Working directory, relative to the working directory of sfdeploy.'),
    env: z
      .record(z.string(), z.union([z.string(), z.number(), z.boolean()]).transform(String))
      .optional()
      .describe('Extra environment variables for the command.'),
    stdin: z.string().optional().describe("Text written to the command's standard input."),
    reason: z
      .enum(['exit', 'stdout'])
      .default('exit')
      .describe(
        'What a failure says: `exit` (default) "<command> exited with N: <last lines>"; `stdout` the lines the command printed on standard output, ' +
          'for a script that explains its own failure (the exit code is said only when it printed nothing).',
      ),
  })
  .refine((p) => (p.run === undefined) !== (p.shell === undefined), {
    message: 'give exactly one of run: [argv...] or shell: "..."',
  });

/** Runs a command and observes its exit code and output. */
export default defineProbe({
  kind: 'command',
  summary: 'Runs a command (argument list, or an explicit shell line) and checks its exit code and output.',
  docs: 'https://nodejs.org/api/child_process.html#child_processspawncommand-args-options',
  params,
  example: { run: ['alembic', 'heads'] },
  verbatim: ['shell'],
  observations: {
    exit_code: 'the exit code (null when killed by a signal)',
    stdout: 'standard output, trimmed (its first and last 32 KiB when longer than 64 KiB)',
    stderr: 'standard error, trimmed (its first and last 32 KiB when longer than 64 KiB)',
    signal: 'the signal that ended the command, if any',
    truncated: 'true (and only then present) when stdout or stderr was longer than 64 KiB: only its first and last 32 KiB are kept',
  },
  defaultCheck: 'exit_code == 0',
  async run(p, ctx) {
    const { spawn } = await import('node:child_process');
    const file = p.run ? p.run[0]! : '/bin/sh';
    const args = p.run ? p.run.slice(1) : ['-c', p.shell!];
    const env: Record<string, string> = {};
    for (const [k, v] of Object.entries(ctx.env)) if (v !== undefined) env[k] = v;
    if (p.shell) {
      for (const m of p.shell.matchAll(/\$\{([A-Za-z_][A-Za-z0-9_]*)/g)) {
        const v = ctx.lookup(m[1]!);
        if (v !== undefined) env[m[1]!] = v;
      }
    }
    Object.assign(env, p.env ?? {});
    if (ctx.signal.aborted) throw new ProbeError(`${file} was cancelled`);
    // its own process group: a timeout or an interrupt ends the command and everything it started
    const child = spawn(file, args, {
      cwd: resolve(ctx.cwd, p.cwd ?? '.'),
      env,
      detached: true,
      stdio: [p.stdin === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe'],
    });
    const out = new OutputCapture(MAX_OUTPUT);
    const err = new OutputCapture(MAX_OUTPUT);
    child.stdout!.on('data', (d: Buffer) => out.add(d));
    child.stderr!.on('data', (d: Buffer) => err.add(d));
    if (child.stdin) {
      child.stdin.on('error', () => undefined);
      child.stdin.end(p.stdin);
    }
    const killGroup = (): void => signalProcessGroup(child.pid, 'SIGKILL');
    const onAbort = (): void => {
      killGroup();
      // a process that left the group may still hold the pipes open
      child.stdout!.destroy();
      child.stderr!.destroy();
    };
    ctx.signal.addEventListener('abort', onAbort, { once: true });
    let exit: { code: number | null; signal: NodeJS.Signals | null };
    try {
      exit = await new Promise((res, rej) => {
        child.once('error', rej);
        child.once('exit', (code, signal) => {
          // what the command left running in its group would hold its output open: it ends with the command
          killGroup();
          child.once('close', () => res({ code, signal }));
        });
      });
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      if (code === 'ENOENT') throw new ProbeError(`command not found: ${file} (is it installed and on PATH?)`);
      if (code === 'EACCES') throw new ProbeError(`permission denied running ${file}`);
      throw e;
    } finally {
      ctx.signal.removeEventListener('abort', onAbort);
    }
    if (ctx.signal.aborted) throw new ProbeError(`${file} was cancelled`);
    const stdout = out.text().trim();
    const stderr = err.text().trim();
    const problems: string[] = [];
    if (exit.code !== 0 && p.reason === 'stdout' && stdout !== '') {
      problems.push(
        ...stdout
          .split('\n')
          .map((l) => l.trim())
          .filter(Boolean),
      );
    } else if (exit.code !== 0) {
      const tail = (stderr || stdout).split('\n').slice(-3).join(' | ');
      problems.push(
        exit.code === null
          ? `${file} was killed by ${exit.signal ?? 'a signal'}`
          : `${file} exited with ${exit.code}${tail ? `: ${tail}` : ''}`,
      );
    }
    return {
      observations: {
        exit_code: exit.code,
        stdout,
        stderr,
        signal: exit.signal,
        ...(out.truncated || err.truncated ? { truncated: true } : {}),
      },
      problems,
      summary: `exit ${exit.code}`,
    };
  },
});
