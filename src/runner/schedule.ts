import type { PlannedItem } from '../checklist/model.js';
import type { ItemResult } from './types.js';

/**
 * Which items may start: an item waits for its needs; manual items wait, besides, until the probes that do not wait
 * for a human have finished, then go in checklist order. Each finished item costs work in proportion to its
 * dependents, not to the checklist: a 5,000-item run must not rescan every item after every item.
 */
export class Schedule {
  /** Items not yet decided nor started. */
  readonly waiting: Set<string>;
  private readonly dependents = new Map<string, PlannedItem[]>();
  private readonly unmetNeeds = new Map<string, number>();
  /** Waiting items whose immediate result (skip, missing variable) may have changed: all of them at first. */
  private readonly recheck: Set<PlannedItem>;
  /** Waiting probe items whose needs are all finished, by kind, each in checklist order. */
  private readonly readyProbes = new Map<string, PlannedItem[]>();
  private readonly readyManual: PlannedItem[] = [];
  private readonly independentIds: Set<string>;
  private independentLeft: number;

  constructor(items: readonly PlannedItem[], wanted: ReadonlySet<string>) {
    for (const it of items) {
      this.unmetNeeds.set(it.id, it.needs.length);
      for (const dep of it.needs) {
        const list = this.dependents.get(dep);
        if (list) list.push(it);
        else this.dependents.set(dep, [it]);
      }
    }
    this.recheck = new Set(items);
    this.waiting = new Set(items.map((it) => it.id));
    const byId = new Map(items.map((it) => [it.id, it]));
    this.independentIds = new Set(
      items.filter((it) => it.probe && wanted.has(it.id) && !dependsOnManual(it, byId, new Set())).map((it) => it.id),
    );
    this.independentLeft = this.independentIds.size;
  }

  /**
   * Decides the waiting items that can be decided without running (`immediate`), passing each to `finish`, and
   * queues those whose needs are all finished.
   */
  decide(immediate: (item: PlannedItem) => ItemResult | undefined, finish: (item: PlannedItem, result: ItemResult) => void): void {
    // a Set visits what is added while it is iterated: items decided here may decide their dependents
    for (const item of this.recheck) {
      this.recheck.delete(item);
      if (!this.waiting.has(item.id)) continue;
      const result = immediate(item);
      if (result) {
        this.waiting.delete(item.id);
        finish(item, result);
      } else if (this.unmetNeeds.get(item.id) === 0) {
        const queue = item.manual ? this.readyManual : this.readyOfKind(kindOf(item));
        queue.splice(
          insertionPoint(queue, item.index, (q) => q.index),
          0,
          item,
        );
      }
    }
  }

  /**
   * The next probe item to start, if one is ready: the first in checklist order among the kinds `mayStart` allows
   * (a kind at its limit waits; the others go ahead).
   */
  nextProbe(mayStart: (kind: string) => boolean = () => true): PlannedItem | undefined {
    let best: PlannedItem[] | undefined;
    for (const [kind, queue] of this.readyProbes) {
      if (queue.length && (!best || queue[0]!.index < best[0]!.index) && mayStart(kind)) best = queue;
    }
    return best ? this.take(best) : undefined;
  }

  private readyOfKind(kind: string): PlannedItem[] {
    let queue = this.readyProbes.get(kind);
    if (!queue) this.readyProbes.set(kind, (queue = []));
    return queue;
  }

  /** The next manual item to ask about, once the probes that do not wait for a human are done. */
  nextManual(): PlannedItem | undefined {
    return this.independentLeft === 0 ? this.take(this.readyManual) : undefined;
  }

  /** Records that an item is decided: its dependents are looked at again. */
  finished(item: PlannedItem): void {
    if (this.independentIds.has(item.id)) this.independentLeft--;
    for (const d of this.dependents.get(item.id) ?? []) {
      this.unmetNeeds.set(d.id, this.unmetNeeds.get(d.id)! - 1);
      this.recheck.add(d);
    }
  }

  private take(queue: PlannedItem[]): PlannedItem | undefined {
    const item = queue.shift();
    if (item) this.waiting.delete(item.id);
    return item;
  }
}

/** The probe kind of an item, by which the runner limits how many of one kind run at once. */
export function kindOf(item: PlannedItem): string {
  return item.probe?.kind ?? '';
}

/**
 * Results kept in checklist order as items finish in any order. `results` is one array, updated in place: items
 * mostly finish near the end of it, so an insert moves few elements, where a copy per item was quadratic.
 */
export class OrderedResults {
  private readonly indexes: number[] = [];
  /** All results so far, in checklist order (the same array after every insert). */
  readonly results: ItemResult[] = [];

  /** Inserts the result of the item at `index`. */
  insert(index: number, result: ItemResult): void {
    const at = insertionPoint(this.indexes, index, (i) => i);
    this.indexes.splice(at, 0, index);
    this.results.splice(at, 0, result);
  }
}

/** Where an element keyed `value` goes in a list sorted by `key`, to keep it sorted. */
function insertionPoint<T>(sorted: readonly T[], value: number, key: (t: T) => number): number {
  let lo = 0;
  let hi = sorted.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (key(sorted[mid]!) < value) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** Does an item wait, directly or through its needs, for a manual sign-off? */
function dependsOnManual(item: PlannedItem, byId: Map<string, PlannedItem>, seen: Set<string>): boolean {
  for (const dep of item.needs) {
    if (seen.has(dep)) continue;
    seen.add(dep);
    const d = byId.get(dep);
    if (d && (d.manual || dependsOnManual(d, byId, seen))) return true;
  }
  return false;
}
