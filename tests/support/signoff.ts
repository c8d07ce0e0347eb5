import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { tempDir } from './tmp.js';

const FIXTURES = fileURLToPath(new URL('../fixtures/signoff/', import.meta.url));

/** A temporary working directory holding `tests/fixtures/signoff/<scenario>/checklist.yaml`. */
export function signoffScenario(scenario: string): ReturnType<typeof tempDir> & { checklist: string } {
  const dir = tempDir({ 'checklist.yaml': readFileSync(`${FIXTURES}${scenario}/checklist.yaml`, 'utf8') });
  return { ...dir, checklist: dir.path('checklist.yaml') };
}

/** The records of a JSON Lines ledger. */
export function readLedger(file: string): Record<string, unknown>[] {
  return readFileSync(file, 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((line) => JSON.parse(line) as Record<string, unknown>);
}
