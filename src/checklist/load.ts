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
  const { bytes, doc, lines, data } = parseChecklistSource(source, file);
  if (data === null || typeof data !== 'object' || Array.isArray(data)) {
    throw new ChecklistError([fileProblem(file, `expected a mapping with id, title and sections, got ${describeValue(data)}`)]);
  }

  const problems: Problem[] = [];
  const at = (path: ModelPath, message: string, key?: string): void => {
    const pos = locate(doc, lines, path, key);
    problems.push({ file, line: pos.line, col: pos.col, path: formatPath(key ? [...path, key] : path), message });
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
  const { items, seen } = planItems(rawSections, { doc, lines, file, definition, env: options.env, at });

  checkDependencies(items, seen, at);
  if (problems.length) throw new ChecklistError(sortProblems(problems));
  return { file, sha256: createHash('sha256').update(bytes).digest('hex'), definition, items, secretNames, vars };
}

function sortProblems(problems: Problem[]): Problem[] {
  return [...problems].sort((a, b) => a.file.localeCompare(b.file) || a.line - b.line || a.col - b.col);
}
