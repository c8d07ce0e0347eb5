import { createHash } from 'node:crypto';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { displayPath } from '../util/display-path.js';
import { PACKAGE_ROOT } from '../util/package-root.js';
import { dirname, join, resolve } from 'node:path';
import type { Document, LineCounter } from 'yaml';
import type { z } from 'zod';
import { ChecklistError, type Problem } from '../errors.js';
import { issueMessage, suggest } from './describe.js';
import { formatPath, locate, type ModelPath } from './locate.js';
import { checklistSchema, COMPOSITION_KEYS, compositionSchema } from './schema.js';
import { fileProblem, MAX_CHECKLIST_BYTES, parseChecklistSource, type ChecklistSource } from './source.js';

type YamlSource = ChecklistSource & { file: string };

/** The folder of the bundled checklists (`checklists/` at the package root); `sfdeploy:pre` names a file in it. */
export const BUNDLED_CHECKLISTS_DIR = join(PACKAGE_ROOT, 'checklists');
const BUNDLED_PREFIX = 'sfdeploy:';
const MAX_DEPTH = 16;
/** Files read for one checklist in all: includes may share files (a diamond), which must not multiply without bound. */
const MAX_FILES = 64;

/** A position in a checklist file. */
export interface SourcePlace {
  file: string;
  line: number;
  col: number;
}

/** An inherited item a checklist removed with `drop:`, and why. */
export interface DroppedItem {
  id: string;
  reason: string;
  /** `file:line:col` of the `drop:` entry. */
  location: string;
}

/** A checklist assembled from `extends:` / `include:` files, overrides, drops and an environment overlay. */
export interface Composition {
  /** Plain checklist data without composition keys, to be validated like a single file. */
  data: Record<string, unknown>;
  /** Where the node at a model path of `data` was written (the file and line through includes). */
  locate(path: ModelPath, key?: string): SourcePlace;
  /** For `sections[s].items[i]`: the `extends:`/`include:` entries that brought it in, innermost first. */
  trail: (section: number, item: number) => string[];
  /** `environments.<name>.skip` of the chosen environment. */
  environmentSkip: string[];
  dropped: DroppedItem[];
  problems: Problem[];
  /** SHA-256 of every file read, the root first. */
  hashes: string[];
}

export interface ComposeOptions {
  environment?: string | null | undefined;
  /** Files inside it are named relative to it in messages, trails and drop locations. */
  cwd?: string | undefined;
}

interface Src {
  file: string;
  doc: Document;
  lines: LineCounter;
}
interface Place {
  src: Src;
  path: ModelPath;
}
interface Keyed {
  value: unknown;
  place: Place;
}
interface ItemNode {
  raw: Record<string, unknown>;
  place: Place;
  override?: { place: Place; raw: Record<string, unknown> };
  trail: string[];
}
interface SectionNode {
  raw: Record<string, unknown>;
  place: Place;
  /** undefined when `items` is not a list: the raw value is validated as written. */
  items: ItemNode[] | undefined;
}
interface Tree {
  top: Map<string, Keyed>;
  maps: Record<MapKey, Map<string, Keyed>>;
  sections: SectionNode[];
  envs: Map<string, { vars: Map<string, Keyed>; skip: string[] }>;
  dropped: DroppedItem[];
}

const MAP_KEYS = ['vars', 'roles', 'defaults'] as const;
type MapKey = (typeof MAP_KEYS)[number];
const CHECKLIST_KEYS = Object.keys(checklistSchema.shape);
const KNOWN_KEYS = [...CHECKLIST_KEYS, ...COMPOSITION_KEYS];

/** True when a checklist uses `extends`, `include`, `override`, `drop` or `environments`. */
export function isComposed(data: Record<string, unknown>): boolean {
  return COMPOSITION_KEYS.some((k) => data[k] !== undefined);
}

/** `sfdeploy:pre` → the bundled pre.yaml; anything else is relative to the including file. */
export function resolveChecklistRef(ref: string, fromFile: string): string {
  if (ref.startsWith(BUNDLED_PREFIX)) {
    const name = ref.slice(BUNDLED_PREFIX.length);
    const file = join(BUNDLED_CHECKLISTS_DIR, `${name}.yaml`);
    if (!/^[a-z0-9-]+$/.test(name) || !existsSync(file)) {
      throw new RefError(`no bundled checklist "${name}": bundled ones are pre, deploy, rollback, post`);
    }
    return file;
  }
  return resolve(dirname(fromFile), ref);
}

