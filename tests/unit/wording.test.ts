import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));

describe('user-facing wording', () => {
  it.each(['checklists/pre.yaml', 'checklists/deploy.yaml', 'checklists/rollback.yaml', 'checklists/post.yaml', '.env.example'])(
    '%s speaks of the deployment checklist, never of "the seed"',
    (file) => {
      const lines = readFileSync(join(ROOT, file), 'utf8').split('\n');
      expect(lines.map((l, i) => `${i + 1}: ${l}`).filter((l) => /\bseed\b|seed's/i.test(l))).toEqual([]);
    },
  );
});
