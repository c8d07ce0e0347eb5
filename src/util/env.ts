/** Environment variables as a run sees them: the process environment merged with --env-file and --var. */
export type Env = Record<string, string | undefined>;

/** One name a variable was read under, and its value. */
export interface VarReading {
  /** The name the value came from: the variable itself or one of its `from:` aliases. */
  source: string;
  value: string;
  /** True when no name was set and the value is the declaration's default. */
  isDefault?: boolean;
}
