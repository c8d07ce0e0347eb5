import { existsSync, readFileSync } from 'node:fs';
import { dirname, isAbsolute, join, resolve } from 'node:path';
import { z } from 'zod';
import { ChecklistError, type Problem } from '../errors.js';
import { describeValue, issueMessage, suggest } from '../checklist/describe.js';
import type { Env } from '../util/env.js';
import { formatPath, locate } from '../checklist/locate.js';
import { fileProblem, parseChecklistSource } from '../checklist/source.js';
import { notifyTargetSchema } from '../checklist/schema.js';

/** The file `sfdeploy init` writes and every command reads: in the working directory or a parent up to the git root. */
export const CONFIG_FILE = 'sfdeploy.config.yaml';

const VAR_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;
const varName = z.string().regex(VAR_NAME, 'expected a variable name');

/** `sfdeploy.config.yaml`. Paths are relative to the file. Flags and environment variables win over it. */
export const configSchema = z.strictObject({
  checklists: z
    .string()
    .min(1)
    .optional()
    .describe("Folder of the team's checklists: `sfdeploy check pre` reads <folder>/pre.yaml before the bundled pre."),
  environment: z.string().min(1).optional().describe('Default --environment ($SFDEPLOY_ENVIRONMENT wins).'),
  ledger: z.string().min(1).optional().describe('Default --ledger: a file or s3://bucket/prefix ($SFDEPLOY_LEDGER wins).'),
  log_dir: z.string().min(1).optional().describe('Default --log-dir ($SFDEPLOY_LOG_DIR wins).'),
  log_store: z.string().min(1).optional().describe('Default --log-store, s3://bucket/prefix ($SFDEPLOY_LOG_STORE wins).'),
  vars: z
    .record(varName, z.union([varName, z.array(varName).min(1)]))
    .optional()
    .describe('Variable aliases: `JWT_SECRET_KEY: SECRET_KEY` reads SECRET_KEY when JWT_SECRET_KEY is unset.'),
  notify: z
    .array(notifyTargetSchema)
    .optional()
    .describe('Webhooks told about every checklist run here, as `notify:` in a checklist (added to its own, and to --notify).'),
});

/** The configuration in effect, paths made absolute. */
export interface SfdeployConfig {
  file: string;
  checklists?: string | undefined;
  environment?: string | undefined;
  ledger?: string | undefined;
  logDir?: string | undefined;
  logStore?: string | undefined;
  vars: Record<string, string[]>;
  notify: z.output<typeof notifyTargetSchema>[];
}

/** `$SFDEPLOY_CONFIG`, else sfdeploy.config.yaml in `cwd` or a parent, stopping at the repository root (a `.git`). */
export function findConfig(cwd: string, env: Env): string | undefined {
  if (env.SFDEPLOY_CONFIG) return resolve(cwd, env.SFDEPLOY_CONFIG);
  let dir = resolve(cwd);
  for (;;) {
    const candidate = join(dir, CONFIG_FILE);
    if (existsSync(candidate)) return candidate;
    if (existsSync(join(dir, '.git'))) return undefined;
    const parent = dirname(dir);
    if (parent === dir) return undefined;
    dir = parent;
  }
}

/** Reads and validates a config file; every problem located, as ChecklistError (exit 2). */
export function loadConfig(file: string): SfdeployConfig {
  let bytes: Buffer;
  try {
    bytes = readFileSync(file);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new ChecklistError([fileProblem(file, code === 'ENOENT' ? 'no such file' : `cannot read: ${(e as Error).message}`)]);
  }
  const src = parseChecklistSource(bytes, file);
  const data = src.data ?? {};
  if (typeof data !== 'object' || Array.isArray(data)) {
    throw new ChecklistError([fileProblem(file, `expected a mapping such as checklists: deploy/checklists, got ${describeValue(data)}`)]);
  }
  const parsed = configSchema.safeParse(data);
  if (!parsed.success) {
    const problems: Problem[] = [];
    const known = Object.keys(configSchema.shape);
    for (const issue of parsed.error.issues) {
      const keys = issue.code === 'unrecognized_keys' ? issue.keys : [undefined];
      for (const key of keys) {
        const pos = locate(src.doc, src.lines, issue.path, key);
        const hint = key ? suggest(key, known) : undefined;
        const message = key
          ? `unknown key "${key}"${hint ? ` (did you mean "${hint}"?)` : `; expected one of ${known.join(', ')}`}`
          : issueMessage(issue, data);
        problems.push({ file, line: pos.line, col: pos.col, path: formatPath(key ? [...issue.path, key] : issue.path), message });
      }
    }
    throw new ChecklistError(problems.sort((a, b) => a.line - b.line || a.col - b.col));
  }
  const c = parsed.data;
  const dir = dirname(file);
  const path = (p: string | undefined): string | undefined => (p === undefined ? undefined : isAbsolute(p) ? p : resolve(dir, p));
  return {
    file,
    checklists: path(c.checklists),
    environment: c.environment,
    ledger: c.ledger === undefined || c.ledger.startsWith('s3://') ? c.ledger : path(c.ledger),
    logDir: path(c.log_dir),
    logStore: c.log_store,
    vars: Object.fromEntries(Object.entries(c.vars ?? {}).map(([k, v]) => [k, typeof v === 'string' ? [v] : v])),
    notify: c.notify ?? [],
  };
}

/** The environment with the config's defaults filled in where the variable is unset: variables (and flags) win. */
export function applyConfig(env: Env, config: SfdeployConfig): Env {
  const out = { ...env };
  const fill = (name: string, value: string | undefined): void => {
    if (value !== undefined && (out[name] === undefined || out[name] === '')) out[name] = value;
  };
  fill('SFDEPLOY_ENVIRONMENT', config.environment);
  fill('SFDEPLOY_LEDGER', config.ledger);
  fill('SFDEPLOY_LOG_DIR', config.logDir);
  fill('SFDEPLOY_LOG_STORE', config.logStore);
  return out;
}
