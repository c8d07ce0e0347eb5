import { randomBytes } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { PassThrough } from 'node:stream';
import { loadChecklistFile } from '../checklist/load.js';
import { selectItems } from '../checklist/select.js';
import { UsageError } from '../errors.js';
import { createGithubReporter } from '../reporters/github.js';
import { createJsonReporter } from '../reporters/json.js';
import { createJunitReporter } from '../reporters/junit.js';
import { createPrettyReporter } from '../reporters/pretty.js';
import { EXIT } from '../runner/gate.js';
import { runChecklist } from '../runner/run.js';
import type { RunContextInfo, RunListener } from '../runner/types.js';
import { currentHost, currentUser, readGitState } from '../runlog/context.js';
import { removeStaleTempFiles } from '../runlog/atomic-file.js';
import { newRunId, RunLogWriter } from '../runlog/write.js';
import { checkRoleOption } from '../signoff/approvals.js';
import { resolveSigner } from '../signoff/identity.js';
import { brokenLedgerWarning, FileLedger, resolveLedgerPath } from '../signoff/ledger.js';
import { createTerminalQuestions } from '../signoff/prompt.js';
import { createSignoffProvider } from '../signoff/provider.js';
import { resolveTarget } from '../signoff/target.js';
import { parseDuration } from '../util/duration.js';
import { createRedactor } from '../util/redact.js';
import { buildEnv } from './env-files.js';
import { displayPath, resolveChecklist, type CommandIO } from './io.js';

export const FORMATS = ['pretty', 'json', 'junit'] as const;
export type Format = (typeof FORMATS)[number];

export interface CheckOptions {
  format: Format;
  output?: string | undefined;
  ci: boolean;
  only: string[];
  skip: string[];
  concurrency: string;
  timeout?: string | undefined;
  envFile: string[];
  var: string[];
  release?: string | undefined;
  environment?: string | undefined;
  logDir?: string | undefined;
  allowPending: boolean;
  signer?: string | undefined;
  role?: string | undefined;
  ledger?: string | undefined;
  /** Watch mode (commands/watch.ts): start a run this often, such as `5m`. */
  every?: string | undefined;
  /** Watch mode: keep going this long, such as `4h` (default: until stopped). */
  for?: string | undefined;
  /** Watch mode: stop after the first failed run. */
  untilFail?: boolean | undefined;
}

/** How watch mode reuses one check: its listeners replace the terminal and CI output. */
export interface CheckHooks {
  listeners?: RunListener[];
}

