import { parseChecklist } from '../../src/checklist/load.js';
import { runChecklist } from '../../src/runner/run.js';
import type { ItemResult, RunLog } from '../../src/runner/types.js';
import { createPendingProvider } from './pending-signoff.js';
import { createRedactor } from '../../src/util/redact.js';

/**
 * Runs checklist items (YAML of the `items:` list, indented by 6 spaces) in-process through the real loader
 * and runner, with the runner's redaction of secrets from `env`; 4 items at once unless `concurrency` says otherwise.
 */
export async function runItems(
  itemsYaml: string,
  o: { env?: Record<string, string | undefined>; cwd?: string; concurrency?: number } = {},
): Promise<{ log: RunLog; item(id: string): ItemResult }> {
  const env = o.env ?? {};
  const checklist = parseChecklist(`id: t\ntitle: T\nsections:\n  - id: s\n    title: S\n    items:\n${itemsYaml}`, 't.yaml', { env });
  const log = await runChecklist({
    runId: 'test',
    checklist,
    context: { release: null, environment: null, gitSha: null, gitDirty: null, host: 'test', user: 'test', sfdeployVersion: '0.0.0' },
    concurrency: o.concurrency ?? 4,
    signoff: createPendingProvider(),
    signal: new AbortController().signal,
    env,
    cwd: o.cwd ?? process.cwd(),
    redact: createRedactor(env, checklist.secretNames),
    listeners: [],
  });
  return {
    log,
    item: (id) => {
      const found = log.items.find((i) => i.id === id);
      if (!found) throw new Error(`no result for item ${id}`);
      return found;
    },
  };
}
