import { randomBytes } from 'node:crypto';
import { constants } from 'node:fs';
import { access, open } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { PassThrough } from 'node:stream';
import { loadChecklistFile } from '../checklist/load.js';
import { skipForEnvironment } from '../checklist/environment.js';
import { matchSelectors, selectItems } from '../checklist/select.js';
import { StoreError, UsageError } from '../errors.js';
import { createGithubReporter } from '../reporters/github.js';
import { isFormat, RUN_FORMATS } from '../reporters/formats.js';
import { runFormats } from '../reporters/index.js';
import { createPrettyReporter } from '../reporters/pretty.js';
import { EXIT } from '../runner/gate.js';
import { runChecklist } from '../runner/run.js';
import { warmProbes } from '../probes/index.js';
import type { RunFormatName } from '../reporters/formats.js';
import type { RunContextInfo, RunListener } from '../runner/types.js';
import { currentHost, currentUser, readGitState } from '../runlog/context.js';
import { removeStaleTempFiles } from '../util/atomic-file.js';
import { openRunHistory, resolveLogDir } from '../runlog/history.js';
import type { RunHistory } from '../runlog/read.js';
import { resolveLogStore, type RunLogStore } from '../runlog/store.js';
import { newRunId, RunLogWriteError, RunLogWriter } from '../runlog/write.js';
import type { RunLog } from '../runner/types.js';
import type { SignoffProvider } from '../runner/run.js';
import { checkRoleOption } from '../signoff/approvals.js';
import { resolveSigner } from '../signoff/identity.js';
import { rewrittenSince, reusesSignoffs } from '../signoff/cross-check.js';
import { brokenLedgerWarning, type Ledger, type LedgerSnapshot } from '../signoff/ledger.js';
import { openLedger } from '../signoff/open.js';
import { S3Ledger } from '../signoff/s3-ledger.js';
import { createTerminalQuestions } from '../signoff/prompt.js';
import { createSignoffProvider } from '../signoff/provider.js';
import { ledgerContext, noteAppended } from '../signoff/run-context.js';
import {
  createSshSigner,
  loadSignatureRules,
  resolveSigningKey,
  selfChecking,
  type SignatureRules,
  type SignFunction,
} from '../signoff/signature.js';
import { resolveTarget, UNKNOWN_RELEASE } from '../signoff/target.js';
import { createWaiverStep } from '../signoff/waivers.js';
import { gateEvents, sendNotifications } from '../notify/send.js';
import { notifySecrets, resolveNotifyTargets } from '../notify/targets.js';
import type { NotifyEvent } from '../checklist/schema.js';
import { queueRun, queueRunSync, resolveOutbox } from '../store/outbox.js';
import { MAX_TIMER_MS, parseDuration, TOO_LONG_FOR_A_TIMER } from '../util/duration.js';
import { makeDirectory } from '../util/make-directory.js';
import { createRedactor } from '../util/redact.js';
import { probeSecretValues } from '../runner/secret-values.js';
import type { Env } from '../util/env.js';
import { loadEnv } from './env-files.js';
import { displayPath, resolveChecklist, type CommandIO } from './io.js';

export interface CheckOptions {
  format: RunFormatName;
  /** Only failed items and the verdict on the terminal. */
  quiet?: boolean | undefined;
  output?: string | undefined;
  ci: boolean;
  /** `--ask` selectors (only these manual items are asked about), or false for `--no-ask`. */
  ask?: string[] | false | undefined;
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
  /** SSH key that signs the sign-offs given at the prompt (see `sfdeploy signoff --signing-key`). */
  signingKey?: string | undefined;
  /** The team's log store, `s3://bucket/prefix`: the run log is uploaded there when the run ends or is interrupted. */
  logStore?: string | undefined;
  /** Webhooks to notify, `[slack=|teams=|json=]URL` (added to the checklist's `notify:` and `$SFDEPLOY_NOTIFY`). */
  notify?: string[] | undefined;
}

/** How watch mode reuses one check: its listeners replace the terminal and CI output. */
export interface CheckHooks {
  listeners?: RunListener[];
  /** Watch mode: which events this run sends (default: gate failed, or only sign-offs pending). */
  notifyEvents?: (log: RunLog) => NotifyEvent[];
  /** Watch mode: where warnings about notifications go (the live view keeps them above its block). */
  warn?: (line: string) => void;
  /** Watch mode: recorded in the run's context (the watch id and phase). */
  watch?: RunContextInfo['watch'];
}

/** `--concurrency`: `auto` (the default, see RunOptions.concurrency) or a whole number 1-256. */
function parseConcurrency(text: string): number | undefined {
  if (text === 'auto') return undefined;
  const n = Number(text);
  if (!Number.isInteger(n) || n < 1 || n > 256) throw new UsageError(`--concurrency expects auto or a whole number 1-256, got "${text}"`);
  return n;
}