/** `sfdeploy check <name|path>`: run a checklist and gate on the result. Returns the exit code. */
export async function check(ref: string, opts: CheckOptions, io: CommandIO, hooks: CheckHooks = {}): Promise<number> {
  if (opts.every !== undefined || opts.for !== undefined || opts.untilFail) {
    const { watchCheck } = await import('./watch.js');
    return watchCheck(ref, opts, io);
  }
  if (!(FORMATS as readonly string[]).includes(opts.format)) {
    throw new UsageError(`--format must be one of ${FORMATS.join(', ')}, got "${opts.format}"`);
  }
  const concurrency = Number(opts.concurrency);
  if (!Number.isInteger(concurrency) || concurrency < 1 || concurrency > 256) {
    throw new UsageError(`--concurrency expects a whole number 1-256, got "${opts.concurrency}"`);
  }
  let timeoutMs: number | undefined;
  if (opts.timeout !== undefined) {
    timeoutMs = parseDuration(opts.timeout);
    if (!timeoutMs) throw new UsageError(`--timeout expects a duration such as 500ms, 10s or 2m, got "${opts.timeout}"`);
  }
  const file = resolveChecklist(ref, io.cwd);
  const env = buildEnv(io.env, io.cwd, opts.envFile, opts.var);
  const checklist = await loadChecklistFile(file, { env });
  const selected = selectItems(checklist.items, opts.only, opts.skip);
  const redact = createRedactor(env, checklist.secretNames);
  checkRoleOption(checklist.definition, opts.role);

  const git = await readGitState(io.cwd);
  const { release, environment } = resolveTarget(opts, env, git.describe, redact);
  const ledger = new FileLedger(resolveLedgerPath(opts.ledger, env, io.cwd));
  const snapshot = await ledger.read();
  const warning = brokenLedgerWarning(snapshot, displayPath(ledger.location, io.cwd));
  if (warning) io.stderr.write(warning);
  const context: RunContextInfo = {
    release,
    environment,
    gitSha: git.sha,
    gitDirty: git.dirty,
    host: currentHost(),
    user: currentUser(env),
    sfdeployVersion: io.version,
    ledgerHead: snapshot.head,
  };

  const now = new Date();
  const runId = newRunId(now, () => randomBytes(3).toString('hex'));
  const logDir = resolve(io.cwd, opts.logDir ?? env.SFDEPLOY_LOG_DIR ?? '.sfdeploy/runs');
  const writer = new RunLogWriter(logDir, runId);
  await mkdir(logDir, { recursive: true }).catch((e: Error) => {
    throw new UsageError(`cannot create the run log directory ${logDir}: ${e.message}`);
  });
  await removeStaleTempFiles(logDir);

  io.onForcedExit(() => writer.writeInterruptedSync(new Date()));
  const interactive = !opts.ci && io.stdinIsTTY && env.CI !== 'true' && env.CI !== '1';
  const listeners: RunListener[] = [{ onRunStart: (log) => writer.schedule(log) }, writer];
  const sectionTitles = new Map(checklist.definition.sections.map((s) => [s.id, s.title]));
  const logPath = displayPath(writer.path, io.cwd);

  let outputStream: NodeJS.WritableStream | undefined;
  let outputDone: Promise<void> | undefined;
  if (opts.output) {
    const outPath = resolve(io.cwd, opts.output);
    await mkdir(dirname(outPath), { recursive: true });
    const pass = new PassThrough();
    const fileStream = createWriteStream(outPath);
    pass.pipe(fileStream);
    outputStream = pass;
    outputDone = new Promise((res, rej) => {
      fileStream.on('finish', () => res());
      fileStream.on('error', rej);
    });
  }
  const target = (outputStream ?? io.stdout) as NodeJS.WritableStream & import('node:stream').Writable;
  const machine = opts.format !== 'pretty';
  if (opts.format === 'json') listeners.push(createJsonReporter(target));
  if (opts.format === 'junit') listeners.push(createJunitReporter(target, sectionTitles));
  if (!machine && outputStream) listeners.push(createPrettyReporter({ stream: target, color: false, spinner: false, logPath }));
  const progressToStderr = machine && !outputStream;
  if (hooks.listeners) listeners.push(...hooks.listeners);
  else {
    listeners.push(
      createPrettyReporter({
        stream: progressToStderr ? io.stderr : io.stdout,
        color: progressToStderr ? false : io.color,
        spinner: !progressToStderr && io.stdoutIsTTY,
        logPath,
      }),
    );
    if (io.env.GITHUB_ACTIONS === 'true') {
      listeners.push(createGithubReporter({ stream: progressToStderr ? io.stderr : io.stdout, summaryPath: io.env.GITHUB_STEP_SUMMARY || undefined, workspace: io.env.GITHUB_WORKSPACE || io.cwd }));
    }
  }

  const signoff = createSignoffProvider({
    checklist,
    target: { checklist: checklist.definition.id, release: context.release, environment: context.environment },
    ledger,
    snapshot,
    host: context.host,
    redact,
    onHead: (head) => (context.ledgerHead = head),
    interactive: interactive
      ? {
          signer: await resolveSigner(opts.signer, io.cwd, context.user),
          role: opts.role,
          questions: createTerminalQuestions({ output: io.stdout, input: io.stdin, color: io.color }),
          color: io.color,
        }
      : undefined,
  });

  const log = await runChecklist({
    runId,
    checklist,
    context,
    selected,
    concurrency,
    timeoutMs,
    signoff,
    signal: io.signal,
    env,
    cwd: io.cwd,
    redact,
    listeners,
  });
  await writer.flush(log);
  if (outputStream) {
    outputStream.end();
    await outputDone;
  }
  const code = log.summary.exitCode;
  if (code === EXIT.pending && opts.allowPending) return EXIT.passed;
  return code;
}
