import type { Migration } from './scripts.js';

/** The revision graph of a migrations folder, checked the way alembic would load it. */
export interface RevisionGraph {
  byRevision: Map<string, Migration>;
  /** Revisions that no other revision names as its down_revision, in file order. */
  heads: string[];
  /** Branch labels, each naming the revision that declares it. */
  labels: Map<string, Migration>;
  /** What makes alembic refuse the graph: missing parents, duplicates, cycles, unreadable files. */
  errors: string[];
}

const describe = (m: Migration): string => `${m.revision}${m.slug ? ` ${m.slug}` : ''} (${m.file})`;

/** Builds the graph and reports every defect at once. */
export function buildGraph(migrations: readonly Migration[], fileErrors: readonly string[] = []): RevisionGraph {
  const errors = [...fileErrors];
  const byRevision = new Map<string, Migration>();
  for (const m of migrations) {
    const prior = byRevision.get(m.revision);
    if (prior) errors.push(`revision ${m.revision} is defined twice: ${prior.file} and ${m.file}`);
    else byRevision.set(m.revision, m);
  }
  const labels = new Map<string, Migration>();
  for (const m of byRevision.values()) {
    for (const label of m.branchLabels) {
      const prior = labels.get(label);
      if (prior) errors.push(`branch label ${label} of ${describe(m)} is already used by ${prior.revision}`);
      else labels.set(label, m);
    }
  }
  const children = new Set<string>();
  for (const m of byRevision.values()) {
    for (const down of m.downRevisions) {
      if (byRevision.has(down)) children.add(down);
      else errors.push(`${describe(m)} has down_revision ${down}, which no migration defines`);
    }
    for (const dep of m.dependsOn) {
      if (!byRevision.has(dep) && !labels.has(dep))
        errors.push(`${describe(m)} depends on ${dep}, which is neither a revision nor a branch label`);
    }
  }
  const graph: RevisionGraph = { byRevision, heads: [...byRevision.keys()].filter((r) => !children.has(r)), labels, errors };
  const cycle = findCycle(graph);
  if (cycle) errors.push(`revision cycle: ${cycle.join(' -> ')}`);
  return graph;
}

/** A revision's parents: its down_revisions, then its dependencies (labels resolved), that exist. */
function parents(graph: RevisionGraph, m: Migration): string[] {
  const out: string[] = [];
  for (const d of m.downRevisions) if (graph.byRevision.has(d) && !out.includes(d)) out.push(d);
  for (const dep of m.dependsOn) {
    const r = graph.byRevision.has(dep) ? dep : graph.labels.get(dep)?.revision;
    if (r && !out.includes(r)) out.push(r);
  }
  return out;
}

function findCycle(graph: RevisionGraph): string[] | undefined {
  const state = new Map<string, 'visiting' | 'done'>();
  const stack: string[] = [];
  const visit = (rev: string): string[] | undefined => {
    const s = state.get(rev);
    if (s === 'done') return undefined;
    if (s === 'visiting') return [...stack.slice(stack.indexOf(rev)), rev];
    state.set(rev, 'visiting');
    stack.push(rev);
    for (const p of parents(graph, graph.byRevision.get(rev)!)) {
      const found = visit(p);
      if (found) return found;
    }
    stack.pop();
    state.set(rev, 'done');
    return undefined;
  };
  for (const rev of graph.byRevision.keys()) {
    const found = visit(rev);
    if (found) return found;
  }
  return undefined;
}

/** The revision and everything it needs (down_revisions and dependencies), recursively. */
function ancestry(graph: RevisionGraph, revisions: readonly string[]): Set<string> {
  const seen = new Set<string>();
  const stack = revisions.filter((r) => graph.byRevision.has(r));
  while (stack.length) {
    const rev = stack.pop()!;
    if (seen.has(rev)) continue;
    seen.add(rev);
    stack.push(...parents(graph, graph.byRevision.get(rev)!));
  }
  return seen;
}

/** Revisions `alembic upgrade heads` would apply to a database at `current`, in upgrade order (parents first). */
export function pendingRevisions(graph: RevisionGraph, current: readonly string[]): Migration[] {
  const applied = ancestry(graph, current);
  const out: Migration[] = [];
  const done = new Set<string>();
  const visit = (rev: string): void => {
    if (done.has(rev) || applied.has(rev)) return;
    done.add(rev);
    const m = graph.byRevision.get(rev)!;
    for (const p of parents(graph, m)) visit(p);
    out.push(m);
  };
  for (const head of graph.heads) visit(head);
  return out;
}
