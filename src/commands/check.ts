import { randomBytes } from 'node:crypto';
import { constants } from 'node:fs';
import { access, open } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { PassThrough } from 'node:stream';
import { loadChecklistFile } from '../checklist/load.js';
import { selectItems } from '../checklist/select.js';
import { StoreError, UsageError } from '../errors.js';
import { createGithubReporter } from '../reporters/github.js';
import { isFormat, RUN_FORMATS, type RunFormatName } from '../reporters/formats.js';
import { runFormats } from '../reporters/index.js';
import { createPrettyReporter } from '../reporters/pretty.js';
import { EXIT } from '../runner/gate.js';
import { runChecklist } from '../runner/run.js';
import type { RunContextInfo, RunListener } from '../runner/types.js';
import { currentHost, currentUser, readGitState } from '../runlog/context.js';
import { removeStaleTempFiles } from '../util/atomic-file.js';
import { resolveLogDir } from '../runlog/history.js';
import { resolveLogStore, type RunLogStore } from '../runlog/store.js';
import { newRunId, RunLogWriteError, RunLogWriter } from '../runlog/write.js';
import type { RunLog } from '../runner/types.js';
import type { SignoffProvider } from '../runner/run.js';
import { checkRoleOption } from '../signoff/approvals.js';
import { resolveSigner } from '../signoff/identity.js';
import { brokenLedgerWarning, type LedgerSnapshot } from '../signoff/ledger.js';
import { openLedger } from '../signoff/open.js';
import { createTerminalQuestions } from '../signoff/prompt.js';
import { createSignoffProvider } from '../signoff/provider.js';
import { ledgerContext, noteAppended } from '../signoff/run-context.js';
import { resolveTarget } from '../signoff/target.js';
import { queueRun, queueRunSync, resolveOutbox } from '../store/outbox.js';
import { MAX_TIMER_MS, parseDuration, TOO_LONG_FOR_A_TIMER } from '../util/duration.js';
import { makeDirectory } from '../util/make-directory.js';
import { createRedactor } from '../util/redact.js';
import { buildEnv } from './env-files.js';
import { displayPath, resolveChecklist, type CommandIO } from './io.js';

export interface CheckOptions {
  format: RunFormatName;
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
  /** The team's log store, `s3://bucket/prefix`: the run log is uploaded there when the run ends or is interrupted. */
  logStore?: string | undefined;
}

/** How watch mode reuses one check: its listeners replace the terminal and CI output. */
export interface CheckHooks {
  listeners?: RunListener[];
}

