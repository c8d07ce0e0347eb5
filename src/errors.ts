/** A problem in a checklist file, located at `file:line:col` with the model path. */
export interface Problem {
  file: string;
  line: number;
  col: number;
  /** Model path such as `sections[2].items[3].probe.port`; empty for file-level problems. */
  path: string;
  message: string;
}

export const formatProblem = (p: Problem): string => `${p.file}:${p.line}:${p.col}${p.path ? ` ${p.path}` : ''}: ${p.message}`;

/** Known errors carry a stable code; the CLI prints their message (no stack) and exits 2. */
export class SfdeployError extends Error {
  readonly code: string;
  readonly exitCode: number;
  constructor(code: string, message: string, exitCode = 2) {
    super(message);
    this.name = 'SfdeployError';
    this.code = code;
    this.exitCode = exitCode;
  }
}

/** One or more located problems in checklist files. */
export class ChecklistError extends SfdeployError {
  readonly problems: Problem[];
  constructor(problems: Problem[]) {
    super('E_CHECKLIST', problems.map(formatProblem).join('\n'));
    this.name = 'ChecklistError';
    this.problems = problems;
  }
}

/** Bad flags or arguments. */
export class UsageError extends SfdeployError {
  constructor(message: string) {
    super('E_USAGE', message);
    this.name = 'UsageError';
  }
}

/** An S3 store (the team ledger, the log store) could not be used. `unreachable`: the endpoint did not answer (network, timeout, 5xx), so queueing and retrying later makes sense. */
export class StoreError extends SfdeployError {
  readonly unreachable: boolean;
  /** The one-line reason, without the store's name: `connection refused at 127.0.0.1:9000`. */
  readonly reason: string;
  constructor(store: string, reason: string, unreachable: boolean) {
    super(unreachable ? 'E_STORE_UNREACHABLE' : 'E_STORE', `${store}${unreachable ? ' is unreachable' : ''}: ${reason}`, 1);
    this.unreachable = unreachable;
    this.reason = reason;
  }
}

/** A probe could not run at all (misconfiguration, missing tool): the item becomes `error`, not `fail`. */
export class ProbeError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ProbeError';
  }
}

/** The run was interrupted (SIGINT/SIGTERM, Ctrl-C at a prompt). */
export class InterruptedError extends Error {
  constructor(message = 'interrupted') {
    super(message);
    this.name = 'InterruptedError';
  }
}