class RefError extends Error {}

/** Composes the root file with everything it extends and includes. Problems are collected, never thrown. */
export function composeChecklist(root: YamlSource, options: ComposeOptions): Composition {
  const problems: Problem[] = [];
  const hashes = [createHash('sha256').update(root.bytes).digest('hex')];
  const rootSrc: Src = { file: root.file, doc: root.doc, lines: root.lines };
  const cwd = options.cwd;
  const shown = (file: string): string => (cwd ? displayPath(file, cwd) : file);
  const tree = build(root, [resolve(root.file)], { problems, hashes, files: 1, shown });

  const environmentSkip: string[] = [];
  const overlay = options.environment ? tree.envs.get(options.environment) : undefined;
  if (overlay) {
    for (const [name, decl] of overlay.vars) {
      const base = tree.maps.vars.get(name)?.value;
      tree.maps.vars.set(name, {
        value: isRecord(base) && isRecord(decl.value) ? { ...base, ...decl.value } : decl.value,
        place: decl.place,
      });
    }
    environmentSkip.push(...overlay.skip);
  }

  const data: Record<string, unknown> = {};
  for (const [k, { value }] of tree.top) data[k] = value;
  for (const k of MAP_KEYS) {
    if (tree.top.has(k) || !tree.maps[k].size) continue;
    data[k] = Object.fromEntries([...tree.maps[k]].map(([name, v]) => [name, v.value]));
  }
  data.sections = tree.sections.map((s) => (s.items ? { ...s.raw, items: s.items.map((i) => i.raw) } : s.raw));

  const at = (place: Place, rest: ModelPath, key?: string): SourcePlace => ({
    file: place.src.file,
    ...locate(place.src.doc, place.src.lines, [...place.path, ...rest], key),
  });
  const rootPlace: Place = { src: rootSrc, path: [] };
  return {
    data,
    locate(path, key) {
      const [first, second] = path;
      if (first === 'sections' && typeof second === 'number') {
        const section = tree.sections[second];
        if (section) {
          const item = path[2] === 'items' && typeof path[3] === 'number' ? section.items?.[path[3]] : undefined;
          if (item) return locateInItem(item, path.slice(4), key, at);
          return at(section.place, path.slice(2), key);
        }
      }
      if ((MAP_KEYS as readonly PropertyKey[]).includes(first!) && typeof second === 'string') {
        const entry = tree.maps[first as MapKey].get(second);
        if (entry) return at(entry.place, path.slice(2), key);
      }
      const top = typeof first === 'string' ? tree.top.get(first) : undefined;
      if (top) return at(top.place, path.slice(1), key);
      return at(rootPlace, path, key);
    },
    trail: (s, i) => tree.sections[s]?.items?.[i]?.trail ?? [],
    environmentSkip,
    dropped: tree.dropped,
    problems,
    hashes,
  };
}

function locateInItem(
  item: ItemNode,
  rest: ModelPath,
  key: string | undefined,
  at: (place: Place, rest: ModelPath, key?: string) => SourcePlace,
): SourcePlace {
  const ov = item.override;
  const head = rest[0];
  if (ov && typeof head === 'string' && head in ov.raw) {
    const inner = ov.raw[head];
    const merged = (head === 'probe' || head === 'manual') && isRecord(inner);
    const sub = rest.length > 1 ? rest[1] : key;
    if (!merged || sub === undefined || (typeof sub === 'string' && sub in inner)) return at(ov.place, rest, key);
  }
  if (ov && rest.length === 0 && key !== undefined && key in ov.raw) return at(ov.place, [], key);
  return at(item.place, rest, key);
}

interface BuildContext {
  problems: Problem[];
  /** A file as messages name it. */
  shown: (file: string) => string;
  hashes: string[];
  /** Files read so far, the root included. */
  files: number;
}

