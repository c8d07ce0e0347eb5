import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const SRC = fileURLToPath(new URL('../../src/', import.meta.url));

function sources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? sources(join(dir, e.name)) : e.name.endsWith('.ts') ? [join(dir, e.name)] : [],
  );
}

/** Relative imports that load a module (static or dynamic); `import type` loads nothing. */
function imports(file: string): string[] {
  const text = readFileSync(file, 'utf8');
  const found = [
    ...text.matchAll(/^import (?!type )[^;]*?from '(\.[^']+)'/gm),
    ...text.matchAll(/^import '(\.[^']+)'/gm),
    ...text.matchAll(/import\('(\.[^']+)'\)/g),
  ];
  return found.map((m) => resolve(dirname(file), m[1]!.replace(/\.js$/, '.ts')));
}

/** Every import cycle, as a list of files relative to src/. */
function cycles(graph: Map<string, string[]>): string[][] {
  const out: string[][] = [];
  const state = new Map<string, 'open' | 'done'>();
  const visit = (file: string, trail: string[]): void => {
    if (state.get(file) === 'done') return;
    if (state.get(file) === 'open') {
      out.push([...trail.slice(trail.indexOf(file)), file].map((f) => relative(SRC, f)));
      return;
    }
    state.set(file, 'open');
    for (const dep of graph.get(file) ?? []) visit(dep, [...trail, file]);
    state.set(file, 'done');
  };
  for (const file of graph.keys()) visit(file, []);
  return out;
}

describe('the module graph of src/', () => {
  const graph = new Map(sources(SRC).map((f) => [f, imports(f)]));

  it('has no import cycle', () => {
    expect(cycles(graph)).toEqual([]);
  });

  it('is read correctly: the cycle check finds a cycle when there is one', () => {
    const a = join(SRC, 'a.ts');
    const b = join(SRC, 'b.ts');
    expect(
      cycles(
        new Map([
          [a, [b]],
          [b, [a]],
        ]),
      ),
    ).toEqual([['a.ts', 'b.ts', 'a.ts']]);
    expect(graph.get(join(SRC, 'cli.ts'))).toContain(join(SRC, 'errors.ts'));
  });
});
