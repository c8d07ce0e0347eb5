import type { z } from 'zod';
import type { Env, VarReading } from '../util/env.js';
import type { SharedClients } from './shared.js';

/** What a probe's `run` receives besides its parameters. */
export interface ProbeContext {
  /** Aborted when the item times out or the run is interrupted; every network call must honour it. */
  signal: AbortSignal;
  /** Milliseconds the item may take in all; probes that set socket timeouts use it. */
  timeoutMs: number;
  env: Env;
  /** Resolves a variable as `${NAME}` would: environment, then the checklist's `vars` aliases and default. */
  lookup: (name: string) => string | undefined;
  /** Every value of a variable under its names (itself, then its `from:` aliases that are set); see lookupVarAll. */
  lookupAll?: (name: string) => VarReading[];
  /**
   * Why a variable is unset when an unresolved reference left it so (an env file's or a `--var`'s value referred to
   * an unset variable): the sentence an item says instead of "is not set", "DATABASE_URL holds the unresolved reference ${OTHER}".
   */
  unsetBecause?: ((name: string) => string | undefined) | undefined;
  /** Working directory: where the user's repository is. */
  cwd: string;
  /**
   * Masks the run's secrets: a probe that cuts text to a length (a message, a tail of output) masks it first, since
   * a secret cut in two is no longer recognised. Observations and messages are masked again by the runner.
   */
  redact?: ((text: string) => string) | undefined;
  /**
   * Makes a value a secret of the run from now on: a probe that reads a credential the run could not know (a password
   * from ~/.pgpass or a service file) registers it before anything it says can hold it.
   */
  addSecret?: ((value: string) => void) | undefined;
  /** Absolute paths sfdeploy itself writes in this run (run log folder, --output, ledger, outbox): never a change of the user's. */
  ownPaths?: readonly string[] | undefined;
  /** Observation paths the item's `expect:` reads (empty with the built-in check): a probe may fetch them on demand. */
  wants?: readonly string[] | undefined;
  /**
   * The run's shared clients (connections reused by the items of one run, closed by the runner at its end); unset
   * outside a run, where a probe opens and closes its own connection.
   */
  shared?: SharedClients | undefined;
}

/** Named values a probe observed; `expect:` conditions read them by dotted path. */
export type Observations = Record<string, unknown>;

/** What an observation means (said beside a failing condition), or why it has no value (said in place of it). */
export type ObservationReason = string | { absent: string };

export interface ProbeOutcome {
  observations: Observations;
  /**
   * Failures of the probe's built-in check, each a line an operator can act on
   * ("DATABASE_URL is not set", "2 pending: a1b2 add_users"). Used when the item has no `expect:`.
   */
  problems?: string[];
  /** One line describing what was seen when all is well ("200 in 12ms"). */
  summary?: string;
  /**
   * The probe's own words for its observations, by path, for a failing `expect:` condition on that path: a string is
   * said beside the condition (`tag`: "HEAD has no tag: tag exists (got null)"); `{ absent }` says why the observation
   * has no value, in place of a bare "got null" (`value`: "value >= 1 (got null: the vector has 3 samples, …)").
   */
  reasons?: Record<string, ObservationReason>;
}

/**
 * One probe kind: its parameters schema, the observations it reports and how it runs. A probe is one folder
 * `src/probes/<kind>/` whose `index.ts` default-exports `defineProbe({...})`, one line in `probes/index.ts` and a test
 * under `tests/integration/probes/` (`src/probes/_template/` is a starting point).
 *
 * How a probe ends:
 * - it returns an outcome: with `problems` the item fails (unless `expect:` decides), without them it passes;
 * - it throws an `Error`: the item fails with that message (a refused connection, a timeout it noticed);
 * - it throws a `ProbeError` (errors.ts): the item is `error`, the check could not run at all (misconfiguration,
 *   missing tool). The runner makes a `TypeError`/`ReferenceError`/`SyntaxError` an `error` too: a bug in the probe.
 *
 * What a probe must do:
 * - accept `${VAR}` values: parameters arrive after expansion, as strings, so numbers and booleans use the coercing
 *   helpers of `probes/params.ts` (`int()`, `port()`, `bool()`, `duration()`);
 * - mask its own credentials in every message and observation (`maskUrl` in util/network-error.ts, `maskUrlPasswords` in util/redact.ts,
 *   `maskAwsSecrets`); the runner masks known secrets too, but only the probe knows which part of a URL is a password;
 * - honour `ctx.signal` on every network call and child process (`untilAborted` in probes/abort.ts for clients that
 *   take no signal; `runProcess` in util/run-process.ts for programs, which ends what they start too), and bound its
 *   own work by `ctx.timeoutMs`.
 */
export interface Probe<S extends z.ZodType = z.ZodType> {
  kind: string;
  /** One line for `sfdeploy probes`. */
  summary: string;
  /** Link to upstream documentation of what is probed. */
  docs: string;
  /** Strict schema of the item's `probe:` keys other than `kind` and `expect`. */
  params: S;
  /** The smallest parameters the probe accepts: the contract test proves with it that unknown keys are refused. */
  example: z.input<S>;
  /** Observation patterns (`status`, `headers.*`, `json.**`) with a description of each. */
  observations: Record<string, string>;
  /** What is checked when the item has no `expect:`, in words. */
  defaultCheck: string;
  /**
   * Parameters whose `${VAR}` references are left for the probe to pass through the environment rather
   * than pasted into the text (a `shell:` line must never have a value parsed as shell code).
   */
  verbatim?: readonly string[];
  /**
   * Starts loading the probe's heavy client (`import('pg')`) so it is ready when the first item of the kind runs;
   * `check` calls it for the kinds a checklist uses while it reads git, the ledger and the environment.
   */
  warm?(): Promise<unknown>;
  /**
   * The probe's connections are shared by the items of a run (`ProbeContext.shared`): its pool bounds what the server
   * sees, so the run's default limit of items of one kind at once does not apply to it.
   */
  pooled?: boolean;
  /**
   * The parameter values that are secrets (`auth.password`, a bearer token, credential headers): the run masks them
   * wherever they appear, as it masks secret variables. Passwords of URLs and DSNs in any parameter are found without it.
   */
  secrets?(params: z.output<S>): string[];
  run(params: z.output<S>, ctx: ProbeContext): Promise<ProbeOutcome>;
}

/** Identity helper that keeps the schema's type for `run`. */
export function defineProbe<S extends z.ZodType>(probe: Probe<S>): Probe<S> {
  return probe;
}
