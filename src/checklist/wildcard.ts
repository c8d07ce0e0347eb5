/** Reads an observation by dotted path (condition.ts readObservation). */
export type ReadObservation = (observations: unknown, path: string) => unknown;

/** One concrete observation a wildcard path stands for. */
export interface WildcardMatch {
  /** The path with each `*` replaced by the key or index it matched (`json.checks.redis.status`). */
  path: string;
  value: unknown;
}

export interface WildcardExpansion {
  matches: WildcardMatch[];
  /** When nothing matched: the part before the first `*` and whether it was observed at all. */
  empty?: { path: string; observed: boolean };
}

/** Does a condition path contain a `*` segment (every key of an object, every index of a list)? */
export function hasWildcard(path: string): boolean {
  return path.split('.').includes('*');
}

/**
 * Expands `json.checks.*.status` into one match per key of `json.checks` (each `*` in turn); a key whose rest of
 * the path is missing still matches, with an undefined value, so that "every" can never skip it.
 */
export function expandWildcard(observations: unknown, path: string, readObservation: ReadObservation): WildcardExpansion {
  const segs = path.split('.');
  const star = segs.indexOf('*');
  const head = segs.slice(0, star).join('.');
  const container = star === 0 ? observations : readObservation(observations, head);
  const children: [string, unknown][] =
    container !== null && typeof container === 'object'
      ? Array.isArray(container)
        ? container.map((v, i) => [String(i), v])
        : Object.entries(container)
      : [];
  if (!children.length) return { matches: [], empty: { path: head || '*', observed: container !== undefined } };
  const rest = segs.slice(star + 1);
  const matches: WildcardMatch[] = [];
  for (const [key, child] of children) {
    const prefix = [...segs.slice(0, star), key].join('.');
    if (rest.includes('*')) {
      for (const m of expandWildcard(child, rest.join('.'), readObservation).matches)
        matches.push({ path: `${prefix}.${m.path}`, value: m.value });
    } else {
      matches.push({
        path: rest.length ? `${prefix}.${rest.join('.')}` : prefix,
        value: rest.length ? readObservation(child, rest.join('.')) : child,
      });
    }
  }
  return { matches };
}
