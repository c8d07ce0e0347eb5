import { createHash } from 'node:crypto';
import { readFile, stat } from 'node:fs/promises';
import { LineCounter, parseDocument, type Document } from 'yaml';
import { z } from 'zod';
import { ChecklistError, type Problem } from '../errors.js';
import { getProbe, probeKinds } from '../probes/index.js';
import type { Probe } from '../probes/types.js';
import { ConditionSyntaxError, conditionPaths, isKnownObservation, parseCondition, type Condition } from './condition.js';
import { describeValue, issueMessage, knownKeysAt, suggest, valueAt } from './describe.js';
import { expand, expandDeep, isTruthy, referencedVars, type Env, type VarDeclaration } from './interpolate.js';
import { formatPath, locate, type ModelPath } from './locate.js';
import { checklistSchema, itemSchema, sectionSchema, type ChecklistDefinition, type ItemDefinition, type Severity } from './schema.js';

/** Checklists larger than this are refused before parsing. */
export const MAX_CHECKLIST_BYTES = 4 * 1024 * 1024;
const MAX_ALIAS_COUNT = 100;
const DEFAULT_TIMEOUT_MS = 10_000;

export interface ManualPlan {
  instructions: string;
  commands: string[];
  links: string[];
  roles: string[];
  evidence: 'optional' | 'required';
}

export interface ProbePlan {
  kind: string;
  probe: Probe;
  /** Parameters after `${VAR}` expansion and schema defaults; undefined when a variable is missing. */
  params: unknown;
  /** The item's `expect:`; undefined means the probe's built-in check. */
  conditions: Condition[] | undefined;
}

/** One item, validated and ready to run. */
export interface PlannedItem {
  id: string;
  title: string;
  description: string | undefined;
  section: { id: string; title: string; index: number; distinctSigners: boolean };
  /** Position in checklist order. */
  index: number;
  /** `manual` or the probe kind. */
  kind: string;
  severity: Severity;
  optional: boolean;
  tags: string[];
  needs: string[];
  /** false when `when:` expanded to an empty value; `whenReason` says why. */
  enabled: boolean;
  whenReason: string | undefined;
  timeoutMs: number;
  retry: { attempts: number; delayMs: number };
  expiresAfterMs: number | undefined;
  /** Variables referenced without a value: the item fails naming them. */
  missingVars: string[];
  probe: ProbePlan | undefined;
  manual: ManualPlan | undefined;
  /** SHA-256 of the item's definition as written: a sign-off is bound to it. */
  definitionHash: string;
  /** `file:line:col` of the item. */
  location: string;
}

export interface LoadedChecklist {
  file: string;
  sha256: string;
  definition: ChecklistDefinition;
  items: PlannedItem[];
  /** Variables whose values must be masked besides the ones whose names look secret. */
  secretNames: string[];
  vars: Record<string, VarDeclaration>;
}

export interface LoadOptions {
  env: Env;
}

/** Reads, parses and validates a checklist file. Throws ChecklistError with every problem located. */
export async function loadChecklistFile(file: string, options: LoadOptions): Promise<LoadedChecklist> {
  let bytes: Buffer;
  try {
    const info = await stat(file);
    if (info.isDirectory()) throw new ChecklistError([fileProblem(file, 'is a directory, not a checklist file')]);
    if (info.size > MAX_CHECKLIST_BYTES) {
      throw new ChecklistError([fileProblem(file, `is ${info.size} bytes; checklists are limited to ${MAX_CHECKLIST_BYTES} bytes`)]);
    }
    bytes = await readFile(file);
  } catch (e) {
    if (e instanceof ChecklistError) throw e;
    const code = (e as NodeJS.ErrnoException).code;
    throw new ChecklistError([fileProblem(file, code === 'ENOENT' ? 'no such file' : `cannot read: ${(e as Error).message}`)]);
  }
  return parseChecklist(bytes, file, options);
}

function fileProblem(file: string, message: string, line = 1, col = 1): Problem {
  return { file, line, col, path: '', message };
}

