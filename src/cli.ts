import { Command, CommanderError, Option } from 'commander';
import { openSync, statSync } from 'node:fs';
import { WriteStream } from 'node:tty';
import { setFlagsFromString } from 'node:v8';
import type { CommandIO } from './commands/io.js';
import { wantsColor } from './util/color.js';
import { SfdeployError, UsageError } from './errors.js';
import { REPORT_FORMATS, RUN_FORMATS } from './reporters/formats.js';
import { PACKAGE_VERSION } from './util/package-root.js';

// The AWS SDK warns on every run under Node 20, which sfdeploy supports; the warning is noise for our users.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

// A reader that goes away (`sfdeploy check pre | head`) is not an error: the run goes on and records its log.
for (const stream of [process.stdout, process.stderr]) {
  stream.on('error', (e: NodeJS.ErrnoException) => {
    if (e.code !== 'EPIPE') throw e;
  });
}

const version = PACKAGE_VERSION;

const collect = (value: string, previous: string[]): string[] => [...previous, value];

// Options several commands share, declared once.
const logDirOption = (what = 'run log directory'): Option =>
  new Option('--log-dir <dir>', `${what} (default $SFDEPLOY_LOG_DIR or .sfdeploy/runs)`);
const logStoreOption = (what = "the team's run logs, s3://bucket/prefix, read together with the log directory"): Option =>
  new Option('--log-store <s3-url>', `${what} (default $SFDEPLOY_LOG_STORE)`);
const ledgerOption = (
  what = 'sign-off ledger: a file, or s3://bucket/prefix for the team ledger (default $SFDEPLOY_LEDGER or .sfdeploy/signoffs.jsonl)',
): Option => new Option('--ledger <file|s3-url>', what);
const envFileOption = (what = 'load variables from a dotenv file (repeatable)'): Option =>
  new Option('--env-file <file>', what).argParser(collect).default([]);
const varOption = (what = 'set a variable (repeatable)'): Option => new Option('--var <NAME=VALUE>', what).argParser(collect).default([]);
const skipOption = (): Option =>
  new Option('--skip <selector>', 'skip these: item id, section:ID or tag:NAME (repeatable, comma-separated)')
    .argParser(collect)
    .default([]);
const concurrencyOption = (): Option =>
  new Option(
    '--concurrency <n>',
    'items run at once; auto: up to 8 of one kind (postgres, redis, s3: as their shared pool allows), 64 in all',
  ).default('auto');
const timeoutOption = (): Option => new Option('--timeout <duration>', "override every item's timeout (e.g. 5s)");
const environmentOption = (): Option => new Option('--environment <name>', 'target environment (production, staging, ...)');
const jsonOption = (): Option => new Option('--json', 'print JSON').default(false);
const formatOption = (names: readonly string[], fallback: string): Option =>
  new Option('--format <format>', 'output format').choices(names).default(fallback);

/** Builds the IO a command sees from this process: the only place that reads process state. */
function processIO(signal: AbortSignal, lastSteps: (() => void)[]): CommandIO {
  const env = process.env;
  return {
    stdout: process.stdout,
    stderr: process.stderr,
    stdin: process.stdin,
    env: { ...env },
    cwd: process.cwd(),
    signal,
    stdoutIsTTY: !!process.stdout.isTTY,
    stdinIsTTY: !!process.stdin.isTTY,
    terminalSize: () => ({ columns: process.stdout.columns ?? 0, rows: process.stdout.rows ?? 0 }),
    stderrIsTTY: !!process.stderr.isTTY,
    openTerminal: () => {
      try {
        return new WriteStream(openSync('/dev/tty', 'w'));
      } catch {
        return undefined;
      }
    },
    color: wantsColor(env, !!process.stdout.isTTY, noColorFlag),
    version,
    onForcedExit: (fn) => lastSteps.push(fn),
  };
}

let debug = process.argv.includes('--debug');
const ownArgs = process.argv.includes('--') ? process.argv.slice(0, process.argv.indexOf('--')) : process.argv;
const noColorFlag = ownArgs.includes('--no-color');

/** A checklist this large (several thousand items) makes a run long enough for V8's optimizing compiler to pay. */
const LONG_RUN_BYTES = 1024 * 1024;
/** Commands that stay up (they rerun checklists or serve requests): V8's defaults suit them. */
const LONG_LIVED = new Set(['serve', 'watch']);

