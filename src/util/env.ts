/** Environment variables as a run sees them: the process environment merged with --env-file and --var. */
export type Env = Record<string, string | undefined>;
