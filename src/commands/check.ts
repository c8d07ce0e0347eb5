import { randomBytes } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { PassThrough } from 'node:stream';
import { loadChecklistFile } from '../checklist/load.js';
import { selectItems } from '../checklist/select.js';
import { StoreError, UsageError } from '../errors.js';
import { createGithubReporter } from '../reporters/github.js';
import { isFormat, RUN_FORMATS } from '../reporters/formats.js';
import { runFormats } from '../reporters/index.js';
import { createPrettyReporter } from '../reporters/pretty.js';
import { EXIT } from '../runner/gate.js';
import { runChecklist } from '../runner/run.js';
import type { RunContextInfo, RunListener } from '../runner/types.js';
import { currentHost, currentUser, readGitState } from '../runlog/context.js';
import { removeStaleTempFiles } from '../util/atomic-file.js';
import { resolveLogDir } from '../runlog/history.js';
import { resolveLogStore, type RunLogStore } from '../runlog/store.js';
import { newRunId, RunLogWriter } from '../runlog/write.js';
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
import { parseDuration } from '../util/duration.js';
import { createRedactor } from '../util/redact.js';
import { loadEnv } from './env-files.js';
import { displayPath, resolveChecklist, type CommandIO } from './io.js';

export interface CheckOptions {
  /** One of RUN_FORMATS (reporters/formats.ts). */
  format: string;
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
  }
  const file = resolveChecklist(ref, io.cwd);
  const loaded = loadEnv(io.env, io.cwd, opts.envFile, opts.var);
  const env = loaded.env;
  for (const line of loaded.unresolved) io.stderr.write(`warning: ${line}\n`);
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
    envFiles: loaded.files,
    ...(loaded.unresolved.length ? { envUnresolved: loaded.unresolved } : {}),
    ...ledgerContext(ledger, snapshot, signTarget),
  };

  const now = new Date();
  const runId = newRunId(now, () => randomBytes(3).toString('hex'));
  const logDir = resolveLogDir(opts.logDir, env, io.cwd);
  const writer = new RunLogWriter(logDir, runId);
  await mkdir(logDir, { recursive: true }).catch((e: Error) => {
    throw new UsageError(`cannot create the run log directory ${logDir}: ${e.message}`);
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
    ownPaths: [
      logDir,
      outbox,
      ...(opts.output ? [resolve(io.cwd, opts.output)] : []),
      ...(/^s3:\/\//.test(ledger.location) ? [] : [resolve(io.cwd, ledger.location)]),
    ],
    redact,
    listeners,
  });
  await writer.flush(log);
  if (logStore) await uploadRunLog(logStore, log, writer.path, outbox, io);
  if (outputStream) {
    outputStream.end();
    await outputDone;
  }
  const code = log.summary.exitCode;
  if (code === EXIT.pending && opts.allowPending) return EXIT.passed;
  return code;
}

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