/** `sfdeploy check <name|path>`: run a checklist once and gate on the result (watch mode is commands/watch.ts). Returns the exit code. */
export async function check(ref: string, opts: CheckOptions, io: CommandIO, hooks: CheckHooks = {}): Promise<number> {
  if (!isFormat(RUN_FORMATS, opts.format)) {
    throw new UsageError(`--format must be one of ${RUN_FORMATS.join(', ')}, got "${String(opts.format)}"`);
  }
  const format = runFormats[opts.format];
  const concurrency = parseConcurrency(opts.concurrency);
  let timeoutMs: number | undefined;
  if (opts.timeout !== undefined) {
    timeoutMs = parseDuration(opts.timeout);
    if (!timeoutMs) throw new UsageError(`--timeout expects a duration such as 500ms, 10s or 2m, got "${opts.timeout}"`);
    if (timeoutMs > MAX_TIMER_MS) throw new UsageError(`--timeout must be ${TOO_LONG_FOR_A_TIMER}, got "${opts.timeout}"`);
  }
  const file = resolveChecklist(ref, io.cwd, io.config?.checklists);
  const loaded = loadEnv(io.env, io.cwd, opts.envFile, opts.var);
  const env = loaded.env;
  for (const line of loaded.unresolved) io.stderr.write(`warning: ${line}\n`);
  const checklist = await loadChecklistFile(file, {
    cwd: io.cwd,
    env,
    environment: opts.environment ?? env.SFDEPLOY_ENVIRONMENT,
    aliases: io.config?.vars,
    references: loaded.references,
  });
  skipForEnvironment(checklist, opts.environment ?? env.SFDEPLOY_ENVIRONMENT);
  const selected = selectItems(checklist.items, opts.only, opts.skip);
  warmProbes(checklist.items.filter((i) => !selected || selected.has(i.id)).map((i) => i.kind));
  const notify = resolveNotifyTargets(checklist.definition, checklist.vars, env, opts.notify, io.config?.notify);
  const redact = createRedactor(env, checklist.secretNames, [...notifySecrets(notify.targets), ...probeSecretValues(checklist.items)]);
  if (!hooks.watch) for (const w of notify.warnings) io.stderr.write(`warning: ${w}\n`);
  checkRoleOption(checklist.definition, opts.role);

  const git = await readGitState(io.cwd);
  const { release, environment, releaseUnknown } = resolveTarget(opts, env, git.describe, redact);
  const asked = opts.ask === false ? new Set<string>() : opts.ask?.length ? matchSelectors(checklist.items, opts.ask) : undefined;
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
  const shownLedger = displayPath(ledger.location, io.cwd);
  const warning = snapshot && brokenLedgerWarning(snapshot, shownLedger);
  if (warning) io.stderr.write(warning);
  if (snapshot && !ledgerDown && reusesSignoffs(snapshot.records, signTarget.checklist)) {
    ledgerDown = await crossCheckHistory(ledger, snapshot, opts, env, io, shownLedger);
  }
  const refused = ledgerDown !== undefined && snapshot !== undefined;
  const signatures = await loadSignatureRules(checklist, snapshot?.records ?? [], env, io.cwd, signTarget);
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
    ...(hooks.watch ? { watch: hooks.watch } : {}),
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
  // prompts go to the terminal, never into stdout (`sfdeploy check pre | less`): stderr, else /dev/tty, else nobody is asked
  const promptStream =
    !opts.ci && io.stdinIsTTY && env.CI !== 'true' && env.CI !== '1' ? (io.stderrIsTTY ? io.stderr : io.openTerminal?.()) : undefined;
  let latest: RunLog | undefined;
  const listeners: RunListener[] = [
    { onRunStart: (log) => writer.schedule(log), onItemEnd: (_item, _result, log) => (latest = log) },
    writer,
  ];
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
        quiet: opts.quiet,
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
          signatures,
          interactive: promptStream
            ? {
                signer: await resolveSigner(opts.signer, io.cwd, context.user),
                role: opts.role,
                questions: createTerminalQuestions({ output: promptStream, input: io.stdin, color: io.color }),
                color: io.color,
                asks: asked && ((item) => asked.has(item.id)),
                preamble: () => automatedSummary(latest),
                refuse: releaseUnknown ? `Nothing is signed in this run: ${UNKNOWN_RELEASE}.` : undefined,
                sign: await signerFor(opts.signingKey, signatures, env, io.cwd),
              }
            : undefined,
        })
      : { resolve: async () => ({ status: 'error', message: ledgerDown ?? 'no ledger' }) };

  const waive =
    snapshot && !ledgerDown
      ? createWaiverStep(
          checklist,
          signTarget,
          () => snapshot.records,
          () => new Date(),
        )
      : undefined;
  let log = await runChecklist({
    runId,
    checklist,
    context,
    selected,
    concurrency,
    timeoutMs,
    signoff,
    signal: io.signal,
    env,
    unresolved: loaded.references,
    cwd: io.cwd,
    ownPaths: [
      logDir,
      outbox,
      ...(opts.output ? [resolve(io.cwd, opts.output)] : []),
      ...(/^s3:\/\//.test(ledger.location) ? [] : [resolve(io.cwd, ledger.location)]),
    ],
    redact,
    listeners,
    waive,
  });
  const notRecorded: string[] = [];
  const flush = (l: RunLog): Promise<void> =>
    writer.flush(l, logPath).catch((e: unknown) => {
      if (!(e instanceof RunLogWriteError)) throw e;
      if (!notRecorded.includes(e.message)) notRecorded.push(e.message);
    });
  await flush(log);
  const events = (hooks.notifyEvents ?? gateEvents)(log);
  if (notify.targets.length && events.length) {
    const notifications = await sendNotifications({
      targets: notify.targets,
      events,
      log,
      items: checklist.items,
      definition: checklist.definition,
      env,
      logPath: writer.path,
      redact,
      warn: hooks.warn ?? ((line) => io.stderr.write(`${line}\n`)),
    });
    if (notifications.length) {
      log = { ...log, notifications };
      await flush(log);
    }
  }
  if (logStore) await uploadRunLog(logStore, log, writer.path, outbox, io);
  if (outputStream) {
    outputStream.end();
    const failed = await outputDone;
    if (failed)
      notRecorded.push(
        `could not write --output ${displayPath(resolve(io.cwd, opts.output!), io.cwd)} (${errorCode(failed)}); the gate does not pass`,
      );
  }
  if (promptStream && promptStream !== io.stderr) promptStream.end();
  for (const line of notRecorded) io.stderr.write(`error: ${line}\n`);
  let code = log.summary.exitCode;
  if (code === EXIT.pending && opts.allowPending) code = EXIT.passed;
  // what could not be recorded never passes, and the probes did run: not a usage error
  if ((notRecorded.length || refused) && code !== EXIT.interrupted) return EXIT.failed;
  return code;
}

