import { parseDuration } from '../util/duration.js';
import { RegexSyntaxError, SafeRegex } from '../util/regex.js';
import { redactDeep, type Redactor } from '../util/redact.js';
import { expandWildcard, hasWildcard } from './wildcard.js';

/** Operators of the condition language. */
export const OPERATORS = ['==', '!=', '<=', '>=', '<', '>', 'contains', 'matches', 'exists'] as const;
export type Operator = (typeof OPERATORS)[number];

export type ConditionValue = number | string | boolean | null | SafeRegex | unknown[];

/** One parsed `expect:` entry: `<path> <op> <value>`, optionally `|| <path> <op> <value> ...`. */
export interface Condition {
  source: string;
  path: string;
  op: Operator;
  value?: ConditionValue;
  /** Alternatives joined with `||`: the condition holds when it or any of these holds. */
  or?: Condition[];
  /**
   * With a `*` in the path: `all` (the default) holds when the comparison holds for every value the `*` stands
   * for, and fails when there is none; `any` (written `any <path> ...`) when it holds for at least one.
   */
  quantifier?: 'all' | 'any';
}

export class ConditionSyntaxError extends Error {}

const SIZE_UNITS: Record<string, number> = { b: 1, kb: 1024, mb: 1024 ** 2, gb: 1024 ** 3 };
const NUMBER_WITH_UNIT = /^(-?\d+(?:\.\d+)?)(ms|s|m|h|d|w|b|kb|mb|gb|%)?$/i;
const BINARY = /^(\S+)\s+(==|!=|<=|>=|<|>|contains|matches)\s+(.+)$/;
const UNARY = /^(\S+)\s+exists$/;

/**
 * Parses a condition. Values: numbers with optional units (durations become milliseconds, sizes bytes,
 * `1%` becomes 0.01), quoted strings, `true`/`false`/`null`, `/regex/flags`, JSON arrays such as `[]`.
 */
export function parseCondition(source: string): Condition {
  const [first, ...rest] = splitAlternatives(source);
  const head = parseSingle(first!);
  if (!rest.length) return { ...head, source };
  return { ...head, source, or: rest.map(parseSingle) };
}

/** Splits `a || b` at top-level `||` (not inside quotes or /regex/). */
function splitAlternatives(source: string): string[] {
  const parts: string[] = [];
  let quote: string | undefined;
  let start = 0;
  for (let i = 0; i < source.length; i++) {
    const ch = source[i]!;
    if (quote) {
      if (ch === '\\') i++;
      else if (ch === quote) quote = undefined;
    } else if (ch === '"' || ch === "'" || (ch === '/' && /\s/.test(source[i - 1] ?? ''))) {
      quote = ch;
    } else if (ch === '|' && source[i + 1] === '|' && /\s/.test(source[i - 1] ?? '') && /\s/.test(source[i + 2] ?? '')) {
      parts.push(source.slice(start, i));
      start = i + 2;
      i++;
    }
  }
  parts.push(source.slice(start));
  return parts.map((p) => p.trim());
}

/** The observation paths a condition reads, alternatives included. */
export function conditionPaths(cond: Condition): string[] {
  return [cond.path, ...(cond.or ?? []).map((c) => c.path)];
}

function parseSingle(source: string): Condition {
  const quantified = /^(any|all)\s+(\S.*)$/.exec(source.trim());
  const single = parseUnquantified(source, quantified ? quantified[2]! : source);
  if (hasWildcard(single.path)) return { ...single, quantifier: (quantified?.[1] as 'all' | 'any' | undefined) ?? 'all' };
  if (quantified) {
    throw new ConditionSyntaxError(`"${quantified[1]}" needs a * in the path, such as ${quantified[1]} json.checks.*.status == "healthy"`);
  }
  return single;
}

function parseUnquantified(source: string, body: string): Condition {
  const text = body.trim();
  const unary = UNARY.exec(text);
  if (unary) return { source, path: normalisePath(unary[1]!), op: 'exists' };
  const m = BINARY.exec(text);
  if (!m) {
    throw new ConditionSyntaxError(`expected "<observation> <op> <value>" with op one of ${OPERATORS.join(' ')}, got "${source}"`);
  }
  const op = m[2] as Operator;
  if (['<', '<=', '>', '>='].includes(op) && !NUMBER_WITH_UNIT.test(m[3]!.trim())) {
    throw new ConditionSyntaxError(`"${op}" expects a number (units ms s m h d w b kb mb gb % allowed), got ${m[3]}`);
  }
  let value = parseValue(m[3]!.trim());
  if (op === 'matches') {
    if (typeof value === 'string') value = compile(value, '', m[3]!.trim());
    if (!(value instanceof SafeRegex)) throw new ConditionSyntaxError(`"matches" expects a /regex/ or a quoted string, got ${m[3]}`);
  }
  return { source, path: normalisePath(m[1]!), op, value };
}