/** `sfdeploy check <name|path>`: run a checklist once and gate on the result (watch mode is commands/watch.ts). Returns the exit code. */
export async function check(ref: string, opts: CheckOptions, io: CommandIO, hooks: CheckHooks = {}): Promise<number> {
  if (!isFormat(RUN_FORMATS, opts.format)) {
    throw new UsageError(`--format must be one of ${RUN_FORMATS.join(', ')}, got "${opts.format}"`);
  }
  const format = runFormats[opts.format];
  const concurrency = Number(opts.concurrency);
  if (!Number.isInteger(concurrency) || concurrency < 1 || concurrency > 256) {
    throw new UsageError(`--concurrency expects a whole number 1-256, got "${opts.concurrency}"`);
  }
  let timeoutMs: number | undefined;
  if (opts.timeout !== undefined) {
    timeoutMs = parseDuration(opts.timeout);
    if (!timeoutMs) throw new UsageError(`--timeout expects a duration such as 500ms, 10s or 2m, got "${opts.timeout}"`);
    if (timeoutMs > MAX_TIMER_MS) throw new UsageError(`--timeout must be ${TOO_LONG_FOR_A_TIMER}, got "${opts.timeout}"`);
  }
  const file = resolveChecklist(ref, io.cwd);
  const env = buildEnv(io.env, io.cwd, opts.envFile, opts.var);
  const checklist = await loadChecklistFile(file, { env });
  const selected = selectItems(checklist.items, opts.only, opts.skip);
  const redact = createRedactor(env, checklist.secretNames);
  checkRoleOption(checklist.definition, opts.role);

  const git = await readGitState(io.cwd);
  const { release, environment } = resolveTarget(opts, env, git.describe, redact);
  const logStore = resolveLogStore(opts.logStore, env);
  const signTarget = { checklist: checklist.definition.id, release, environment };
  const ledger = openLedger(opts.ledger, env, io.cwd, { checklist: checklist.definition.id });
  let snapshot: LedgerSnapshot | undefined;
  /** Why the ledger cannot be used in this run: its manual items are `error`, never signed. */
  let ledgerDown: string | undefined;
  try {
    snapshot = await ledger.read();
  } catch (e) {
    if (!(e instanceof StoreError)) throw e;
    ledgerDown = `ledger ${e.unreachable ? 'unreachable' : 'unreadable'}: ${e.reason} (${ledger.location})`;
    io.stderr.write(`warning: ${e.message}; manual items are errors in this run\n`);
  }
  const warning = snapshot && brokenLedgerWarning(snapshot, displayPath(ledger.location, io.cwd));
  if (warning) io.stderr.write(warning);
  const context: RunContextInfo = {
    release,
    environment,
    gitSha: git.sha,
    gitDirty: git.dirty,
    host: currentHost(),
    user: currentUser(env),
    sfdeployVersion: io.version,
    ...ledgerContext(ledger, snapshot, signTarget),
  };

  const now = new Date();
  const runId = newRunId(now, () => randomBytes(3).toString('hex'));
  const logDir = resolveLogDir(opts.logDir, env, io.cwd);
  const writer = new RunLogWriter(logDir, runId);
  await makeDirectory(logDir).catch((e: Error) => {
    throw new UsageError(`cannot create the run log directory ${logDir}: ${e.message}`);
  });
  // a run that cannot be recorded does not start (a full disk mid-run is reported when the run ends)
  await access(logDir, constants.W_OK).catch((e: Error) => {
    throw new UsageError(`cannot write run logs in ${logDir}: ${e.message}`);
  });
  await removeStaleTempFiles(logDir);

  const outbox = resolveOutbox(io.cwd);
  io.onForcedExit(() => {
    writer.writeInterruptedSync(new Date());
    if (logStore) queueRunSync(outbox, logStore.location, runId, writer.path, new Date());
  });
  const interactive = !opts.ci && io.stdinIsTTY && env.CI !== 'true' && env.CI !== '1';
  const listeners: RunListener[] = [{ onRunStart: (log) => writer.schedule(log) }, writer];
  const sectionTitles = new Map(checklist.definition.sections.map((s) => [s.id, s.title]));
  const logPath = displayPath(writer.path, io.cwd);

  let outputStream: NodeJS.WritableStream | undefined;
  let outputDone: Promise<Error | undefined> | undefined;
  if (opts.output) {
    const outPath = resolve(io.cwd, opts.output);
    // opened before anything runs: a path that cannot be written is a usage error, not a crash after the gate
    const handle = await makeDirectory(dirname(outPath))
      .then(() => open(outPath, 'w'))
      .catch((e: Error) => {
        throw new UsageError(`cannot write --output ${displayPath(outPath, io.cwd)}: ${e.message}`);
      });
    const pass = new PassThrough();
    const fileStream = handle.createWriteStream();
    pass.pipe(fileStream);
    outputStream = pass;
    outputDone = new Promise((res) => {
      fileStream.on('finish', () => res(undefined));
      fileStream.on('error', (e) => {
        pass.unpipe(fileStream);
        pass.resume();
        res(e);
      });
    });
  }
  const target = (outputStream ?? io.stdout) as NodeJS.WritableStream & import('node:stream').Writable;
  if (format.machine || outputStream) listeners.push(format.createListener(target, { sectionTitles, logPath }));
  const progressToStderr = format.machine && !outputStream;
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
      listeners.push(
        createGithubReporter({
          stream: progressToStderr ? io.stderr : io.stdout,
          summaryPath: io.env.GITHUB_STEP_SUMMARY || undefined,
          workspace: io.env.GITHUB_WORKSPACE || io.cwd,
        }),
      );
    }
  }

  const signoff: SignoffProvider =
    snapshot && !ledgerDown
      ? createSignoffProvider({
          checklist,
          target: signTarget,
          ledger,
          snapshot,
          host: context.host,
          redact,
          onHead: (hash) => noteAppended(context, hash),
          interactive: interactive
            ? {
                signer: await resolveSigner(opts.signer, io.cwd, context.user),
                role: opts.role,
                questions: createTerminalQuestions({ output: io.stdout, input: io.stdin, color: io.color }),
                color: io.color,
              }
            : undefined,
        })
      : { resolve: async () => ({ status: 'error', message: ledgerDown ?? 'no ledger' }) };

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
  const notRecorded: string[] = [];
  await writer.flush(log, logPath).catch((e: unknown) => {
    if (!(e instanceof RunLogWriteError)) throw e;
    notRecorded.push(e.message);
  });
  if (logStore) await uploadRunLog(logStore, log, writer.path, outbox, io);
  if (outputStream) {
    outputStream.end();
    const failed = await outputDone;
    if (failed)
      notRecorded.push(
        `could not write --output ${displayPath(resolve(io.cwd, opts.output!), io.cwd)} (${errorCode(failed)}); the gate does not pass`,
      );
  }
  for (const line of notRecorded) io.stderr.write(`error: ${line}\n`);
  let code = log.summary.exitCode;
  if (code === EXIT.pending && opts.allowPending) code = EXIT.passed;
  // what could not be recorded never passes, and the probes did run: not a usage error
  if (notRecorded.length && code !== EXIT.interrupted) return EXIT.failed;
  return code;
}

const errorCode = (e: Error): string => (e as NodeJS.ErrnoException).code ?? e.message;

/** Uploads the finished (or interrupted) run log; when the store fails, queues it for `sfdeploy sync` and warns. */
async function uploadRunLog(store: RunLogStore, log: RunLog, file: string, outbox: string, io: CommandIO): Promise<void> {
  try {
    await store.upload(log.runId, `${JSON.stringify(log, null, 2)}\n`);
  } catch (e) {
    if (!(e instanceof StoreError)) throw e;
    await queueRun(outbox, store.location, log.runId, file, new Date());
    io.stderr.write(
      `warning: the run log was not uploaded: ${e.message}; queued in ${displayPath(outbox, io.cwd)} (run \`sfdeploy sync\`)\n`,
    );
  }
}
