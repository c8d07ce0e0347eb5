import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
/** Every file users read or see output from: the docs, the templates, the schema and the sources of messages. */
const SHIPPED = ['README.md', 'checklists/README.md', 'schema/checklist.schema.json', 'docs', 'templates', 'src'].flatMap((p) =>
  p.includes('.')
    ? [p]
    : readdirSync(join(ROOT, p), { recursive: true, withFileTypes: true })
        .filter((e) => e.isFile())
        .map((e) => join(e.parentPath, e.name).slice(ROOT.length)),
);

describe('user-facing wording', () => {
  it.each([
    'checklists/pre.yaml',
    'checklists/deploy.yaml',
    'checklists/rollback.yaml',
    'checklists/post.yaml',
    '.env.example',
    ...SHIPPED,
  ])('%s speaks of the deployment checklist, never of "the seed"', (file) => {
    const lines = readFileSync(join(ROOT, file), 'utf8').split('\n');
    expect(lines.map((l, i) => `${i + 1}: ${l}`).filter((l) => /\bseed\b|seed's/i.test(l))).toEqual([]);
  });
});
