import { createHash } from 'node:crypto';
import { ChecklistError, type Problem } from '../errors.js';
import { describeValue } from './describe.js';
import { checkDependencies } from './graph.js';
import { formatPath, locate, type ModelPath } from './locate.js';
import type { LoadedChecklist } from './model.js';
import { partialDefinition, planItems, reportIssues } from './plan.js';
import { checklistSchema, type ChecklistDefinition } from './schema.js';
import { fileProblem, parseChecklistSource, readChecklistBytes } from './source.js';
import type { Env } from '../util/env.js';

export interface LoadOptions {
  env: Env;
}

/** Reads, parses and validates a checklist file. Throws ChecklistError with every problem located. */
export async function loadChecklistFile(file: string, options: LoadOptions): Promise<LoadedChecklist> {
  return parseChecklist(await readChecklistBytes(file), file, options);
}

/** Parses and validates checklist source. Throws ChecklistError with every problem located. */
export function parseChecklist(source: Buffer | string, file: string, options: LoadOptions): LoadedChecklist {
  const { bytes, doc, lines, data, problems: yamlProblems } = parseChecklistSource(source, file);
  if (data === null || typeof data !== 'object' || Array.isArray(data)) {
    throw new ChecklistError([fileProblem(file, `expected a mapping with id, title and sections, got ${describeValue(data)}`)]);
  }

  const problems: Problem[] = yamlProblems.slice(0, MAX_PROBLEMS);
  let unshown = yamlProblems.length - problems.length;
  const at = (path: ModelPath, message: string, key?: string): void => {
    // locating costs a walk of the document: a file with 40,000 bad keys gets the first MAX_PROBLEMS, and a count
    if (problems.length >= MAX_PROBLEMS) return void unshown++;
    const pos = locate(doc, lines, path, key);
    problems.push({ file, line: pos.line, col: pos.col, path: formatPath(key ? [...path, key] : path), message });
  };
  const fail = (): never => {
    const sorted = sortProblems(problems);
    if (unshown) sorted.push(fileProblem(file, `and ${unshown} more problems (the first ${MAX_PROBLEMS} are shown)`));
    throw new ChecklistError(sorted);
  };

  const parsed = checklistSchema.safeParse(data);
  if (!parsed.success) reportIssues(parsed.error.issues, data, checklistSchema, [], at);
  const raw = data as { sections?: unknown };
  const definition: ChecklistDefinition = parsed.success ? parsed.data : partialDefinition(data);
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
  const { items, seen } = planItems(rawSections, { doc, lines, file, definition, env: options.env, at });

  checkDependencies(items, seen, at);
  if (problems.length) fail();
  return { file, sha256: createHash('sha256').update(bytes).digest('hex'), definition, items, secretNames, vars };
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