/** Parses and validates checklist source. Throws ChecklistError with every problem located. */
export function parseChecklist(source: Buffer | string, file: string, options: LoadOptions): LoadedChecklist {
  const bytes = typeof source === 'string' ? Buffer.from(source, 'utf8') : source;
  if (bytes.length > MAX_CHECKLIST_BYTES) {
    throw new ChecklistError([fileProblem(file, `is ${bytes.length} bytes; checklists are limited to ${MAX_CHECKLIST_BYTES} bytes`)]);
  }
  const text = decodeUtf8(bytes, file);
  const lines = new LineCounter();
  let doc: Document;
  let data: unknown;
  try {
    doc = parseDocument(text, { lineCounter: lines, prettyErrors: false, uniqueKeys: true, strict: true, stringKeys: false });
    const syntax = [...doc.errors];
    if (syntax.length) {
      throw new ChecklistError(
        syntax.map((err) => {
          const pos = lines.linePos(err.pos[0]);
          const message = err.code === 'DUPLICATE_KEY' ? `duplicate key: ${firstLine(err.message)}` : firstLine(err.message);
          return fileProblem(file, message, pos.line, pos.col);
        }),
      );
    }
    data = doc.toJS({ maxAliasCount: MAX_ALIAS_COUNT });
  } catch (e) {
    if (e instanceof ChecklistError) throw e;
    if (e instanceof RangeError) throw new ChecklistError([fileProblem(file, 'the document is nested too deeply')]);
    if (e instanceof ReferenceError) {
      throw new ChecklistError([
        fileProblem(file, `too many alias expansions (more than ${MAX_ALIAS_COUNT}); aliases are limited to guard against alias bombs`),
      ]);
    }
    throw new ChecklistError([fileProblem(file, `cannot parse YAML: ${(e as Error).message}`)]);
  }
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
  const env = options.env;
  const vars = definition.vars;
  const secretNames = Object.entries(vars)
    .filter(([, v]) => v.secret)
    .map(([k]) => k);

  // Items are planned even when other parts of the file are invalid, so every problem is reported at once.
  const items: PlannedItem[] = [];
  const seen = new Map<string, ModelPath>();
  const rawSections = Array.isArray(raw.sections) ? (raw.sections as unknown[]) : [];
  rawSections.forEach((rawSection, s) => {
    const sec = sectionHeaderSchema.safeParse(rawSection);
    const rawItems = (rawSection as { items?: unknown })?.items;
    if (!Array.isArray(rawItems)) return;
    rawItems.forEach((rawItem, i) => {
      const parsedItem = itemSchema.safeParse(rawItem);
      if (!parsedItem.success) return;
      const item = parsedItem.data;
      const path: ModelPath = ['sections', s, 'items', i];
      const prior = seen.get(item.id);
      if (prior) {
        const pos = locate(doc, lines, [...prior, 'id']);
        at([...path, 'id'], `duplicate item id "${item.id}" (first defined at line ${pos.line})`);
      } else seen.set(item.id, path);
      checkRoles(item, path, definition, at);
      const pos = locate(doc, lines, path);
      const section = sec.success ? sec.data : { id: `section-${s + 1}`, title: `Section ${s + 1}`, distinct_signers: false };
      items.push(
        planItem(item, rawItem as Record<string, unknown>, {
          definition,
          section: { id: section.id, title: section.title, index: s, distinctSigners: section.distinct_signers !== false },
          index: items.length,
          path,
          env,
          vars,
          at,
          location: `${file}:${pos.line}:${pos.col}`,
        }),
      );
    });
  });

  checkDependencies(items, seen, at, definition);
  if (problems.length) throw new ChecklistError(sortProblems(problems));
  return { file, sha256: createHash('sha256').update(bytes).digest('hex'), definition, items, secretNames, vars };
}

interface PlanContext {
  definition: ChecklistDefinition;
  section: PlannedItem['section'];
  index: number;
  path: ModelPath;
  env: Env;
  vars: Record<string, VarDeclaration>;
  at: (path: ModelPath, message: string, key?: string) => void;
  location: string;
}

