import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const BIN = fileURLToPath(new URL('../../bin/sfdeploy.js', import.meta.url));
export const REPO_ROOT = fileURLToPath(new URL('../../', import.meta.url));

/** The command line of the built binary, for a terminal that runs it itself (a tmux session, `script`'s pty). */
export const cliCommand = (args: string[]): string[] => [process.execPath, BIN, ...args];

export interface CliResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

export interface CliOptions {
  cwd?: string;
  /** Added to a clean CI-like environment (PATH, HOME, NO_COLOR=1); undefined removes a variable. */
  env?: Record<string, string | undefined>;
  /** Standard input, then closed. Without it, startCli keeps it open for `write`; runCli closes it empty. */
  input?: string;
  /** Killed (SIGKILL) after this long; default 20 s. */
  timeoutMs?: number;
  /** Runs bin/sfdeploy.js as an executable, by its shebang (as npm's bin links do), not as `node bin/sfdeploy.js`. */
  asExecutable?: boolean;
}

/** A running `sfdeploy`: its output so far, waiting for text, signals, its standard input, its end. */
export interface CliProcess {
  /** The child itself (its pid, its streams: a reader that goes away destroys `child.stdout`). */
  child: ChildProcessWithoutNullStreams;
  stdout(): string;
  stderr(): string;
  /** Resolves once stdout (or `stream`) matches; rejects when the process ends without it. */
  waitFor(pattern: string | RegExp, stream?: 'stdout' | 'stderr'): Promise<void>;
  /** Sends a signal (SIGINT: Ctrl-C). */
  kill(signal: NodeJS.Signals): void;
  /** Writes to standard input. */
  write(text: string): void;
  /** How it ended, with all its output. */
  done: Promise<CliResult>;
}

/** Starts the built `sfdeploy` binary with NO_COLOR and a clean CI-like environment; see CliProcess. */
export function startCli(args: string[], o: CliOptions = {}): CliProcess {
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries({
    PATH: process.env.PATH,
    HOME: process.env.HOME,
    NO_COLOR: '1',
    AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
    ...o.env,
  })) {
    if (v !== undefined) env[k] = v;
  }
  const [file, argv] = o.asExecutable ? [BIN, args] : [process.execPath, [BIN, ...args]];
  const child = spawn(file, argv, { cwd: o.cwd ?? REPO_ROOT, env, stdio: ['pipe', 'pipe', 'pipe'] });
  const out = { stdout: '', stderr: '' };
  const waiting = new Set<() => void>();
  const onData = (stream: 'stdout' | 'stderr') => (d: Buffer) => {
    out[stream] += d.toString();
    for (const check of [...waiting]) check();
  };
  child.stdout.on('data', onData('stdout'));
  child.stderr.on('data', onData('stderr'));
  child.stdin.on('error', () => undefined);
  if (o.input !== undefined) child.stdin.end(o.input);
  const timer = setTimeout(() => child.kill('SIGKILL'), o.timeoutMs ?? 20_000);
  let ended = false;
  const done = new Promise<CliResult>((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      ended = true;
      for (const check of [...waiting]) check();
      resolve({ code, signal, ...out });
    });
  });
  return {
    child,
    stdout: () => out.stdout,
    stderr: () => out.stderr,
    waitFor: (pattern, stream = 'stdout') =>
      new Promise<void>((resolve, reject) => {
        const check = (): void => {
          const text = out[stream];
          if (typeof pattern === 'string' ? text.includes(pattern) : pattern.test(text)) {
            waiting.delete(check);
            resolve();
          } else if (ended) {
            waiting.delete(check);
            reject(new Error(`sfdeploy ended before its ${stream} showed ${String(pattern)}:\n${out.stdout}${out.stderr}`));
          }
        };
        waiting.add(check);
        check();
      }),
    kill: (signal) => child.kill(signal),
    write: (text) => child.stdin.write(text),
    done,
  };
}

/** Runs the built `sfdeploy` binary to its end (see startCli), its standard input `input` or empty. */
export function runCli(args: string[], o: CliOptions = {}): Promise<CliResult> {
  return startCli(args, { ...o, input: o.input ?? '' }).done;
}
