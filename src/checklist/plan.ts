import { createHash } from 'node:crypto';
import type { Document, LineCounter } from 'yaml';
import { z } from 'zod';
import { getProbe, probeKinds } from '../probes/index.js';
import { canonicalJson } from '../util/canonical-json.js';
import type { Env } from '../util/env.js';
import { declaredDefaults } from '../util/zod-defaults.js';
import { ConditionSyntaxError, conditionPaths, isKnownObservation, parseCondition, type Condition } from './condition.js';
import { describeValue, issueMessage, knownKeysAt, suggest, valueAt } from './describe.js';
import { expand, expandDeep, isTruthy, referencedVars, unsetBecause, type VarDeclaration } from './interpolate.js';
import type { SourcePlace } from './compose.js';
import { locate, type ModelPath } from './locate.js';
import type { PlannedItem, ProbePlan } from './model.js';
import { checklistSchema, itemSchema, sectionSchema, type ChecklistDefinition, type ItemDefinition } from './schema.js';

const DEFAULT_TIMEOUT_MS = 10_000;

/** Records one problem at a model path (and key). */
export type At = (path: ModelPath, message: string, key?: string) => void;

export interface PlanItemsOptions {
  doc: Document;
  lines: LineCounter;
  file: string;
  definition: ChecklistDefinition;
  env: Env;
  /** Variables an unresolved `${OTHER}` left unset, with the references: a `when:` on one says so. */
  references?: Readonly<Record<string, string>> | undefined;
  at: At;
  /** Where a model path was written, when the checklist is composed from several files (default: this file). */
  where?: ((path: ModelPath, key?: string) => SourcePlace) | undefined;
  /** The `extends:`/`include:` entries that brought `sections[s].items[i]` in, innermost first. */
  trail?: ((section: number, item: number) => string[]) | undefined;
  /** `rawSections` as the checklist schema parsed them, when the whole checklist parsed: its items are not parsed again. */
  parsedSections?: ChecklistDefinition['sections'] | undefined;
}

/**
 * Plans every item that parses, even when other parts of the file are invalid, so every problem is reported at once.
 * Returns the items in checklist order and where each id was first defined.
 */
export function planItems(rawSections: unknown[], o: PlanItemsOptions): { items: PlannedItem[]; seen: Map<string, ModelPath> } {
  const { doc, lines, file, definition, env, at } = o;
  const where = o.where ?? ((path: ModelPath, key?: string): SourcePlace => ({ file, ...locate(doc, lines, path, key) }));
  const vars = definition.vars;
  const items: PlannedItem[] = [];
  const seen = new Map<string, ModelPath>();
  const defaults = new Map<z.ZodType, Record<string, unknown>>();
  rawSections.forEach((rawSection, s) => {
    const parsedSection = o.parsedSections?.[s];
    const sec = parsedSection ? { success: true as const, data: parsedSection } : sectionHeaderSchema.safeParse(rawSection);
    const rawItems = (rawSection as { items?: unknown })?.items;
    if (!Array.isArray(rawItems)) return;
    rawItems.forEach((rawItem, i) => {
      const parsedItem = parsedSection ? { success: true as const, data: parsedSection.items[i]! } : itemSchema.safeParse(rawItem);
      if (!parsedItem.success) return;
      const item = parsedItem.data;
      const path: ModelPath = ['sections', s, 'items', i];
      const prior = seen.get(item.id);
      if (prior) {
        const pos = where([...prior, 'id']);
        const first = pos.file === where([...path, 'id']).file ? `line ${pos.line}` : `${pos.file}:${pos.line}`;
        at([...path, 'id'], `duplicate item id "${item.id}" (first defined at ${first})`);
      } else seen.set(item.id, path);
      checkRoles(item, path, definition, at);
      const pos = where(path);
      const trail = o.trail?.(s, i) ?? [];
      const section = sec.success ? sec.data : { id: `section-${s + 1}`, title: `Section ${s + 1}`, distinct_signers: false };
      items.push(
        planItem(item, rawItem as Record<string, unknown>, {
          definition,
          section: { id: section.id, title: section.title, index: s, distinctSigners: section.distinct_signers !== false },
          index: items.length,
          path,
          env,
          references: o.references ?? {},
          vars,
          at,
          location: `${pos.file}:${pos.line}:${pos.col}`,
          trail,
          defaults,
        }),
      );
    });
  });

  return { items, seen };
}

interface PlanContext {
  definition: ChecklistDefinition;
  section: PlannedItem['section'];
  index: number;
  path: ModelPath;
  env: Env;
  references: Readonly<Record<string, string>>;
  vars: Record<string, VarDeclaration>;
  at: At;
  location: string;
  trail: string[];
  /** Each probe's declared parameter defaults, read once per schema. */
  defaults: Map<z.ZodType, Record<string, unknown>>;
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
          ? (unsetBecause(names[0]!, c.references, c.env, c.vars) ?? `${names[0]} not set`)
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
          instructions: item.manual.instructions ?? '',
          commands: item.manual.commands ?? [],
          links: item.manual.links ?? [],
          roles: item.manual.roles ?? [],
          evidence: item.manual.evidence,
        }
      : undefined,
    definitionHash: hashDefinition(rawItem),
    location: c.location,
    ...(c.trail.length ? { trail: c.trail } : {}),
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
  let defaults = c.defaults.get(probe.params);
  if (!defaults) c.defaults.set(probe.params, (defaults = declaredDefaults(probe.params)));
  const withDefaults = injectEnvDefaults(defaults, rawParams);
  const verbatim = new Set(probe.verbatim ?? []);
  const expanded: Record<string, unknown> = {};
  const unresolved: ModelPath[] = [];
  for (const [key, value] of Object.entries(withDefaults)) {
    if (verbatim.has(key) && typeof value === 'string') {
      expanded[key] = value;
      for (const name of referencedVars(value)) {
        if (!value.includes(`\${${name}:-`) && lookupMissing(name, c)) missing.add(name);
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
function injectEnvDefaults(defaults: Record<string, unknown>, params: Record<string, unknown>): Record<string, unknown> {
  const out = { ...params };
  for (const [key, value] of Object.entries(defaults)) {
    if (out[key] === undefined && typeof value === 'string' && value.includes('${')) out[key] = value;
  }
  return out;
}

function startsWith(path: readonly PropertyKey[], prefix: ModelPath): boolean {
  return prefix.every((seg, i) => path[i] === seg);
}

/** Reports zod issues, each at its place; unknown keys with a suggestion. */
export function reportIssues(issues: readonly z.core.$ZodIssue[], input: unknown, schema: z.ZodType, prefix: ModelPath, at: At): void {
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

/** Every role an item names must be declared under the checklist's `roles`. */
function checkRoles(item: ItemDefinition, path: ModelPath, definition: ChecklistDefinition, at: At): void {
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

const sectionHeaderSchema = z.object({
  id: sectionSchema.shape.id,
  title: sectionSchema.shape.title,
  distinct_signers: sectionSchema.shape.distinct_signers,
});

/** The checklist-level settings of an invalid file, as far as they are valid, so its items can still be checked. */
export function partialDefinition(data: unknown): ChecklistDefinition {
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
  };
}
