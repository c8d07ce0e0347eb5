import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const README = readFileSync(join(ROOT, 'checklists', 'README.md'), 'utf8');

/** Item ids with a row (`| id | … | … |`) in the README section of one checklist. */
function rows(name: string): string[] {
  const start = README.indexOf(`## ${name}.yaml`);
  if (start === -1) return [];
  const next = README.indexOf('\n## ', start + 1);
  const section = README.slice(start, next === -1 ? undefined : next);
  return [...section.matchAll(/^\| ([a-z0-9][a-z0-9-]*) \| (.+?) \| (.+?) \|(?: <!--.*-->)?$/gm)]
    .filter((m) => m[1] !== 'item' && m[2]!.trim() !== '' && m[3]!.trim() !== '')
    .map((m) => m[1]!);
}

describe('checklists/README.md', () => {
  it.each(['pre', 'deploy', 'rollback', 'post'])('%s: every automated item says how it could pass wrongly and how it guards', (name) => {
    const doc = parse(readFileSync(join(ROOT, 'checklists', `${name}.yaml`), 'utf8')) as {
      sections: { items: { id: string; probe?: unknown }[] }[];
    };
    const automated = doc.sections
      .flatMap((s) => s.items)
      .filter((i) => i.probe)
      .map((i) => i.id);
    const documented = rows(name);
    expect(automated.filter((id) => !documented.includes(id))).toEqual([]);
    expect(documented.filter((id) => !automated.includes(id))).toEqual([]);
  });
});