/** The size of the files named on the command line (the checklists, mostly). */
function namedFileBytes(args: readonly string[]): number {
  let bytes = 0;
  for (const arg of args) {
    try {
      const info = statSync(arg, { throwIfNoEntry: false });
      if (info?.isFile()) bytes += info.size;
    } catch {
      // not a file we can see: it adds nothing
    }
  }
  return bytes;
}

/**
 * V8 tuned for a run of a second or so, sfdeploy's usual run (bench/README.md, "Issue 16, session 3"), the output
 * the same. The young generation keeps its initial size instead of doubling: peak RSS of `check` of 1,000 items
 * 104 → 80 MiB, of 10,000 items 340 → 260 MiB, no CPU cost measured. No optimizing compiler (TurboFan): without it
 * `validate` and `check` of 1,000 items use about a third less CPU; it pays only in runs of several seconds, so
 * files of LONG_RUN_BYTES or more on the command line keep it. Long-lived commands keep V8's defaults.
 */
function tuneV8(args: readonly string[]): void {
  if (LONG_LIVED.has(args.find((a) => !a.startsWith('-')) ?? '')) return;
  setFlagsFromString('--semi-space-growth-factor=1');
  if (namedFileBytes(args) < LONG_RUN_BYTES) setFlagsFromString('--no-opt');
}
tuneV8(ownArgs.slice(2));

async function execute(action: (io: CommandIO) => Promise<number>, handleSignals = false, replacesConfig = false): Promise<void> {
  const controller = new AbortController();
  const lastSteps: (() => void)[] = [];
  let signals = 0;
  const onSignal = (sig: NodeJS.Signals): void => {
    signals++;
    if (signals === 1) {
      process.stderr.write(`\n${sig} received: stopping, recording the run as interrupted (again to force)\n`);
      controller.abort(new Error(sig));
    } else {
      for (const step of lastSteps) {
        try {
          step();
        } catch {
          // exiting anyway
        }
      }
      process.exit(130);
    }
  };
  if (handleSignals) {
    process.on('SIGINT', onSignal);
    process.on('SIGTERM', onSignal);
  }
  try {
    const { withConfig } = await import('./commands/configured-io.js');
    process.exitCode = await action(withConfig(processIO(controller.signal, lastSteps), replacesConfig));
  } catch (e) {
    process.exitCode = reportError(e);
  } finally {
    if (handleSignals) {
      process.off('SIGINT', onSignal);
      process.off('SIGTERM', onSignal);
    }
  }
}

function reportError(e: unknown): number {
  if (e instanceof SfdeployError) {
    process.stderr.write(`${e instanceof UsageError ? 'error: ' : ''}${e.message}\n`);
    if (debug && e.stack) process.stderr.write(`${e.stack}\n`);
    return e.exitCode;
  }
  const err = e as Error | undefined;
  process.stderr.write(`sfdeploy: internal error: ${err?.message ?? String(e)}\n`);
  process.stderr.write(debug && err?.stack ? `${err.stack}\n` : 'Run again with --debug for the stack trace, and report it.\n');
  return 2;
}

const program = new Command('sfdeploy')
  .description('Deployment-checklist runner: automated probes, human sign-off and a crash-safe run log in one gate.')
  .version(version, '-V, --version')
  .option('--debug', 'print stack traces of unexpected errors')
  .option('--no-color', 'no colours in the output (as NO_COLOR=1, FORCE_COLOR=0 or TERM=dumb do)')
  .showHelpAfterError('(run sfdeploy --help for usage)')
  .exitOverride()
  .configureOutput({ writeErr: (s) => process.stderr.write(s) })
  .addHelpText(
    'after',
    `
Exit codes: 0 gate passed · 1 a blocking item failed or errored · 2 usage or checklist error · 3 only sign-offs pending · 130 interrupted`,
  );

