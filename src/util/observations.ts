/** A scalar observation at a dotted path (`latency_ms`, `json.checks.db`). */
export type ObservedScalar = string | number | boolean;

const NOISY_KEYS = new Set(['headers', 'body', 'stdout', 'stderr']);
const MAX_DEPTH = 4;
const LATENCY = /(?:^|[._-])(?:latency|p50|p75|p90|p95|p99|ttfb|rtt)(?:$|[._-])|latency/i;

/** Every scalar leaf of an observation tree, by dotted path, in document order. Lists are left out. */
export function flattenObservations(
  obs: Record<string, unknown>,
  prefix = '',
  depth = 0,
  out: [string, ObservedScalar][] = [],
): [string, ObservedScalar][] {
  for (const [k, v] of Object.entries(obs)) {
    const path = prefix ? `${prefix}.${k}` : k;
    if (typeof v === 'number' || typeof v === 'boolean' || typeof v === 'string') out.push([path, v]);
    else if (v && typeof v === 'object' && !Array.isArray(v) && depth < MAX_DEPTH)
      flattenObservations(v as Record<string, unknown>, path, depth + 1, out);
  }
  return out;
}

/** Numeric leaves only: what `sfdeploy diff` compares between runs. */
export function numericObservations(obs: Record<string, unknown>): Map<string, number> {
  return new Map(flattenObservations(obs).filter((e): e is [string, number] => typeof e[1] === 'number' && Number.isFinite(e[1])));
}

/**
 * The few observations worth showing as evidence on a receipt: short scalars, outside headers, bodies and
 * command output (which the run log keeps in full).
 */
export function keyObservations(obs: Record<string, unknown>, limit = 6): [string, ObservedScalar][] {
  return flattenObservations(obs)
    .filter(
      ([path, v]) => !NOISY_KEYS.has(path.split('.')[0]!) && !(typeof v === 'string' && (v === '' || v.length > 120 || v.includes('\n'))),
    )
    .slice(0, limit);
}

/** Latency-like numeric observations (`latency_ms`, `latency.p95`). */
export function latencyObservations(obs: Record<string, unknown>): [string, number][] {
  return [...numericObservations(obs)].filter(([path]) => LATENCY.test(path));
}

/** `120`, `0.25`, `true`, `"ok"`: how an observed value reads in a report. */
export function formatObserved(v: ObservedScalar): string {
  if (typeof v === 'string') return JSON.stringify(v);
  if (typeof v === 'number') return Number.isInteger(v) ? String(v) : String(Math.round(v * 1000) / 1000);
  return String(v);
}
