/**
 * The names of the output formats, without their reporters: `cli.ts` offers them as `--format` choices without
 * loading any reporter. `reporters/index.ts` maps each to its reporter (`satisfies` keeps the two in step).
 */
export const RUN_FORMATS = ['pretty', 'json', 'junit'] as const;
export type RunFormatName = (typeof RUN_FORMATS)[number];

export const REPORT_FORMATS = ['markdown', 'html', 'json'] as const;
export type ReportFormatName = (typeof REPORT_FORMATS)[number];

/** True when `name` is one of `names` (a typo, or `toString`, is not). */
export const isFormat = <T extends string>(names: readonly T[], name: string): name is T => (names as readonly string[]).includes(name);