program
  .command('check')
  .description('run a checklist (pre, deploy, rollback, post, or a path) and gate on the result')
  .argument('<checklist>', 'bundled name (pre, deploy, rollback, post) or path to a YAML checklist')
  .addOption(formatOption(RUN_FORMATS, 'pretty'))
  .option('-o, --output <file>', 'write the formatted result to a file (the terminal still shows progress)')
  .option('--ci', 'never prompt; manual items without a sign-off are pending (implied without a TTY or with CI=true)', false)
  .option('-q, --quiet', 'print only the items that failed or could not run, and the verdict', false)
  .option(
    '--ask <selector>',
    'prompt only for these manual items: item id, section:ID or tag:NAME (repeatable, comma-separated); every probe still runs',
    collect,
    [],
  )
  .option('--no-ask', 'prompt for nothing: manual items come from the ledger as under --ci, in a terminal')
  .option(
    '--only <selector>',
    'run only these: item id, section:ID or tag:NAME (repeatable, comma-separated); their needs run too',
    collect,
    [],
  )
  .addOption(skipOption())
  .addOption(concurrencyOption())
  .addOption(timeoutOption())
  .addOption(envFileOption('load variables from a dotenv file (repeatable; default .env when present)'))
  .addOption(varOption('set a variable, overriding the environment (repeatable)'))
  .option('--release <version>', 'release being deployed (default: git describe --tags)')
  .addOption(environmentOption())
  .addOption(logDirOption())
  .option('--signer <"Name <email>">', 'who signs manual items (default: git user.name <user.email>)')
  .option('--role <role>', 'the checklist role you sign as (default: asked when an item allows several)')
  .addOption(ledgerOption())
  .addOption(
    logStoreOption(
      'upload the run log to s3://bucket/prefix when the run ends or is interrupted; its run logs are cross-checked against the ledger',
    ),
  )
  .option(
    '--signing-key <key>',
    'SSH key that signs sign-offs given at the prompt: key file, public key in ssh-agent, or key::ssh-ed25519 … (default $SFDEPLOY_SIGNING_KEY, else git user.signingkey with gpg.format=ssh)',
  )
  .option('--allow-pending', 'exit 0 instead of 3 when only sign-offs are pending', false)
  .option('--every <duration>', 'watch mode: run again every this long (e.g. 5m); each run is its own run log')
  .option('--for <duration>', 'watch mode: keep running for this long (e.g. 4h)')
  .option('--until-fail', 'watch mode: stop at the first failed run', false)
  .option(
    '--notify <[format=]url>',
    'webhook told when the gate fails or only sign-offs are pending; format slack, teams or json (repeatable; also $SFDEPLOY_NOTIFY)',
    collect,
    [],
  )
  .action(async (ref: string, opts) => {
    if (opts.every !== undefined || opts.for !== undefined || opts.untilFail) {
      const { watchCheck } = await import('./commands/watch.js');
      await execute((io) => watchCheck(ref, opts, io), true);
      return;
    }
    const { check } = await import('./commands/check.js');
    await execute((io) => check(ref, opts, io), true);
  });

program
  .command('init')
  .description("set sfdeploy up in this repository: the team's checklists, sfdeploy.config.yaml, .env.example, .gitignore")
  .addOption(
    new Option('--template <name>', 'social-flow: extend the bundled checklists; web-service or minimal: a starter to own')
      .choices(['social-flow', 'web-service', 'minimal'])
      .default('social-flow'),
  )
  .option('--dir <folder>', "folder of the team's checklists", 'deploy/checklists')
  .option('--force', 'overwrite files that exist and differ', false)
  .action(async (opts) => {
    const { init } = await import('./commands/init.js');
    await execute((io) => init(opts, io), false, opts.force === true);
  });

