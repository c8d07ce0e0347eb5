import type { Probe, ProbeContext, ProbeOutcome } from '../../src/probes/types.js';

export interface ProbeRunOptions {
  /** Aborts the probe after this long, as the runner does (default 5 s). */
  timeoutMs?: number;
  env?: Record<string, string | undefined>;
  cwd?: string;
}

/** A probe context like the runner's: its signal aborts with "timed out after Nms" when timeoutMs passes. */
export function probeContext(o: ProbeRunOptions = {}): ProbeContext & { dispose(): void } {
  const timeoutMs = o.timeoutMs ?? 5000;
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(new Error(`timed out after ${timeoutMs}ms`)), timeoutMs);
  const env = o.env ?? { ...process.env };
  return {
    signal: controller.signal,
    timeoutMs,
    env,
    lookup: (name) => env[name],
    cwd: o.cwd ?? process.cwd(),
    dispose: () => {
      clearTimeout(timer);
      controller.abort();
    },
  };
}

/** Validates raw `probe:` parameters with the probe's schema (defaults applied) and runs it. */
export async function runProbe(probe: Probe, raw: Record<string, unknown>, o: ProbeRunOptions = {}): Promise<ProbeOutcome> {
  const params = probe.params.parse(raw);
  const ctx = probeContext(o);
  try {
    return await probe.run(params, ctx);
  } finally {
    ctx.dispose();
  }
}

/** Runs a probe expecting it to throw; returns the error and how long it took. */
export async function runProbeError(
  probe: Probe,
  raw: Record<string, unknown>,
  o: ProbeRunOptions = {},
): Promise<{ error: Error; ms: number }> {
  const started = performance.now();
  try {
    await runProbe(probe, raw, o);
  } catch (e) {
    return { error: e as Error, ms: performance.now() - started };
  }
  throw new Error('expected the probe to throw, but it returned');
}
