import { resolve } from 'node:path';
import { z } from 'zod';
import { ProbeError } from '../../errors.js';
import { runProcess, warmProcessRunner, type ProcessResult } from '../../util/run-process.js';
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
  warm: warmProcessRunner,
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
    let exit: ProcessResult;
    try {
      exit = await runProcess(file, args, {
        cwd: resolve(ctx.cwd, p.cwd ?? '.'),
        env,
        input: p.stdin,
        signal: ctx.signal,
        maxOutput: MAX_OUTPUT,
        redact: ctx.redact,
      });
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      if (code === 'ENOENT') throw new ProbeError(`command not found: ${file} (is it installed and on PATH?)`);
      if (code === 'EACCES') throw new ProbeError(`permission denied running ${file}`);
      throw e;
    }
    if (exit.stopped || ctx.signal.aborted) throw new ProbeError(`${file} was cancelled`);
    const stdout = exit.stdout.trim();
    const stderr = exit.stderr.trim();
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
        ...(exit.truncated ? { truncated: true } : {}),
      },
      problems,
      summary: `exit ${exit.code}`,
    };
  },
});