program
  .command('signoff')
  .description('record sign-offs of manual items in the ledger without running probes (CI reuses them)')
  .argument('<checklist>', 'bundled name (pre, deploy, rollback, post) or path to a YAML checklist')
  .argument('[item-id...]', 'manual items to sign (or choose them with --section, --tag, --all-pending)')
  .option('--section <id>', 'sign every manual item of this section not signed yet (repeatable)', collect, [])
  .option('--tag <name>', 'sign every manual item with this tag not signed yet (repeatable)', collect, [])
  .option('--all-pending', 'sign every manual item pending for this release and environment', false)
  .option('--decline', 'decline instead of confirming (needs --reason); the items fail', false)
  .option('--withdraw', 'withdraw the confirmation or decline that stands for the items (needs --reason); they are pending again', false)
  .option('--reason <text>', 'why the items are declined, or why the record is withdrawn')
  .option('--by <"Name <email>">', 'who signs (default: git user.name <user.email>, else the OS user)')
  .option('--role <role>', 'the checklist role you sign as')
  .option('--note <text>', 'a note kept with the sign-off')
  .option('--evidence <url>', 'a URL or note proving the check (required by items with evidence: required)')
  .option('--release <version>', 'release signed for (default: $SFDEPLOY_RELEASE, else git describe --tags); `none` for no release')
  .option('--environment <name>', 'environment signed for (default: $SFDEPLOY_ENVIRONMENT)')
  .addOption(ledgerOption())
  .option('--offline', 'when the s3:// ledger is unreachable, queue the sign-off in .sfdeploy/outbox for `sfdeploy sync`', false)
  .option(
    '--signing-key <key>',
    'sign the records with this SSH key (ssh-keygen -Y sign -n sfdeploy): key file, public key in ssh-agent, or key::ssh-ed25519 … (default $SFDEPLOY_SIGNING_KEY, else git user.signingkey with gpg.format=ssh)',
  )
  .addOption(envFileOption())
  .addOption(varOption())
  .action(async (ref: string, items: string[], opts) => {
    const { signoff } = await import('./commands/signoff.js');
    await execute((io) => signoff(ref, items, opts, io));
  });

program
  .command('waive')
  .description('waive failing automated items for a while: they show `waived` and do not block until the waiver expires')
  .argument('<checklist>', 'bundled name (pre, deploy, rollback, post) or path to a YAML checklist')
  .argument('<item-id...>', 'automated items to waive')
  .option('--reason <text>', 'why the items may fail for now (required)')
  .option('--expires <duration>', 'how long the waiver lasts, such as 12h or 7d (required, at most 90d)')
  .option('--withdraw', 'withdraw the waiver in force instead (needs --reason)', false)
  .option('--by <"Name <email>">', 'who waives (default: git user.name <user.email>, else the OS user)')
  .option('--role <role>', 'the checklist role you waive as (one whose `waives` covers the items)')
  .option('--evidence <url>', 'a ticket or URL kept with the waiver')
  .option(
    '--release <version>',
    'release covered: a version, a pattern such as v1.2.* , * for any, or none (default: $SFDEPLOY_RELEASE, else git describe --tags)',
  )
  .option('--environment <name>', 'environment covered, or * for any (default: $SFDEPLOY_ENVIRONMENT)')
  .option(
    '--ledger <file|s3-url>',
    'sign-off ledger: a file, or s3://bucket/prefix for the team ledger (default $SFDEPLOY_LEDGER or .sfdeploy/signoffs.jsonl)',
  )
  .option('--env-file <file>', 'load variables from a dotenv file (repeatable)', collect, [])
  .option('--var <NAME=VALUE>', 'set a variable (repeatable)', collect, [])
  .action(async (ref: string, items: string[], opts) => {
    const { waive } = await import('./commands/waive.js');
    await execute((io) => waive(ref, items, opts, io));
  });

program
  .command('status')
  .description('list manual items signed, declined or pending for a release, by whom, when, and why pending')
  .argument('<checklist>', 'bundled name (pre, deploy, rollback, post) or path to a YAML checklist')
  .option('--release <version>', 'release (default: $SFDEPLOY_RELEASE, else git describe --tags)')
  .option('--environment <name>', 'environment (default: $SFDEPLOY_ENVIRONMENT)')
  .addOption(ledgerOption())
  .addOption(logDirOption('run logs cross-checked against the ledger'))
  .addOption(logStoreOption())
  .addOption(envFileOption())
  .addOption(varOption())
  .addOption(jsonOption())
  .action(async (ref: string, opts) => {
    const { status } = await import('./commands/status.js');
    await execute((io) => status(ref, opts, io));
  });

program
  .command('verify')
  .description(
    "check the sign-off ledger's hashes: exit 1 naming edited, inserted, deleted or reordered records, and run logs relying on records that are gone",
  )
  .addOption(ledgerOption())
  .addOption(logDirOption('run logs whose ledger heads are cross-checked'))
  .addOption(logStoreOption())
  .option('--allowed-signers <file>', 'check SSH signatures against this OpenSSH allowed_signers file (default $SFDEPLOY_ALLOWED_SIGNERS)')
  .option(
    '--checklist <name|path>',
    "check its records' signatures with its roles and its signatures.allowed_signers (repeatable)",
    collect,
    [],
  )
  .action(async (opts) => {
    const { verify } = await import('./commands/verify.js');
    await execute((io) => verify(opts, io));
  });

