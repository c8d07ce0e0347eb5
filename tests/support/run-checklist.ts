import type { Env } from '../../src/util/env.js';
import { parseChecklist } from '../../src/checklist/load.js';
import { runChecklist } from '../../src/runner/run.js';
import type { ItemResult, RunLog } from '../../src/runner/types.js';
import { createRedactor } from '../../src/util/redact.js';
import { createPendingProvider } from './pending-signoff.js';

export interface InProcessRunOptions {
  cwd?: string;
  /** Overrides every item's timeout, like --timeout. */
  timeoutMs?: number;
  /** Items at once; default 4. */
  concurrency?: number;
}

/**
 * Loads checklist YAML and runs it in-process through the real loader and runner, with the runner's redaction of
 * secrets from `env`; manual items stay pending.
 */
export async function runChecklistText(yaml: string, env: Env, o: InProcessRunOptions = {}): Promise<RunLog> {
  const checklist = parseChecklist(yaml, 'test-checklist.yaml', { env });
  return runChecklist({
    runId: 'test-run',
    checklist,
    context: { release: null, environment: null, gitSha: null, gitDirty: null, host: 'test', user: 'test', sfdeployVersion: '0.0.0' },
    concurrency: o.concurrency ?? 4,
    timeoutMs: o.timeoutMs,
    signoff: createPendingProvider(),
    signal: new AbortController().signal,
    env,
    cwd: o.cwd ?? process.cwd(),
    redact: createRedactor(env, checklist.secretNames),
    listeners: [],
  });
}

/** Runs checklist items (YAML of the `items:` list, indented by 6 spaces) in one section; see runChecklistText. */
export async function runItems(
  itemsYaml: string,
  o: { env?: Record<string, string | undefined>; cwd?: string; concurrency?: number } = {},
): Promise<{ log: RunLog; item(id: string): ItemResult }> {
  const log = await runChecklistText(`id: t\ntitle: T\nsections:\n  - id: s\n    title: S\n    items:\n${itemsYaml}`, o.env ?? {}, o);
  return {
    log,
    item: (id) => {
      const found = log.items.find((i) => i.id === id);
      if (!found) throw new Error(`no result for item ${id}`);
      return found;
    },
  };
}
