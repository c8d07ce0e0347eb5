import type { Env, VarReading } from '../util/env.js';

export type { VarReading } from '../util/env.js';

/** How `${NAME}` resolves: environment, then the checklist's `vars` aliases and defaults, then `${NAME:-default}`. */
export interface VarDeclaration {
  default?: string | undefined;
  from?: string[] | undefined;
  secret?: boolean | undefined;
  description?: string | undefined;
}

export interface Expansion {
  value: string;
  /** Variables referenced without a value or default. */
  missing: string[];
  /** True when the text contained at least one `${...}` reference. */
  interpolated: boolean;
}

const REFERENCE = /\$\$\{|\$\{([A-Za-z_][A-Za-z0-9_]*)(?::-([^}]*))?\}/g;

/**
 * Resolves one variable by name, following the checklist's declarations: the variable, then its `from:` aliases,
 * then its `default`, whose own `${...}` references are expanded (a URL built from its parts:
 * `postgresql://${POSTGRES_USER}:${POSTGRES_PASSWORD}@${POSTGRES_SERVER}/${POSTGRES_DB}`). A default that refers to
 * an unset variable leaves the variable unset.
 */
export function lookupVar(
  name: string,
  env: Env,
  vars: Record<string, VarDeclaration> = {},
  seen: ReadonlySet<string> = new Set(),
): string | undefined {
  const direct = env[name];
  if (direct !== undefined && direct !== '') return direct;
  const decl = vars[name];
  for (const alias of decl?.from ?? []) {
    const v = env[alias];
    if (v !== undefined && v !== '') return v;
  }
  return decl?.default === undefined ? undefined : expandDefault(name, decl.default, env, vars, seen).value;
}

/** A declaration's default with its references expanded (a reference back to a variable being resolved is unset). */
function expandDefault(
  name: string,
  text: string,
  env: Env,
  vars: Record<string, VarDeclaration>,
  seen: ReadonlySet<string>,
): { value: string | undefined; missing: string[] } {
  if (!text.includes('${')) return { value: text, missing: [] };
  const inner = new Set([...seen, name]);
  const missing: string[] = [];
  const value = text.replace(REFERENCE, (whole, ref: string | undefined, fallback: string | undefined) => {
    if (whole === '$${') return '${';
    const found = inner.has(ref!) ? undefined : lookupVar(ref!, env, vars, inner);
    if (found !== undefined) return found;
    if (fallback !== undefined) return fallback;
    missing.push(ref!);
    return '';
  });
  return { value: missing.length ? undefined : value, missing };
}

/** The variables a default is built from that are unset, when some of its parts are set in the environment ([] otherwise). */
function missingParts(name: string, env: Env, vars: Record<string, VarDeclaration>): string[] {
  const text = vars[name]?.default;
  if (text === undefined) return [];
  const { value, missing } = expandDefault(name, text, env, vars, new Set());
  const someSet = referencedVars(text).some((part) => !!env[part]);
  return value === undefined && someSet ? missing : [];
}

/**
 * Why a variable is unset when an unresolved reference left it (or the first of its `from:` aliases) so:
 * "SECRET_KEY (read as JWT_SECRET_KEY) holds the unresolved reference ${OTHER}", or when its default is built from
 * parts of which some are unset; undefined when it is simply unset.
 */
export function unsetBecause(
  name: string,
  references: Readonly<Record<string, string>>,
  env: Env,
  vars: Record<string, VarDeclaration> = {},
): string | undefined {
  for (const source of [name, ...(vars[name]?.from ?? [])]) {
    const refs = references[source];
    if (refs !== undefined) {
      const label = source === name ? name : `${source} (read as ${name})`;
      return `${label} holds the unresolved reference${refs.includes(',') ? 's' : ''} ${refs}`;
    }
  }
  const parts = missingParts(name, env, vars);
  if (parts.length) {
    return `${name} is not set, nor every part its default is built from: ${parts.join(', ')} ${parts.length === 1 ? 'is' : 'are'} not set`;
  }
  return undefined;
}

/**
 * Every value a variable has under its names: the variable itself and each `from:` alias that is set, in that
 * order; the default only when none is. A check that reads a variable must hold for each, since the application
 * may read any of them.
 */
export function lookupVarAll(name: string, env: Env, vars: Record<string, VarDeclaration> = {}): VarReading[] {
  const decl = vars[name];
  const out: VarReading[] = [];
  for (const source of [name, ...(decl?.from ?? [])]) {
    const v = env[source];
    if (v !== undefined && v !== '' && !out.some((r) => r.source === source)) out.push({ source, value: v });
  }
  const fallback = !out.length && decl?.default !== undefined ? expandDefault(name, decl.default, env, vars, new Set()).value : undefined;
  if (fallback !== undefined) out.push({ source: name, value: fallback, isDefault: true });
  return out;
}

/** Expands `${NAME}` and `${NAME:-default}`; `$${` is a literal `${`. */
export function expand(text: string, env: Env, vars?: Record<string, VarDeclaration>): Expansion {
  const missing: string[] = [];
  let interpolated = false;
  const value = text.replace(REFERENCE, (whole, name: string | undefined, fallback: string | undefined) => {
    if (whole === '$${') return '${';
    interpolated = true;
    const found = lookupVar(name!, env, vars);
    if (found !== undefined) return found;
    if (fallback !== undefined) return fallback;
    missing.push(name!);
    return '';
  });
  return { value, missing, interpolated };
}

/** Names referenced by `${...}` in a text, in order, without duplicates. */
export function referencedVars(text: string): string[] {
  const names = new Set<string>();
  for (const m of text.matchAll(REFERENCE)) if (m[1]) names.add(m[1]);
  return [...names];
}

export interface DeepExpansion {
  value: unknown;
  missing: string[];
  /** Paths (relative to the expanded value) of strings that referenced a missing variable. */
  unresolvedPaths: (string | number)[][];
}

/** Expands every string inside a JSON-like value. */
export function expandDeep(value: unknown, env: Env, vars?: Record<string, VarDeclaration>): DeepExpansion {
  const missing = new Set<string>();
  const unresolvedPaths: (string | number)[][] = [];
  const walk = (v: unknown, path: (string | number)[]): unknown => {
    if (typeof v === 'string') {
      const e = expand(v, env, vars);
      if (e.missing.length) {
        e.missing.forEach((m) => missing.add(m));
        unresolvedPaths.push(path);
      }
      return e.value;
    }
    if (Array.isArray(v)) return v.map((x, i) => walk(x, [...path, i]));
    if (v && typeof v === 'object') {
      return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, walk(x, [...path, k])]));
    }
    return v;
  };
  return { value: walk(value, []), missing: [...missing], unresolvedPaths };
}

/** A `when:` value is true unless it expands to empty, `false`, `0`, `no` or `off`. */
export function isTruthy(text: string): boolean {
  return !/^(|false|0|no|off)$/i.test(text.trim());
}