program
  .command('serve')
  .description(
    'a web page for approvers who never open a terminal: the latest run, the manual items, confirm/decline forms writing the same ledger records; behind an authenticating proxy',
  )
  .argument('<checklist>', 'bundled name (pre, deploy, rollback, post) or path to a YAML checklist')
  .option(
    '--trusted-proxy <address>',
    'IP address of the authenticating proxy (oauth2-proxy, Cloudflare Access, IAP): only its requests are served (repeatable; required)',
    collect,
    [],
  )
  .option('--identity-header <name>', "the header in which the proxy names the signed-in user's email", 'X-Forwarded-Email')
  .option('--host <address>', 'address to listen on', '127.0.0.1')
  .option('--port <n>', 'port to listen on (0: any free port)', '8080')
  .option('--release <version>', 'release signed for (default: $SFDEPLOY_RELEASE, else git describe --tags)')
  .option('--environment <name>', 'environment signed for (default: $SFDEPLOY_ENVIRONMENT)')
  .addOption(ledgerOption())
  .addOption(logDirOption('run logs the page shows the latest of'))
  .addOption(logStoreOption())
  .addOption(envFileOption())
  .addOption(varOption())
  .action(async (ref: string, opts) => {
    const { serve } = await import('./commands/serve.js');
    await execute((io) => serve(ref, opts, io), true);
  });

program
  .command('sync')
  .description(
    'upload what waits in .sfdeploy/outbox (sign-offs queued with --offline, run logs not uploaded) to its S3 store; exit 1 if something is left',
  )
  .addOption(logDirOption('the run log directory: only run logs in it are uploaded'))
  .action(async (opts) => {
    const { sync } = await import('./commands/sync.js');
    await execute((io) => sync(opts, io));
  });

program
  .command('watch')
  .description("run a checklist's automated items repeatedly, following its schedule: phases (or --every/--for); exit 1 if any run failed")
  .argument('<checklist>', 'bundled name (post, ...) or path to a YAML checklist')
  .option('--every <duration>', 'run every this long instead of following the schedule (e.g. 5m)')
  .option('--for <duration>', 'with --every: keep running for this long (e.g. 4h)')
  .option('--until-fail', 'stop at the first failed run', false)
  .option('--only <selector>', 'run only these: item id, section:ID or tag:NAME (repeatable, comma-separated)', collect, [])
  .addOption(skipOption())
  .addOption(concurrencyOption())
  .addOption(timeoutOption())
  .addOption(envFileOption('load variables from a dotenv file (repeatable; default .env when present)'))
  .addOption(varOption('set a variable, overriding the environment (repeatable)'))
  .option('--release <version>', 'release being watched (default: git describe --tags)')
  .addOption(environmentOption())
  .addOption(logDirOption())
  .addOption(logStoreOption('upload each run log to s3://bucket/prefix'))
  .option(
    '--notify <[format=]url>',
    'webhook told when a run turns red, recovers, and when the watch ends; format slack, teams or json (repeatable; also $SFDEPLOY_NOTIFY)',
    collect,
    [],
  )
  .action(async (ref: string, opts) => {
    const { watch } = await import('./commands/watch.js');
    await execute((io) => watch(ref, { ...opts, format: 'pretty', ci: true, allowPending: false }, io), true);
  });

program
  .command('report')
  .description(
    'the sign-off receipt of a recorded run (checklist and hash, release, verdict, every item with evidence, every sign-off), or with --window/--watch the monitoring report of many runs',
  )
  .argument('[run]', 'run id (or a unique prefix), latest, latest~N or last-passed')
  .option(
    '--window <from..to>',
    'monitoring report of the runs that started in this window (2026-11-28T14:00Z..2026-11-28T18:00Z; an end may be left out)',
  )
  .option('--watch <run>', 'monitoring report of every run of the watch that recorded this run')
  .option('--checklist <id>', 'with --window: only the runs of this checklist')
  .addOption(formatOption(REPORT_FORMATS, 'markdown'))
  .option('-o, --output <file>', 'write the receipt or the monitoring report to a file instead of stdout')
  .addOption(logDirOption())
  .addOption(logStoreOption())
  .addOption(ledgerOption("cross-check the run's sign-offs against this ledger: exit 1 when one is not there"))
  .action(async (ref: string | undefined, opts) => {
    const { report } = await import('./commands/report.js');
    await execute((io) => report(ref, opts, io));
  });