function parseValue(text: string): ConditionValue {
  const num = NUMBER_WITH_UNIT.exec(text);
  if (num) {
    const n = Number(num[1]);
    const unit = num[2]?.toLowerCase();
    if (!unit) return n;
    if (unit === '%') return n / 100;
    if (unit in SIZE_UNITS) return n * SIZE_UNITS[unit]!;
    return parseDuration(`${num[1]}${unit}`)!;
  }
  if (text === 'true') return true;
  if (text === 'false') return false;
  if (text === 'null') return null;
  if (text.startsWith('"')) {
    try {
      const s: unknown = JSON.parse(text);
      if (typeof s === 'string') return s;
    } catch {
      // reported below
    }
    throw new ConditionSyntaxError(`unterminated or invalid string ${text}`);
  }
  if (text.startsWith("'")) {
    if (text.length >= 2 && text.endsWith("'")) return text.slice(1, -1);
    throw new ConditionSyntaxError(`unterminated string ${text}`);
  }
  const re = /^\/(.*)\/([dgimsuy]*)$/.exec(text);
  if (re) return compile(re[1]!, re[2]!.replace('g', ''), text);
  if (text.startsWith('[')) {
    try {
      const arr: unknown = JSON.parse(text);
      if (Array.isArray(arr)) return arr as unknown[];
    } catch {
      // reported below
    }
    throw new ConditionSyntaxError(`invalid list ${text}; write a JSON list such as [] or ["a", "b"]`);
  }
  throw new ConditionSyntaxError(
    `expected a number, a quoted string, true/false/null, /regex/ or [list], got ${text} (did you mean "${text}"?)`,
  );
}

function compile(source: string, flags: string, text: string): SafeRegex {
  try {
    return new SafeRegex(source, flags);
  } catch (e) {
    if (e instanceof RegexSyntaxError) throw new ConditionSyntaxError(`invalid regex ${text}: ${e.message}`);
    throw e;
  }
}

/** `rows[0].name` → `rows.0.name`. */
function normalisePath(path: string): string {
  return path.replace(/\[(\d+)\]/g, '.$1');
}

/**
 * Does `path` name an observation declared by `patterns`? A pattern segment `*` matches one segment,
 * a final `**` any rest; any path may end in `.length`.
 */
export function isKnownObservation(path: string, patterns: readonly string[]): boolean {
  const segments = path.split('.');
  const candidates = segments.at(-1) === 'length' ? [segments, segments.slice(0, -1)] : [segments];
  return candidates.some((segs) => patterns.some((p) => matchPattern(segs, p.split('.'))));
}

function matchPattern(segs: string[], pattern: string[]): boolean {
  for (let i = 0; i < pattern.length; i++) {
    const p = pattern[i]!;
    if (p === '**') return true;
    if (i >= segs.length) return false;
    if (p !== '*' && p !== segs[i]) return false;
  }
  return segs.length === pattern.length;
}

/** Reads an observation by dotted path; keys that contain dots (`tracked..env`, `headers.x.y`) are matched greedily. */
export function readObservation(observations: unknown, path: string): unknown {
  return readSegments(observations, path.split('.'));
}

function readSegments(value: unknown, segs: string[]): unknown {
  if (segs.length === 0) return value;
  if (value === null || value === undefined) return undefined;
  if (Array.isArray(value) || typeof value === 'string') {
    const [head, ...rest] = segs;
    if (head === 'length') return rest.length === 0 ? value.length : undefined;
    if (Array.isArray(value) && /^\d+$/.test(head!)) return readSegments(value[Number(head)], rest);
    return undefined;
  }
  if (typeof value !== 'object') return undefined;
  const obj = value as Record<string, unknown>;
  for (let n = segs.length; n >= 1; n--) {
    const key = segs.slice(0, n).join('.');
    const lower = key.toLowerCase();
    const found = key in obj ? key : Object.keys(obj).find((k) => k.toLowerCase() === lower);
    if (found !== undefined) {
      const next = readSegments(obj[found], segs.slice(n));
      if (next !== undefined || n === 1) return next;
    }
  }
  return undefined;
}

export interface ConditionResult {
  ok: boolean;
  actual: unknown;
  /** `status == 200 (got 503)` when the condition does not hold. */
  message: string;
}

/**
 * Evaluates a condition against a probe's observations. `redact` masks the secrets of the value a failure message
 * shows before it is shortened (a secret cut in two is no longer recognised).
 */