function build(source: YamlSource, stack: string[], ctx: BuildContext): Tree {
  const src: Src = { file: source.file, doc: source.doc, lines: source.lines };
  const tree: Tree = {
    top: new Map(),
    maps: { vars: new Map(), roles: new Map(), defaults: new Map() },
    sections: [],
    envs: new Map(),
    dropped: [],
  };
  const place = (path: ModelPath): Place => ({ src, path });
  const where = (path: ModelPath, key?: string): string => {
    const pos = locate(src.doc, src.lines, path, key);
    return `${ctx.shown(src.file)}:${pos.line}:${pos.col}`;
  };
  const problem = (path: ModelPath, message: string, key?: string): void => {
    const pos = locate(src.doc, src.lines, path, key);
    ctx.problems.push({ file: src.file, line: pos.line, col: pos.col, path: formatPath(key ? [...path, key] : path), message });
  };
  const data = source.data;
  if (!isRecord(data)) {
    ctx.problems.push(fileProblem(src.file, 'expected a mapping with id, title and sections'));
    return tree;
  }
  for (const key of Object.keys(data)) {
    if (KNOWN_KEYS.includes(key)) continue;
    const hint = suggest(key, KNOWN_KEYS);
    problem([], `unknown key "${key}"${hint ? ` (did you mean "${hint}"?)` : `; expected one of ${KNOWN_KEYS.join(', ')}`}`, key);
  }
  const comp: z.output<typeof compositionSchema> = {};
  for (const key of COMPOSITION_KEYS) {
    if (data[key] === undefined) continue;
    const parsed = compositionSchema.shape[key].safeParse(data[key]);
    if (parsed.success) Object.assign(comp, { [key]: parsed.data });
    else for (const issue of parsed.error.issues) problem([key, ...(issue.path as ModelPath)], issueMessage(issue, data[key]));
  }

  const bring = (ref: string, refPath: ModelPath): void => {
    let target: string;
    try {
      target = resolveChecklistRef(ref, src.file);
    } catch (e) {
      if (!(e instanceof RefError)) throw e;
      problem(refPath, e.message);
      return;
    }
    if (stack.includes(target)) {
      problem(refPath, `include cycle: ${[...stack, target].map(ctx.shown).join(' → ')}`);
      return;
    }
    if (stack.length >= MAX_DEPTH) {
      problem(refPath, `includes are nested more than ${MAX_DEPTH} deep`);
      return;
    }
    if (ctx.files >= MAX_FILES) {
      if (ctx.files === MAX_FILES) problem(refPath, `more than ${MAX_FILES} checklist files are included in all; the rest are not read`);
      ctx.files = MAX_FILES + 1;
      return;
    }
    ctx.files++;
    let child: YamlSource;
    try {
      const size = statSync(target).size;
      if (size > MAX_CHECKLIST_BYTES) throw new RefError(`${ref} is ${size} bytes; checklists are limited to ${MAX_CHECKLIST_BYTES} bytes`);
      child = { ...parseChecklistSource(readFileSync(target), target), file: target };
    } catch (e) {
      if (e instanceof ChecklistError) ctx.problems.push(...e.problems);
      else if (e instanceof RefError) problem(refPath, e.message);
      else
        problem(refPath, `cannot read ${ref}: ${(e as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (e as Error).message}`);
      return;
    }
    ctx.hashes.push(createHash('sha256').update(child.bytes).digest('hex'));
    const sub = build(child, [...stack, target], ctx);
    const via = where(refPath);
    for (const s of sub.sections) for (const it of s.items ?? []) it.trail.push(via);
    const ids = new Set(tree.sections.map((s) => s.raw.id));
    for (const s of sub.sections) {
      if (ids.has(s.raw.id)) problem(refPath, `section "${String(s.raw.id)}" of ${ref} is already defined by an earlier checklist`);
      tree.sections.push(s);
    }
    for (const [k, v] of sub.top) tree.top.set(k, v);
    for (const k of MAP_KEYS) for (const [name, v] of sub.maps[k]) tree.maps[k].set(name, v);
    for (const [name, env] of sub.envs) mergeEnv(tree, name, env.vars, env.skip);
    tree.dropped.push(...sub.dropped);
  };
  if (comp.extends !== undefined) bring(comp.extends, ['extends']);
  comp.include?.forEach((ref, j) => bring(ref, ['include', j]));

  for (const key of CHECKLIST_KEYS) {
    if (data[key] === undefined || key === 'sections' || (MAP_KEYS as readonly string[]).includes(key)) continue;
    tree.top.set(key, { value: data[key], place: place([key]) });
  }
  for (const k of MAP_KEYS) {
    const value = data[k];
    if (value === undefined) continue;
    if (!isRecord(value)) {
      tree.top.set(k, { value, place: place([k]) });
      continue;
    }
    for (const [name, v] of Object.entries(value)) tree.maps[k].set(name, { value: v, place: place([k, name]) });
  }
  if (data.sections !== undefined) {
    if (!Array.isArray(data.sections)) tree.top.set('sections-invalid', { value: data.sections, place: place(['sections']) });
    else {
      data.sections.forEach((raw: unknown, s) => {
        const sectionPlace = place(['sections', s]);
        if (!isRecord(raw)) {
          tree.sections.push({ raw: raw as Record<string, unknown>, place: sectionPlace, items: undefined });
          return;
        }
        const prior = tree.sections.find((x) => x.raw.id !== undefined && x.raw.id === raw.id);
        if (prior) {
          const p = locate(prior.place.src.doc, prior.place.src.lines, [...prior.place.path, 'id']);
          problem(
            ['sections', s, 'id'],
            `section "${String(raw.id)}" is already defined at ${ctx.shown(prior.place.src.file)}:${p.line} (add items to it with another section id, or change its items with override:)`,
          );
        }
        const items = Array.isArray(raw.items)
          ? raw.items.map((item: unknown, i) => ({
              raw: item as Record<string, unknown>,
              place: place(['sections', s, 'items', i]),
              trail: [],
            }))
          : undefined;
        tree.sections.push({ raw, place: sectionPlace, items });
      });
    }
  }
  const invalidSections = tree.top.get('sections-invalid');
  if (invalidSections) {
    tree.top.delete('sections-invalid');
    tree.top.set('sections', invalidSections);
  }

  const allIds = (): string[] => tree.sections.flatMap((s) => (s.items ?? []).map((i) => String(i.raw?.id)));
  const findItem = (id: string): { section: SectionNode; index: number } | undefined => {
    for (const section of tree.sections) {
      const index = section.items?.findIndex((i) => isRecord(i.raw) && i.raw.id === id) ?? -1;
      if (index >= 0) return { section, index };
    }
    return undefined;
  };
  const unknownItem = (what: string, id: string): string => {
    const hint = suggest(id, allIds());
    return `${what} unknown item "${id}"${hint ? ` (did you mean "${hint}"?)` : ''}`;
  };
  for (const [id, changes] of Object.entries(comp.override ?? {})) {
    const found = findItem(id);
    if (!found) {
      problem(['override'], unknownItem('override of', id), id);
      continue;
    }
    if ('id' in changes) problem(['override', id], 'an override cannot change the id: drop the item and add a new one', 'id');
    const node = found.section.items![found.index]!;
    node.raw = mergeItem(node.raw, changes);
    node.override = { place: place(['override', id]), raw: changes };
  }
  for (const [id, reason] of Object.entries(comp.drop ?? {})) {
    const found = findItem(id);
    if (!found) {
      problem(['drop'], unknownItem('drop of', id), id);
      continue;
    }
    found.section.items!.splice(found.index, 1);
    if (!found.section.items!.length) tree.sections.splice(tree.sections.indexOf(found.section), 1);
    tree.dropped.push({ id, reason, location: where(['drop'], id) });
  }
  for (const [name, env] of Object.entries(comp.environments ?? {})) {
    const vars = new Map<string, Keyed>(
      Object.entries(env.vars ?? {}).map(([v, decl]) => [v, { value: decl, place: place(['environments', name, 'vars', v]) }]),
    );
    mergeEnv(tree, name, vars, env.skip ?? []);
  }
  return tree;
}

function mergeEnv(tree: Tree, name: string, vars: Map<string, Keyed>, skip: string[]): void {
  const env = tree.envs.get(name) ?? { vars: new Map<string, Keyed>(), skip: [] };
  for (const [k, v] of vars) env.vars.set(k, v);
  env.skip.push(...skip);
  tree.envs.set(name, env);
}

/** The keys given replace the inherited ones; `probe:` and `manual:` merge one level deep (same probe kind). */
function mergeItem(base: Record<string, unknown>, changes: Record<string, unknown>): Record<string, unknown> {
  const out = { ...base };
  for (const [k, v] of Object.entries(changes)) {
    const prior = base[k];
    const deep =
      (k === 'probe' || k === 'manual') &&
      isRecord(v) &&
      isRecord(prior) &&
      (k !== 'probe' || v.kind === undefined || v.kind === prior.kind);
    out[k] = deep ? { ...prior, ...v } : v;
  }
  return out;
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}