/**
 * Cross-checks the run history against the ledger before its sign-offs are reused (signoff/cross-check.ts, as
 * `verify` does): returns why they are not, naming each run that saw records the ledger no longer holds, or a
 * history that cannot be read; undefined when it holds.
 */
async function crossCheckHistory(
  ledger: Ledger,
  snapshot: LedgerSnapshot,
  opts: CheckOptions,
  env: Env,
  io: CommandIO,
  shown: string,
): Promise<string | undefined> {
  let history: RunHistory;
  try {
    history = await openRunHistory(opts, env, io.cwd).read();
  } catch (e) {
    if (!(e instanceof StoreError)) throw e;
    io.stderr.write(`warning: ${e.message}; manual items are errors in this run\n`);
    return `run history ${e.unreachable ? 'unreachable' : 'unreadable'}: ${e.reason}: the ledger cannot be cross-checked against it`;
  }
  for (const w of history.warnings) io.stderr.write(`warning: ${w}\n`);
  const rewritten = await rewrittenSince(ledger, snapshot.records, history.runs, ledger instanceof S3Ledger ? ledger.location : shown);
  if (!rewritten) return undefined;
  for (const line of rewritten.lines) io.stderr.write(`error: ${line}\n`);
  io.stderr.write(`error: ${rewritten.reason}\n`);
  return rewritten.reason;
}

const errorCode = (e: Error): string => (e as NodeJS.ErrnoException).code ?? e.message;

/** The signing function for sign-offs given at the prompt, when a key is set (flag, env or git config). */
async function signerFor(flag: string | undefined, rules: SignatureRules, env: Env, cwd: string): Promise<SignFunction | undefined> {
  const key = await resolveSigningKey(flag, env, cwd);
  return key ? selfChecking(await createSshSigner(key, env, cwd), rules, env) : undefined;
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

/** What the automated items found before the first question: an approver should know the run is failing. */
function automatedSummary(log: RunLog | undefined): string[] {
  const probes = (log?.items ?? []).filter((r) => r.kind !== 'manual' && !r.filtered);
  if (!probes.length) return [];
  const failing = probes.filter((r) => !r.optional && (r.status === 'fail' || r.status === 'error'));
  const counts = new Map<string, number>();
  for (const r of probes) counts.set(r.status, (counts.get(r.status) ?? 0) + 1);
  const line = `Automated items so far: ${[...counts].map(([status, n]) => `${n} ${status}`).join(', ')}.`;
  if (!failing.length) return [line, 'Sign-offs follow.'];
  return [
    line,
    `The run is already failing — ${failing.length} blocking item${failing.length === 1 ? '' : 's'} failed or errored:`,
    ...failing.map((r) => `  ✖ ${r.id}: ${r.message}`),
    'Signing now does not make the gate pass; press q to leave the sign-offs pending.',
  ];
}
