import { existsSync, readFileSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { PACKAGE_ROOT } from '../util/package-root.js';
import { dirname, isAbsolute, join, relative, resolve } from 'node:path';
import { parseChecklist } from '../checklist/load.js';
import type { LoadedChecklist } from '../checklist/model.js';
import { CONFIG_FILE, loadConfig } from '../config/config.js';
import { ChecklistError, UsageError } from '../errors.js';
import { BUNDLED_NAMES, displayPath, type CommandIO } from './io.js';
import { makeDirectory } from '../util/make-directory.js';

export const TEMPLATES = ['social-flow', 'web-service', 'minimal'] as const;
export type Template = (typeof TEMPLATES)[number];

export interface InitOptions {
  template: string;
  /** Folder of the team's checklists, relative to the working directory (default deploy/checklists). */
  dir: string;
  force: boolean;
}

const TEMPLATES_DIR = join(PACKAGE_ROOT, 'templates');
const SCHEMA_FILE = join(PACKAGE_ROOT, 'schema', 'checklist.schema.json');
const IGNORED = ['.sfdeploy/', '.env'];

interface PlannedFile {
  path: string;
  content: string;
  note?: string;
}

/**
 * `sfdeploy init`: the checklists the team owns, sfdeploy.config.yaml, .env.example and .gitignore entries.
 * Idempotent; an existing file that differs is kept unless `--force`.
 */
export async function init(opts: InitOptions, io: CommandIO): Promise<number> {
  if (!(TEMPLATES as readonly string[]).includes(opts.template)) {
    throw new UsageError(`--template must be one of ${TEMPLATES.join(', ')}, got "${opts.template}"`);
  }
  if (isAbsolute(opts.dir) || relative(io.cwd, resolve(io.cwd, opts.dir)).startsWith('..')) {
    throw new UsageError(`--dir must be a folder inside this repository, got "${opts.dir}"`);
  }
  const dir = resolve(io.cwd, opts.dir);
  const folder = relative(io.cwd, dir).split('\\').join('/');
  const checklists = checklistFiles(opts.template as Template, dir, io.cwd);

  const lines: string[] = [];
  let kept = 0;
  const put = async (file: PlannedFile): Promise<void> => {
    const shown = displayPath(file.path, io.cwd);
    const existing = readOrUndefined(file.path);
    if (existing === file.content) {
      lines.push(`unchanged  ${shown}`);
      return;
    }
    if (existing !== undefined && !opts.force) {
      kept++;
      lines.push(`kept       ${shown} (it exists and differs; --force overwrites it)`);
      return;
    }
    await makeDirectory(dirname(file.path));
    await writeFile(file.path, file.content, existing === undefined ? { flag: 'wx' } : {});
    lines.push(`${existing === undefined ? 'created' : 'replaced'}    ${shown}${file.note ? ` (${file.note})` : ''}`);
  };

  for (const file of checklists) await put(file);
  const configFile = join(io.cwd, CONFIG_FILE);
  await put({ path: configFile, content: configText(folder), ...brokenConfigNote(configFile, opts.force) });
  // The variables come from the checklists as they now are on disk (a kept file is the team's own).
  const loaded: LoadedChecklist[] = [];
  const warnings: string[] = [];
  for (const f of checklists) {
    try {
      loaded.push(parseChecklist(readFileSync(f.path), f.path, { env: {} }));
    } catch (e) {
      if (!(e instanceof ChecklistError)) throw e;
      warnings.push(
        `warning: ${displayPath(f.path, io.cwd)} does not validate (${e.problems.length} problem${e.problems.length === 1 ? '' : 's'}, see \`sfdeploy validate\`): .env.example lacks its variables\n`,
      );
    }
  }
  await put({ path: join(io.cwd, '.env.example'), content: envExample(loaded, folder) });
  lines.push(await ensureIgnored(join(io.cwd, '.gitignore'), io.cwd));

  io.stdout.write(`${lines.join('\n')}\n\n`);
  for (const w of warnings) io.stderr.write(w);
  if (kept) io.stdout.write(`${kept} existing file${kept === 1 ? ' was' : 's were'} left as they are.\n`);
  io.stdout.write(
    `Next: copy .env.example to .env (git ignores it) and fill it in, then run \`npx sfdeploy check pre\`.\n` +
      `The checklists in ${folder}/ are yours: commit them; \`npx sfdeploy validate\` checks them.\n`,
  );
  return 0;
}

/** `--force` over a config that does not load: the line that replaces it says so (withConfig let the run go on). */
function brokenConfigNote(file: string, force: boolean): { note?: string } {
  if (!force || !existsSync(file)) return {};
  try {
    loadConfig(file);
    return {};
  } catch (e) {
    if (!(e instanceof ChecklistError)) throw e;
    return { note: `it did not load: ${e.problems.length} problem${e.problems.length === 1 ? '' : 's'}` };
  }
}

function checklistFiles(template: Template, dir: string, cwd: string): PlannedFile[] {
  const schemaLine = schemaComment(dir, cwd);
  if (template === 'social-flow') {
    return BUNDLED_NAMES.map((name) => ({
      path: join(dir, `${name}.yaml`),
      content: `${schemaLine}${extendsText(name)}`,
      note: `extends sfdeploy:${name}`,
    }));
  }
  const source = readFileSync(join(TEMPLATES_DIR, template, 'pre.yaml'), 'utf8');
  return [{ path: join(dir, 'pre.yaml'), content: `${schemaLine}${source}`, note: `${template} starter` }];
}

/** The yaml-language-server line when sfdeploy is installed inside this repository (node_modules/sfdeploy). */
function schemaComment(dir: string, cwd: string): string {
  const rel = relative(cwd, SCHEMA_FILE);
  if (rel.startsWith('..') || isAbsolute(rel) || !existsSync(SCHEMA_FILE)) return '';
  return `# yaml-language-server: $schema=${relative(dir, SCHEMA_FILE).split('\\').join('/')}\n`;
}

const EXAMPLES: Record<string, string> = {
  pre: `# override:                 # change inherited items by id (the keys given replace the inherited ones)
#   db-created: { timeout: 30s }
# drop:                     # remove inherited items, saying why (the reason stays here for reviewers)
#   k8s-cluster: we deploy to ECS, not Kubernetes
# sections:                 # add your own sections after the inherited ones
#   - id: ours
#     title: Our checks
#     items:
#       - id: feature-flags
#         title: Feature flags set for the launch
#         manual: { instructions: Confirm the flags in the admin console. }
# environments:             # chosen with --environment (or environment: in sfdeploy.config.yaml)
#   staging:
#     vars: { API_BASE_URL: { default: "https://staging-api.example.com" } }
#     skip: [section:kubernetes]
`,
};

function extendsText(name: string): string {
  return `# The team's ${name} checklist: the bundled sfdeploy:${name} plus the changes below. Updating sfdeploy brings
# the upstream checklist's changes in; yours stay here. \`npx sfdeploy validate\` checks this file.
extends: sfdeploy:${name}
${EXAMPLES[name] ?? `# override:, drop:, sections: and environments: work as in pre.yaml.\n`}`;
}

function configText(folder: string): string {
  return `# sfdeploy settings for this repository, read by every sfdeploy command run in it.
# Flags (--environment, --ledger, --log-dir, --log-store) and SFDEPLOY_* variables win over these.
checklists: ${folder}     # \`sfdeploy check pre\` runs ${folder}/pre.yaml (sfdeploy:pre is the bundled one)
environment: production   # the default --environment; it picks a checklist's environments: overlay
ledger: .sfdeploy/signoffs.jsonl  # or s3://bucket/prefix, the team ledger (see sfdeploy's docs/team-ledger.md)
log_dir: .sfdeploy/runs
# log_store: s3://bucket/prefix   # upload every run log
# vars:                           # variable aliases: read SECRET_KEY when JWT_SECRET_KEY is unset
#   JWT_SECRET_KEY: SECRET_KEY
`;
}

interface VarLine {
  name: string;
  description?: string | undefined;
  default?: string | undefined;
  secret: boolean;
  from: string[];
}

/** `.env.example`: every variable the checklists declare or reference, with its description and default. */
export function envExample(checklists: LoadedChecklist[], folder: string): string {
  const vars = new Map<string, VarLine>();
  for (const cl of checklists) {
    for (const [name, decl] of Object.entries(cl.vars)) {
      if (vars.has(name)) continue;
      vars.set(name, { name, description: decl.description, default: decl.default, secret: !!decl.secret, from: decl.from ?? [] });
    }
    for (const name of cl.items.flatMap((it) => it.missingVars)) {
      if (!vars.has(name)) vars.set(name, { name, secret: false, from: [] });
    }
  }
  const out = [
    `# Variables the checklists in ${folder}/ read (written by sfdeploy init). Copy to .env (git ignores it) and`,
    '# fill it in, or set them in CI. An empty value counts as unset. Commented lines show the default.',
    '',
  ];
  for (const v of vars.values()) {
    const notes = [v.secret ? 'secret: masked in every output' : '', v.from.length ? `also read from ${v.from.join(', ')}` : '']
      .filter(Boolean)
      .join('; ');
    if (v.description || notes) out.push(`# ${v.description ?? v.name}${notes ? ` (${notes})` : ''}`);
    // a default built from other variables (DATABASE_URL from POSTGRES_*) is said, the line left to fill in
    const built = v.default?.includes('${') === true;
    if (built) out.push(`# unset or empty, it is ${v.default!}`);
    out.push(v.default !== undefined && !built ? `# ${v.name}=${v.default}` : `${v.name}=`);
  }
  return `${out.join('\n')}\n`;
}

/** Appends the entries .gitignore lacks; never removes anything. */
async function ensureIgnored(file: string, cwd: string): Promise<string> {
  const existing = readOrUndefined(file);
  const present = new Set((existing ?? '').split(/\r?\n/).map((l) => l.trim().replace(/^\//, '')));
  const missing = IGNORED.filter((entry) => !present.has(entry) && !present.has(entry.replace(/\/$/, '')));
  const shown = displayPath(file, cwd);
  if (!missing.length) return `unchanged  ${shown}`;
  const prefix = existing === undefined || existing === '' || existing.endsWith('\n') ? '' : '\n';
  await writeFile(file, `${existing ?? ''}${prefix}# sfdeploy: run logs, local ledger, secrets\n${missing.join('\n')}\n`);
  return `${existing === undefined ? 'created' : 'updated'}    ${shown} (ignores ${missing.join(', ')})`;
}

function readOrUndefined(file: string): string | undefined {
  try {
    return readFileSync(file, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new UsageError(`cannot read ${file}: ${(e as Error).message}`);
  }
}