export function evaluateCondition(cond: Condition, observations: unknown, redact?: Redactor): ConditionResult {
  if (cond.or) {
    const results = [{ ...cond, or: undefined, source: splitAlternatives(cond.source)[0]! }, ...cond.or].map((c) =>
      evaluateCondition(c, observations, redact),
    );
    const ok = results.some((r) => r.ok);
    return { ok, actual: results[0]!.actual, message: ok ? cond.source.trim() : results.map((r) => r.message).join(' or ') };
  }
  if (cond.quantifier) return evaluateQuantified(cond, observations);
  const actual = readObservation(observations, cond.path);
  const ok = holds(cond, actual);
  const text = cond.source.trim();
  if (ok) return { ok, actual, message: text };
  if (actual === undefined) return { ok, actual, message: `${text} (${cond.path} was not observed)` };
  return { ok, actual, message: `${text} (got ${show(redact ? redactDeep(actual, redact) : actual)})` };
}

/** `json.checks.*.status == "healthy"`: every value (or, with `any`, at least one) the `*` stands for. */
function evaluateQuantified(cond: Condition, observations: unknown): ConditionResult {
  const text = cond.source.trim();
  const { matches, empty } = expandWildcard(observations, cond.path, readObservation);
  if (empty) {
    const why = empty.observed ? `${empty.path} has no entries` : `${empty.path} was not observed`;
    return { ok: false, actual: undefined, message: `${text} (${why})` };
  }
  const failing = matches.filter((m) => !holds(cond, m.value));
  const ok = cond.quantifier === 'any' ? failing.length < matches.length : failing.length === 0;
  const actual = Object.fromEntries(matches.map((m) => [m.path, m.value]));
  if (ok) return { ok, actual, message: text };
  const shown = failing.slice(0, 5).map((m) => (m.value === undefined ? `${m.path} was not observed` : `${m.path} is ${show(m.value)}`));
  if (failing.length > 5) shown.push(`${failing.length - 5} more`);
  const lead = cond.quantifier === 'any' ? `none of ${matches.length} holds: ` : '';
  return { ok, actual, message: `${text} (${lead}${shown.join(', ')})` };
}

function holds(cond: Condition, actual: unknown): boolean {
  const expected = cond.value;
  switch (cond.op) {
    case 'exists':
      return actual !== undefined && actual !== null;
    case '==':
      return equals(actual, expected);
    case '!=':
      return actual !== undefined && !equals(actual, expected);
    case '<':
    case '<=':
    case '>':
    case '>=': {
      const a = toNumber(actual);
      const b = expected as number;
      if (a === undefined) return false;
      return cond.op === '<' ? a < b : cond.op === '<=' ? a <= b : cond.op === '>' ? a > b : a >= b;
    }
    case 'contains':
      if (typeof actual === 'string') return typeof expected === 'string' && actual.includes(expected);
      if (Array.isArray(actual)) return actual.some((x) => equals(x, expected));
      if (actual && typeof actual === 'object' && typeof expected === 'string') return expected in actual;
      return false;
    case 'matches': {
      if (actual === undefined || actual === null) return false;
      if (!(expected instanceof SafeRegex)) return false;
      return expected.test(typeof actual === 'string' ? actual : JSON.stringify(actual));
    }
  }
}

function toNumber(v: unknown): number | undefined {
  if (typeof v === 'number') return Number.isFinite(v) ? v : undefined;
  if (typeof v === 'string' && v.trim() !== '' && Number.isFinite(Number(v))) return Number(v);
  if (typeof v === 'boolean') return v ? 1 : 0;
  return undefined;
}

function equals(actual: unknown, expected: unknown): boolean {
  if (expected instanceof SafeRegex) return typeof actual === 'string' && expected.test(actual);
  if (typeof expected === 'number') return toNumber(actual) === expected;
  if (typeof expected === 'boolean') {
    if (typeof actual === 'string') return actual.toLowerCase() === String(expected);
    return actual === expected;
  }
  if (typeof expected === 'string') return typeof actual === 'string' ? actual === expected : String(actual) === expected;
  if (expected === null) return actual === null;
  return JSON.stringify(actual) === JSON.stringify(expected);
}

/** Short display of an observed value. */
export function show(v: unknown): string {
  if (typeof v === 'number' && !Number.isFinite(v)) return Number.isNaN(v) ? 'NaN' : v > 0 ? '+Inf' : '-Inf';
  const text = typeof v === 'string' ? JSON.stringify(v) : (JSON.stringify(v) ?? String(v));
  return text.length > 120 ? `${text.slice(0, 117)}...` : text;
}