function planItem(item: ItemDefinition, rawItem: Record<string, unknown>, c: PlanContext): PlannedItem {
  const missing = new Set<string>();
  let enabled = true;
  let whenReason: string | undefined;
  if (item.when !== undefined) {
    const e = expand(item.when, c.env, c.vars);
    enabled = isTruthy(e.value);
    if (!enabled) {
      const names = referencedVars(item.when);
      whenReason =
        names.length === 1 && e.missing.length === 1
          ? `${names[0]} not set`
          : `when: ${item.when} is ${e.value.trim() === '' ? 'empty' : `"${e.value.trim()}"`}`;
    }
  }
  let probe: ProbePlan | undefined;
  if (item.probe) {
    probe = planProbe(item.probe, c, missing);
  }
  const retry = item.retry ?? c.definition.defaults.retry;
  return {
    id: item.id,
    title: item.title,
    description: item.description,
    section: c.section,
    index: c.index,
    kind: item.probe?.kind ?? 'manual',
    severity: item.severity,
    optional: item.optional,
    tags: item.tags,
    needs: item.needs,
    enabled,
    whenReason,
    timeoutMs: item.timeout ?? c.definition.defaults.timeout ?? DEFAULT_TIMEOUT_MS,
    retry: { attempts: retry?.attempts ?? 1, delayMs: retry?.delay ?? 0 },
    expiresAfterMs: item.expires_after ?? c.definition.defaults.expires_after,
    missingVars: [...missing],
    probe,
    manual: item.manual
      ? {
          instructions: item.manual.instructions,
          commands: item.manual.commands ?? [],
          links: item.manual.links ?? [],
          roles: item.manual.roles ?? [],
          evidence: item.manual.evidence,
        }
      : undefined,
    definitionHash: hashDefinition(rawItem),
    location: c.location,
  };
}

function planProbe(
  rawProbe: { kind: string; expect?: string[] | undefined } & Record<string, unknown>,
  c: PlanContext,
  missing: Set<string>,
): ProbePlan | undefined {
  const probePath: ModelPath = [...c.path, 'probe'];
  const probe = getProbe(rawProbe.kind);
  if (!probe) {
    const hint = suggest(rawProbe.kind, probeKinds());
    c.at(
      [...probePath, 'kind'],
      `unknown probe kind "${rawProbe.kind}"${hint ? ` (did you mean "${hint}"?)` : ''}; known kinds: ${probeKinds().join(', ')}`,
    );
    return undefined;
  }
  let conditions: Condition[] | undefined;
  if (rawProbe.expect) {
    conditions = [];
    rawProbe.expect.forEach((source, j) => {
      try {
        const cond = parseCondition(source);
        for (const path of conditionPaths(cond)) {
          if (!isKnownObservation(path, Object.keys(probe.observations))) {
            c.at(
              [...probePath, 'expect', j],
              `unknown observation "${path}" for probe ${probe.kind}; it observes ${Object.keys(probe.observations).join(', ')}`,
            );
          }
        }
        conditions!.push(cond);
      } catch (e) {
        if (!(e instanceof ConditionSyntaxError)) throw e;
        c.at([...probePath, 'expect', j], e.message);
      }
    });
  }
  const { kind: _kind, expect: _expect, ...rawParams } = rawProbe;
  const withDefaults = injectEnvDefaults(probe.params, rawParams);
  const verbatim = new Set(probe.verbatim ?? []);
  const expanded: Record<string, unknown> = {};
  const unresolved: ModelPath[] = [];
  for (const [key, value] of Object.entries(withDefaults)) {
    if (verbatim.has(key) && typeof value === 'string') {
      expanded[key] = value;
      for (const name of referencedVars(value)) {
        if (!new RegExp(`\\$\\{${name}:-`).test(value) && lookupMissing(name, c)) missing.add(name);
      }
      continue;
    }
    const e = expandDeep(value, c.env, c.vars);
    e.missing.forEach((m) => missing.add(m));
    unresolved.push(...e.unresolvedPaths.map((p) => [key, ...p]));
    expanded[key] = e.value;
  }
  const parsed = probe.params.safeParse(expanded);
  if (!parsed.success) {
    const issues = parsed.error.issues.filter((issue) => !unresolved.some((u) => startsWith(issue.path, u)));
    reportIssues(issues, expanded, probe.params, probePath, c.at);
    return { kind: probe.kind, probe, params: undefined, conditions };
  }
  return { kind: probe.kind, probe, params: missing.size ? undefined : parsed.data, conditions };
}

