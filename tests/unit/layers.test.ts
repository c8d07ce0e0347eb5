import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../support/cli.js';

describe('the layer rule of eslint.config.js', () => {
  it('gives every folder under src/ its layer, so a new folder cannot escape the rule', async () => {
    const { LAYERS } = (await import(join(REPO_ROOT, 'eslint.config.js'))) as { LAYERS: { files: string[] }[] };
    const placed = new Set(LAYERS.flatMap((l) => l.files).map((f) => /^src\/([^/]+)\/\*\*$/.exec(f)?.[1]));
    const folders = readdirSync(join(REPO_ROOT, 'src'), { withFileTypes: true })
      .filter((d) => d.isDirectory())
      .map((d) => d.name);
    expect(folders.filter((f) => !placed.has(f))).toEqual([]);
    expect(folders.length).toBeGreaterThan(8);
  });
});
