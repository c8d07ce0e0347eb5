import { OutputCapture } from './output-capture.js';
import { signalProcessGroup } from './process-group.js';

export interface RunProcessOptions {
  cwd?: string | undefined;
  /** The whole environment of the program; without it, sfdeploy's own. */
  env?: Record<string, string | undefined> | undefined;
  /** Text written to its standard input; without it, standard input is empty. */
  input?: string | undefined;
  /** Ends the program, and all it started, when aborted. */
  signal?: AbortSignal | undefined;
  /** Ends the program, and all it started, after this many milliseconds. */
  timeoutMs?: number | undefined;
  /** Bytes kept of stdout and of stderr each: their start and end when longer. */
  maxOutput: number;
  /** Masks secrets in the output before it is cut to maxOutput. */
  redact?: ((text: string) => string) | undefined;
}

export interface ProcessResult {
  /** The exit code; null when a signal ended it. */
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  /** True when stdout or stderr was longer than maxOutput: only its start and end are kept. */
  truncated: boolean;
  /** Why it was ended before it finished: the abort signal, or timeoutMs. */
  stopped?: 'aborted' | 'timed out';
}

/**
 * Runs a program (no shell) in its own process group. When the signal aborts or timeoutMs passes, and when the
 * program exits, the whole group is killed: a hook, an ssh or a child that the program started cannot hold the
 * output open or outlive it. Output is kept within maxOutput and masked before it is cut. Rejects only when the
 * program cannot start, with Node's error (its `code`: ENOENT, EACCES).
 */
export async function runProcess(file: string, args: readonly string[], o: RunProcessOptions): Promise<ProcessResult> {
  const empty = { code: null, signal: null, stdout: '', stderr: '', truncated: false };
  if (o.signal?.aborted) return { ...empty, stopped: 'aborted' };
  const { execa } = await import('execa');
  const env = o.env && Object.fromEntries(Object.entries(o.env).filter((e): e is [string, string] => e[1] !== undefined));
  const child = execa(file, args, {
    cwd: o.cwd,
    ...(env ? { env, extendEnv: false } : {}),
    ...(o.input === undefined ? { stdin: 'ignore' as const } : { input: o.input }),
    detached: true,
    windowsHide: true,
    buffer: false,
    reject: false,
  });
  const out = new OutputCapture(o.maxOutput);
  const err = new OutputCapture(o.maxOutput);
  const stdout = child.stdout;
  const stderr = child.stderr;
  stdout.on('data', (d: Buffer) => out.add(d));
  stderr.on('data', (d: Buffer) => err.add(d));
  let stopped: ProcessResult['stopped'];
  const stop = (why: NonNullable<ProcessResult['stopped']>): void => {
    stopped ??= why;
    signalProcessGroup(child.pid, 'SIGKILL');
    // a process that left the group may still hold the pipes open
    stdout.destroy();
    stderr.destroy();
  };
  const onAbort = (): void => stop('aborted');
  o.signal?.addEventListener('abort', onAbort, { once: true });
  const timer = o.timeoutMs === undefined ? undefined : setTimeout(() => stop('timed out'), o.timeoutMs);
  let exit: { code: number | null; signal: NodeJS.Signals | null } | undefined;
  let spawnError: Error | undefined;
  child.once('error', (e) => (spawnError ??= e));
  child.once('exit', (code, signal) => {
    exit = { code, signal };
    // what the program left running in its group would hold its output open: it ends with the program
    signalProcessGroup(child.pid, 'SIGKILL');
  });
  try {
    await child;
    if (!exit) throw spawnError ?? new Error(`${file} did not start`);
    return {
      ...exit,
      stdout: out.text(o.redact),
      stderr: err.text(o.redact),
      truncated: out.truncated || err.truncated,
      ...(stopped ? { stopped } : {}),
    };
  } finally {
    clearTimeout(timer);
    o.signal?.removeEventListener('abort', onAbort);
  }
}

/** Starts loading the process library, for `Probe.warm` of the probes that run programs. */
export function warmProcessRunner(): Promise<unknown> {
  return import('execa');
}