program
  .command('diff')
  .description('what changed between two runs: item statuses, new and removed items, numeric observations (exit 0)')
  .argument('<run-a>', 'the earlier run: id, latest~N or last-passed')
  .argument('<run-b>', 'the later run: id or latest')
  .addOption(logDirOption())
  .addOption(logStoreOption())
  .addOption(jsonOption())
  .action(async (a: string, b: string, opts) => {
    const { diff } = await import('./commands/diff.js');
    await execute((io) => diff(a, b, opts, io));
  });

program
  .command('schema')
  .description('print the JSON Schema (draft-07) of checklist files, for editors (yaml-language-server)')
  .option('-o, --output <file>', 'write it to a file instead of stdout')
  .action(async (opts) => {
    const { schema } = await import('./commands/schema.js');
    await execute((io) => schema(opts, io));
  });

program
  .command('import')
  .description(
    'turn a Markdown checklist (headings, task-list items, code blocks) into a YAML checklist of manual items; exit 0 only when every checkbox became an item',
  )
  .argument('<markdown-file>', 'the Markdown document')
  .option('-o, --output <file>', 'write the YAML checklist to a file instead of stdout')
  .option('--id <id>', 'checklist id (default: from the first heading or the file name)')
  .option('--force', 'overwrite the output file if it exists', false)
  .action(async (file: string, opts) => {
    const { importCommand } = await import('./commands/import.js');
    await execute((io) => importCommand(file, opts, io));
  });

program
  .command('validate')
  .description('validate checklists and report every problem with file:line:col (default: the bundled ones)')
  .argument('[files...]', 'checklist names or paths')
  .addOption(envFileOption())
  .addOption(varOption())
  .action(async (files: string[], opts) => {
    const { validate } = await import('./commands/validate.js');
    await execute((io) => validate(files, opts, io));
  });

program
  .command('list')
  .description('list the bundled checklists with their automated and manual item counts')
  .addOption(jsonOption())
  .action(async (opts) => {
    const { list } = await import('./commands/list.js');
    await execute((io) => list(opts, io));
  });

program
  .command('probes')
  .description('list probe kinds, or show one probe with its parameters and observations')
  .argument('[kind]', 'a probe kind')
  .addOption(jsonOption())
  .action(async (kind: string | undefined, opts) => {
    const { probesCommand } = await import('./commands/probes.js');
    await execute((io) => probesCommand(kind, opts, io));
  });

program
  .command('runs')
  .description('list recorded runs, newest first')
  .addOption(logDirOption())
  .addOption(logStoreOption())
  .option('--limit <n>', 'how many runs', '20')
  .addOption(jsonOption())
  .action(async (opts) => {
    const { runs } = await import('./commands/runs.js');
    await execute((io) => runs(opts, io));
  });

program
  .command('show')
  .description('show one recorded run')
  .argument('<run>', 'run id (or a unique prefix), or latest')
  .addOption(logDirOption())
  .addOption(logStoreOption())
  .addOption(formatOption(RUN_FORMATS, 'pretty'))
  .option('--blocking', 'only the items that hold the gate: failed, errored, pending sign-offs', false)
  .action(async (ref: string, opts) => {
    const { show } = await import('./commands/runs.js');
    await execute((io) => show(ref, opts, io));
  });

/** Runs the command line; no top-level await, so the same code also builds as the CommonJS of the single executable. */
async function main(): Promise<void> {
  try {
    await program.parseAsync(process.argv);
    debug = program.opts<{ debug?: boolean }>().debug ?? debug;
  } catch (e) {
    if (e instanceof CommanderError) {
      // bare `sfdeploy` shows the help as an error (exit 1, commander's convention); `--help` and `help` exit 0
      process.exitCode =
        e.code === 'commander.helpDisplayed' || e.code === 'commander.version' ? 0 : e.code === 'commander.help' ? e.exitCode : 2;
    } else {
      process.exitCode = reportError(e);
    }
  }
}

void main();
