import { declaredDefaults } from '../../src/util/zod-defaults.js';
import { expandDeep } from '../../src/checklist/interpolate.js';
import type { Env } from '../../src/util/env.js';
import { getProbe } from '../../src/probes/index.js';
import type { ProbeContext, ProbeOutcome } from '../../src/probes/types.js';

export interface ProbeCall {
  env?: Env;
  timeoutMs?: number;
  signal?: AbortSignal;
  cwd?: string;
}

/**
 * Runs one probe directly, as the runner would call it: `${VAR}` in the parameters and in string
 * defaults (`${REDIS_URL}`) expanded from `env`, then validated by the probe's schema.
 */
export async function runProbe(kind: string, params: Record<string, unknown>, o: ProbeCall = {}): Promise<ProbeOutcome> {
  const probe = getProbe(kind);
  if (!probe) throw new Error(`no probe ${kind}`);
  const env = o.env ?? {};
  const ctx: ProbeContext = {
    signal: o.signal ?? new AbortController().signal,
    timeoutMs: o.timeoutMs ?? 5000,
    env,
    lookup: (name) => env[name],
    cwd: o.cwd ?? process.cwd(),
  };
  const withDefaults: Record<string, unknown> = { ...params };
  for (const [key, fallback] of Object.entries(declaredDefaults(probe.params))) {
    if (withDefaults[key] === undefined && typeof fallback === 'string' && fallback.includes('${')) withDefaults[key] = fallback;
  }
  const expanded = expandDeep(withDefaults, env);
  if (expanded.missing.length) throw new Error(`test setup: ${expanded.missing.join(', ')} not set`);
  return probe.run(probe.params.parse(expanded.value), ctx);
}

/** The message a probe run fails with, or a marker when it did not throw. */
export async function failureOf(run: Promise<unknown>): Promise<string> {
  try {
    await run;
    return '(did not throw)';
  } catch (e) {
    return e instanceof Error ? e.message : String(e);
  }
}
