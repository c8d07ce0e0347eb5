import { numericObservations } from '../util/observations.js';
import type { ItemStatus, RunLog } from '../runner/types.js';

export interface RunSide {
  runId: string;
  startedAt: string;
  checklist: string;
  checklistSha256: string;
  release: string | null;
  environment: string | null;
  verdict: RunLog['summary']['verdict'];
}

export interface StatusChange {
  id: string;
  title: string;
  section: string;
  from: ItemStatus;
  to: ItemStatus;
  /** The message on the later side (why it is now what it is). */
  message: string;
}

export interface ItemPresence {
  id: string;
  title: string;
  section: string;
  status: ItemStatus;
}

export interface ObservationChange {
  id: string;
  path: string;
  from: number;
  to: number;
}

/** What changed from run `a` to run `b`, item by item. */
export interface RunDiff {
  a: RunSide;
  b: RunSide;
  statusChanges: StatusChange[];
  added: ItemPresence[];
  removed: ItemPresence[];
  observationChanges: ObservationChange[];
  /** Items in both runs with the same status. */
  unchangedStatus: number;
}

const side = (log: RunLog): RunSide => ({
  runId: log.runId,
  startedAt: log.startedAt,
  checklist: log.checklist.id,
  checklistSha256: log.checklist.sha256,
  release: log.context.release,
  environment: log.context.environment,
  verdict: log.summary.verdict,
});

/** Compares two runs: status changes, items only in one of them, and changed numeric observations. */
export function diffRuns(a: RunLog, b: RunLog): RunDiff {
  const before = new Map(a.items.map((r) => [r.id, r]));
  const after = new Map(b.items.map((r) => [r.id, r]));
  const diff: RunDiff = { a: side(a), b: side(b), statusChanges: [], added: [], removed: [], observationChanges: [], unchangedStatus: 0 };
  for (const r of b.items) {
    const old = before.get(r.id);
    if (!old) {
      diff.added.push({ id: r.id, title: r.title, section: r.sectionTitle, status: r.status });
      continue;
    }
    if (old.status !== r.status)
      diff.statusChanges.push({ id: r.id, title: r.title, section: r.sectionTitle, from: old.status, to: r.status, message: r.message });
    else diff.unchangedStatus++;
    const oldValues = numericObservations(old.observations ?? {});
    for (const [path, to] of numericObservations(r.observations ?? {})) {
      const from = oldValues.get(path);
      if (from !== undefined && from !== to) diff.observationChanges.push({ id: r.id, path, from, to });
    }
  }
  for (const r of a.items) if (!after.has(r.id)) diff.removed.push({ id: r.id, title: r.title, section: r.sectionTitle, status: r.status });
  return diff;
}
