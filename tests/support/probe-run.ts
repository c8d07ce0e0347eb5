import { declaredDefaults } from '../../src/util/zod-defaults.js';
import { expandDeep } from '../../src/checklist/interpolate.js';
import type { Env } from '../../src/util/env.js';
import { getProbe } from '../../src/probes/index.js';
import type { Probe, ProbeContext, ProbeOutcome } from '../../src/probes/types.js';

export interface ProbeCall {
  /** The probe's environment, and what `${VAR}` in the parameters reads; default none. */
  env?: Env;
  /** The item's timeout (`ctx.timeoutMs`); default 5 s. */
  timeoutMs?: number;
  /**
   * Aborts the probe's signal when timeoutMs passes, with "timed out after Nms", as the runner does (default). false
   * leaves the probe to its own timers: the tests of a probe's own timeout message.
   */
  abortAtTimeout?: boolean;
  /** Aborts it earlier (an interrupt). */
  signal?: AbortSignal;
  cwd?: string;
  /** The run's masker of secrets (`ctx.redact`). */
  redact?: (text: string) => string;
}

/**
 * Runs one probe directly, as the runner calls it: `${VAR}` in the parameters and in string defaults
 * (`${REDIS_URL}`) expanded from `env` (never in its `verbatim` parameters), validated by the probe's schema, with a
 * signal that aborts when the timeout passes. `probe` is the probe module or its kind.
 */
export async function runProbe(probe: Probe | string, params: Record<string, unknown>, o: ProbeCall = {}): Promise<ProbeOutcome> {
  const p = typeof probe === 'string' ? getProbe(probe) : probe;
  if (!p) throw new Error(`no probe ${probe as string}`);
  const env = o.env ?? {};
  const withDefaults: Record<string, unknown> = { ...params };
  for (const [key, fallback] of Object.entries(declaredDefaults(p.params))) {
    if (withDefaults[key] === undefined && typeof fallback === 'string' && fallback.includes('${')) withDefaults[key] = fallback;
  }
  const verbatim = (key: string): boolean => p.verbatim?.includes(key) ?? false;
  const expanded = expandDeep(Object.fromEntries(Object.entries(withDefaults).filter(([key]) => !verbatim(key))), env);
  if (expanded.missing.length) throw new Error(`test setup: ${expanded.missing.join(', ')} not set`);
  const timeoutMs = o.timeoutMs ?? 5000;
  const timeout = new AbortController();
  const timer =
    o.abortAtTimeout === false ? undefined : setTimeout(() => timeout.abort(new Error(`timed out after ${timeoutMs}ms`)), timeoutMs);
  const ctx: ProbeContext = {
    signal: o.signal ? AbortSignal.any([timeout.signal, o.signal]) : timeout.signal,
    timeoutMs,
    env,
    lookup: (name) => env[name],
    cwd: o.cwd ?? process.cwd(),
    redact: o.redact,
  };
  try {
    const kept = Object.fromEntries(Object.entries(withDefaults).filter(([key]) => verbatim(key)));
    return await p.run(p.params.parse({ ...(expanded.value as Record<string, unknown>), ...kept }), ctx);
  } finally {
    clearTimeout(timer);
    timeout.abort();
  }
}

/** Runs a probe (see runProbe) expecting it to throw; returns the error and how long it took. */
export async function probeError(
  probe: Probe | string,
  params: Record<string, unknown>,
  o: ProbeCall = {},
): Promise<{ error: Error; ms: number }> {
  const started = performance.now();
  try {
    await runProbe(probe, params, o);
  } catch (e) {
    return { error: e as Error, ms: performance.now() - started };
  }
  throw new Error('expected the probe to throw, but it returned');
}
