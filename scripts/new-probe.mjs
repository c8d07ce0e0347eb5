#!/usr/bin/env node
// `npm run new-probe -- <kind>`: a new probe from src/probes/_template/ — its folder, its registry line, its test.
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const kind = process.argv[2] ?? '';
if (!/^[a-z][a-z0-9]*$/.test(kind)) {
  process.stderr.write(`usage: npm run new-probe -- <kind>  (lowercase letters and digits, such as "smtp"), got "${kind}"\n`);
  process.exit(2);
}
const folder = join(root, 'src/probes', kind);
const test = join(root, 'tests/integration/probes', `${kind}.test.ts`);
const registry = join(root, 'src/probes/index.ts');
for (const path of [folder, test]) {
  if (existsSync(path)) {
    process.stderr.write(`${path} exists already\n`);
    process.exit(2);
  }
}

const template = readFileSync(join(root, 'src/probes/_template/index.ts'), 'utf8');
mkdirSync(folder, { recursive: true });
writeFileSync(join(folder, 'index.ts'), template.replace("kind: '_template'", `kind: '${kind}'`));

// the registry: one import and one key, both kept in alphabetical order
const lines = readFileSync(registry, 'utf8').split('\n');
const imports = lines.filter((l) => /^import \w+ from '\.\/\w+\/index\.js';$/.test(l));
const before = imports.find((l) => l.split(' ')[1] > kind);
lines.splice(before ? lines.indexOf(before) : lines.indexOf(imports.at(-1)) + 1, 0, `import ${kind} from './${kind}/index.js';`);
const start = lines.findIndex((l) => l.startsWith('export const probes = {'));
const end = lines.findIndex((l, i) => i > start && l.startsWith('}'));
const keys = lines.slice(start + 1, end);
const next = keys.find((l) => l.trim().replace(',', '') > kind);
lines.splice(next ? lines.indexOf(next, start) : end, 0, `  ${kind},`);
writeFileSync(registry, lines.join('\n'));

mkdirSync(dirname(test), { recursive: true });
writeFileSync(
  test,
  `import { describe, expect, it } from 'vitest';
import { runProbe } from '../../support/probe-run.js';
import { tempDir } from '../../support/tmp.js';

// Against the real thing: a throwaway server or folder from tests/support/, never a mock of its client.
describe('${kind} probe', () => {
  it('observes the entries of a directory and fails below min_entries', async () => {
    const t = tempDir({ 'versions/a.py': '', 'versions/b.py': '' });
    try {
      expect(await runProbe('${kind}', { path: 'versions' }, { cwd: t.dir })).toMatchObject({
        observations: { entries: 2, names: ['a.py', 'b.py'] },
        problems: [],
      });
      const few = await runProbe('${kind}', { path: 'versions', min_entries: 3 }, { cwd: t.dir });
      expect(few.problems).toEqual(['versions has 2 entries, fewer than 3']);
    } finally {
      t.remove();
    }
  });
});
`,
);
process.stdout.write(
  `created src/probes/${kind}/index.ts, tests/integration/probes/${kind}.test.ts and the registry line in src/probes/index.ts\n` +
    `next: write its schema, example, observations and run(); npm run build && npx vitest run tests/integration/probes/${kind}.test.ts tests/unit/probe-contract.test.ts\n`,
);