function lookupMissing(name: string, c: PlanContext): boolean {
  return expand(`\${${name}}`, c.env, c.vars).missing.length > 0;
}

/** Top-level string defaults that reference variables (`url: ${DATABASE_URL}`) are expanded like written values. */
function injectEnvDefaults(schema: z.ZodType, params: Record<string, unknown>): Record<string, unknown> {
  const base = unwrapObject(schema);
  if (!base) return params;
  const out = { ...params };
  for (const [key, field] of Object.entries(base.shape as Record<string, z.ZodType>)) {
    if (out[key] !== undefined) continue;
    if (field instanceof z.ZodDefault) {
      const dv: unknown = (field as z.ZodDefault).def.defaultValue;
      if (typeof dv === 'string' && dv.includes('${')) out[key] = dv;
    }
  }
  return out;
}

function unwrapObject(schema: z.ZodType): z.ZodObject | undefined {
  let s: z.ZodType = schema;
  for (let i = 0; i < 5; i++) {
    if (s instanceof z.ZodObject) return s;
    if (s instanceof z.ZodPipe) s = s.in as z.ZodType;
    else return undefined;
  }
  return undefined;
}

function startsWith(path: readonly PropertyKey[], prefix: ModelPath): boolean {
  return prefix.every((seg, i) => path[i] === seg);
}

function reportIssues(
  issues: readonly z.core.$ZodIssue[],
  input: unknown,
  schema: z.ZodType,
  prefix: ModelPath,
  at: PlanContext['at'],
): void {
  for (const issue of issues) {
    if (issue.code === 'unrecognized_keys') {
      const known = knownKeysAt(schema, issue.path);
      for (const key of issue.keys) {
        const hint = suggest(key, known);
        at(
          [...prefix, ...issue.path],
          `unknown key "${key}"${hint ? ` (did you mean "${hint}"?)` : known.length ? `; expected one of ${known.join(', ')}` : ''}`,
          key,
        );
      }
      continue;
    }
    if (issue.code === 'invalid_union') {
      const got = valueAt(input, issue.path);
      at([...prefix, ...issue.path], `${issue.message}, got ${describeValue(got)}`);
      continue;
    }
    at([...prefix, ...issue.path], issueMessage(issue, input));
  }
}

function checkDependencies(items: PlannedItem[], ids: Map<string, ModelPath>, at: PlanContext['at'], _def: ChecklistDefinition): void {
  const byId = new Map<string, PlannedItem>();
  for (const it of items) if (!byId.has(it.id)) byId.set(it.id, it);
  for (const item of items) {
    const path = ids.get(item.id);
    item.needs.forEach((dep, j) => {
      if (!byId.has(dep)) {
        const hint = suggest(dep, [...byId.keys()]);
        if (path) at([...path, 'needs', j], `needs unknown item "${dep}"${hint ? ` (did you mean "${hint}"?)` : ''}`);
      } else if (dep === item.id && path) at([...path, 'needs', j], 'an item cannot need itself');
    });
  }
  const state = new Map<string, 'visiting' | 'done'>();
  const reported = new Set<string>();
  const visit = (id: string, trail: string[]): void => {
    if (state.get(id) === 'done') return;
    if (state.get(id) === 'visiting') {
      const cycle = [...trail.slice(trail.indexOf(id)), id];
      const key = [...cycle].sort().join(',');
      const path = ids.get(id);
      if (!reported.has(key) && path && cycle.length > 2) {
        reported.add(key);
        at([...path, 'needs'], `dependency cycle: ${cycle.join(' → ')}`);
      }
      return;
    }
    state.set(id, 'visiting');
    for (const dep of byId.get(id)?.needs ?? []) if (byId.has(dep) && dep !== id) visit(dep, [...trail, id]);
    state.set(id, 'done');
  };
  for (const item of items) visit(item.id, []);
}

