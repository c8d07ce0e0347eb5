import { createHash } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
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

/** The documented record format, and nothing else: SHA-256 of the JSON of every other field, keys sorted. */
export function rehash(record: Record<string, unknown>): Record<string, unknown> {
  const { hash: _hash, ...rest } = record;
  const sorted = Object.fromEntries(Object.entries(rest).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
  return { ...record, hash: createHash('sha256').update(JSON.stringify(sorted)).digest('hex') };
}

/**
 * Rewrites a file ledger as an attacker who knows its documented format would: every decline turned into a
 * confirmation (its reason dropped), every `prev` and hash recomputed. Returns the records before the rewrite.
 */
export function forgeDeclines(file: string): Record<string, unknown>[] {
  const original = readLedger(file);
  const forged: Record<string, unknown>[] = [];
  for (const record of original) {
    const edited: Record<string, unknown> =
      record.decision === 'declined' ? { ...record, decision: 'confirmed', reason: null } : { ...record };
    if (forged.length) edited.prev = forged.at(-1)!.hash;
    forged.push(rehash(edited));
  }
  writeFileSync(file, forged.map((r) => `${JSON.stringify(r)}\n`).join(''));
  return original;
}
