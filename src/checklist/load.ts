import { createHash } from 'node:crypto';
import { ChecklistError, type Problem } from '../errors.js';
import { composeChecklist, isComposed, type SourcePlace } from './compose.js';
import { describeValue } from './describe.js';
import { checkDependencies } from './graph.js';
import { formatPath, locate, type ModelPath } from './locate.js';
import type { LoadedChecklist } from './model.js';
import { partialDefinition, planItems, reportIssues } from './plan.js';
import { checklistSchema, type ChecklistDefinition } from './schema.js';
import { fileProblem, parseChecklistSource, readChecklistBytes } from './source.js';
import { displayPath } from '../util/display-path.js';
import type { Env } from '../util/env.js';
import type { VarDeclaration } from './interpolate.js';

export interface LoadOptions {
  env: Env;
  /** Chooses the checklist's `environments.<name>` overlay. */
  environment?: string | null | undefined;
  /** More names to read a variable from (sfdeploy.config.yaml `vars:`), after the checklist's own `from`. */
  aliases?: Record<string, string[]> | undefined;
  /** Variables an unresolved `${OTHER}` left unset, with the references (see commands/env-files.ts). */
  references?: Readonly<Record<string, string>> | undefined;
  /** The working directory: problems, trails and drop locations name the files inside it relative to it. */
  cwd?: string | undefined;
}

/** Reads, parses and validates a checklist file. Throws ChecklistError with every problem located. */
export async function loadChecklistFile(file: string, options: LoadOptions): Promise<LoadedChecklist> {
  let bytes: Buffer;
  try {
    bytes = await readChecklistBytes(file);
  } catch (e) {
    throw shownFrom(e, options.cwd);
  }
  return parseChecklist(bytes, file, options);
}

/** Parses and validates checklist source. Throws ChecklistError with every problem located. */
export function parseChecklist(source: Buffer | string, file: string, options: LoadOptions): LoadedChecklist {
  try {
    return parseChecklistUnshown(source, file, options);
  } catch (e) {
    throw shownFrom(e, options.cwd);
  }
}

/** A ChecklistError whose files inside `cwd` are named relative to it; any other error as it is. */
function shownFrom(e: unknown, cwd: string | undefined): unknown {
  if (!cwd || !(e instanceof ChecklistError)) return e;
  return new ChecklistError(e.problems.map((p) => ({ ...p, file: displayPath(p.file, cwd) })));
}

function parseChecklistUnshown(source: Buffer | string, file: string, options: LoadOptions): LoadedChecklist {
  const src = parseChecklistSource(source, file);
  const { bytes, doc, lines, problems: yamlProblems } = src;
  let data = src.data;
  if (data === null || typeof data !== 'object' || Array.isArray(data)) {
    throw new ChecklistError([fileProblem(file, `expected a mapping with id, title and sections, got ${describeValue(data)}`)]);
  }
  const composition = isComposed(data as Record<string, unknown>)
    ? composeChecklist({ ...src, file }, { environment: options.environment, cwd: options.cwd })
    : undefined;
  if (composition) data = composition.data;
  const where = (path: ModelPath, key?: string): SourcePlace =>
    composition ? composition.locate(path, key) : { file, ...locate(doc, lines, path, key) };

  const earlier = [...yamlProblems, ...(composition?.problems ?? [])];
  const problems: Problem[] = earlier.slice(0, MAX_PROBLEMS);
  let unshown = earlier.length - problems.length;
  const at = (path: ModelPath, message: string, key?: string): void => {
    // locating costs a walk of the document: a file with 40,000 bad keys gets the first MAX_PROBLEMS, and a count
    if (problems.length >= MAX_PROBLEMS) return void unshown++;
    const pos = where(path, key);
    problems.push({ file: pos.file, line: pos.line, col: pos.col, path: formatPath(key ? [...path, key] : path), message });
  };
  const fail = (): never => {
    const sorted = sortProblems(problems);
    if (unshown) sorted.push(fileProblem(file, `and ${unshown} more problems (the first ${MAX_PROBLEMS} are shown)`));
    throw new ChecklistError(sorted);
  };

  const parsed = checklistSchema.safeParse(data);
  if (!parsed.success) reportIssues(parsed.error.issues, data, checklistSchema, [], at);
  const raw = data as { sections?: unknown };
  const parsedDefinition: ChecklistDefinition = parsed.success ? parsed.data : partialDefinition(data);
  const definition: ChecklistDefinition = { ...parsedDefinition, vars: withAliases(parsedDefinition.vars, options.aliases) };
  const vars = definition.vars;
  const secretNames = Object.entries(vars)
    .filter(([, v]) => v.secret)
    .map(([k]) => k);
  const rawSections = Array.isArray(raw.sections) ? (raw.sections as unknown[]) : [];
  const tooMany = itemBeyondLimit(rawSections);
  if (tooMany) {
    at(tooMany, `more than ${MAX_ITEMS.toLocaleString('en-US')} items; a checklist is limited to that`);
    fail();
  }
  const { items, seen } = planItems(rawSections, {
    doc,
    lines,
    file,
    definition,
    env: options.env,
    references: options.references,
    at,
    where,
    trail: composition?.trail,
    parsedSections: parsed.success ? parsed.data.sections : undefined,
  });

  checkDependencies(items, seen, at, composition?.dropped);
  if (problems.length) fail();
  const sha256 = composition
    ? createHash('sha256').update(composition.hashes.join('\n')).digest('hex')
    : createHash('sha256').update(bytes).digest('hex');
  return {
    file,
    sha256,
    definition,
    items,
    secretNames,
    vars,
    environmentSkip: composition?.environmentSkip ?? [],
    dropped: composition?.dropped ?? [],
  };
}

/** Adds the config's aliases after each variable's own `from`. */
function withAliases(vars: Record<string, VarDeclaration>, aliases: Record<string, string[]> | undefined): Record<string, VarDeclaration> {
  if (!aliases) return vars;
  const out = { ...vars };
  for (const [name, from] of Object.entries(aliases)) {
    const decl = out[name] ?? {};
    out[name] = { ...decl, from: [...(decl.from ?? []), ...from.filter((f) => !decl.from?.includes(f))] };
  }
  return out;
}

/** Problems located and shown for one file; the rest are counted. */
const MAX_PROBLEMS = 100;

/** Items a checklist may have (the runner and the run log are tested up to 5,000). */
export const MAX_ITEMS = 10_000;

function itemBeyondLimit(rawSections: unknown[]): ModelPath | undefined {
  let count = 0;
  for (let s = 0; s < rawSections.length; s++) {
    const items = (rawSections[s] as { items?: unknown } | null)?.items;
    if (!Array.isArray(items)) continue;
    if (count + items.length > MAX_ITEMS) return ['sections', s, 'items', MAX_ITEMS - count];
    count += items.length;
  }
  return undefined;
}

function sortProblems(problems: Problem[]): Problem[] {
  return [...problems].sort((a, b) => a.file.localeCompare(b.file) || a.line - b.line || a.col - b.col);
}