const sectionHeaderSchema = z.object({
  id: sectionSchema.shape.id,
  title: sectionSchema.shape.title,
  distinct_signers: sectionSchema.shape.distinct_signers,
});

/** The checklist-level settings of an invalid file, as far as they are valid, so its items can still be checked. */
function partialDefinition(data: unknown): ChecklistDefinition {
  const d = (data ?? {}) as Record<string, unknown>;
  const pick = <T>(schema: z.ZodType<T>, value: unknown, fallback: T): T => {
    const r = schema.safeParse(value);
    return r.success ? r.data : fallback;
  };
  const shape = checklistSchema.shape;
  return {
    id: pick(shape.id, d.id, 'checklist'),
    title: pick(z.string(), d.title, 'Checklist'),
    vars: pick(shape.vars, d.vars, {}),
    roles: pick(shape.roles, d.roles, {}),
    defaults: pick(shape.defaults, d.defaults, {}),
    sections: [],
  } as ChecklistDefinition;
}

/** Every role an item names must be declared under the checklist's `roles`. */
function checkRoles(item: ItemDefinition, path: ModelPath, definition: ChecklistDefinition, at: PlanContext['at']): void {
  const declared = Object.keys(definition.roles);
  item.manual?.roles?.forEach((role, j) => {
    if (definition.roles[role]) return;
    const hint = suggest(role, declared);
    const known = declared.length
      ? `declared roles: ${declared.join(', ')}`
      : `no roles are declared: add roles: { ${role}: { title: ... } } to the checklist`;
    at([...path, 'manual', 'roles', j], `unknown role "${role}"${hint ? ` (did you mean "${hint}"?)` : ''}; ${known}`);
  });
}

function hashDefinition(raw: unknown): string {
  return createHash('sha256').update(canonicalJson(raw)).digest('hex');
}

/** JSON with object keys sorted, so the same definition always hashes the same. */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
  }
  return JSON.stringify(value) ?? 'null';
}

function decodeUtf8(bytes: Buffer, file: string): string {
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(bytes).replace(/^\uFEFF/, '');
  } catch {
    const bad = firstInvalidUtf8(bytes);
    const before = bytes.subarray(0, bad).toString('utf8');
    const line = before.split('\n').length;
    const col = before.length - before.lastIndexOf('\n');
    throw new ChecklistError([
      fileProblem(file, `invalid UTF-8 byte 0x${bytes[bad]?.toString(16).padStart(2, '0')}; save the file as UTF-8`, line, col),
    ]);
  }
}

/** Offset of the first byte that does not start or continue a valid UTF-8 sequence. */
function firstInvalidUtf8(bytes: Buffer): number {
  let i = 0;
  while (i < bytes.length) {
    const b = bytes[i]!;
    const len = b < 0x80 ? 1 : b >= 0xc2 && b < 0xe0 ? 2 : b >= 0xe0 && b < 0xf0 ? 3 : b >= 0xf0 && b < 0xf5 ? 4 : 0;
    if (len === 0) return i;
    for (let k = 1; k < len; k++) {
      const c = bytes[i + k];
      if (c === undefined || (c & 0xc0) !== 0x80) return i;
    }
    i += len;
  }
  return i;
}

function firstLine(message: string): string {
  return message.split('\n')[0]!.replace(/ at line \d+, column \d+:?$/, '');
}

function sortProblems(problems: Problem[]): Problem[] {
  return [...problems].sort((a, b) => a.file.localeCompare(b.file) || a.line - b.line || a.col - b.col);
}
