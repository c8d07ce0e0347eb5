import { isMap, isPair, isScalar, isSeq, type Document, type LineCounter, type Node } from 'yaml';

export type ModelPath = readonly PropertyKey[];

export interface Position {
  line: number;
  col: number;
}

/** `['sections', 2, 'items', 3, 'probe', 'port']` → `sections[2].items[3].probe.port`. */
export function formatPath(path: ModelPath): string {
  let out = '';
  for (const seg of path) {
    if (typeof seg === 'number') out += `[${seg}]`;
    else out += out ? `.${String(seg)}` : String(seg);
  }
  return out;
}

/**
 * The source position of the node at `path`, or of its closest existing ancestor.
 * With `key`, the position of that key inside the mapping at `path` (for unknown keys).
 */
export function locate(doc: Document, lines: LineCounter, path: ModelPath, key?: string): Position {
  let node: unknown = doc.contents;
  let best: Node | null = isNode(node) ? node : null;
  for (const seg of path) {
    const next = child(node, seg);
    if (next === undefined) break;
    node = next;
    if (isNode(node)) best = node;
  }
  if (key !== undefined && isMap(node)) {
    const pair = node.items.find((p) => isPair(p) && isScalar(p.key) && String(p.key.value) === key);
    if (pair && isNode(pair.key)) best = pair.key;
  }
  const offset = best?.range?.[0] ?? 0;
  return lines.linePos(offset);
}

function child(node: unknown, seg: PropertyKey): unknown {
  if (isMap(node)) {
    const pair = node.items.find((p) => isScalar(p.key) && String(p.key.value) === String(seg));
    return pair?.value ?? undefined;
  }
  if (isSeq(node) && typeof seg === 'number') return node.items[seg];
  return undefined;
}

function isNode(v: unknown): v is Node {
  return !!v && typeof v === 'object' && 'range' in v;
}
