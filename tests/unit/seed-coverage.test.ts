import { describe, expect, it } from 'vitest';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadChecklistFile } from '../../src/checklist/load.js';
import type { LoadedChecklist } from '../../src/checklist/model.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const SEED = join(ROOT, 'tests/fixtures/seed/DEPLOYMENT_CHECKLIST.md');
const SHARED_SEED = join(ROOT, '../shared/seed/DEPLOYMENT_CHECKLIST.md');

/** Where each top-level part of the seed document goes. */
const PARTS: Record<string, { checklist: string; section?: string }> = {
  'Pre-Deployment Checklist': { checklist: 'pre' },
  'Deployment Day Checklist': { checklist: 'deploy' },
  'Rollback Procedure': { checklist: 'rollback' },
  'Post-Deployment Monitoring (24 hours)': { checklist: 'post' },
  'Deployment Approval': { checklist: 'pre', section: 'Deployment Approval' },
};

interface SeedItem {
  checklist: string;
  section: string;
  title: string;
  optional: boolean;
  line: number;
}

/** Every `- [ ]` item of the seed with the checklist and section it belongs to. */
function seedItems(markdown: string): SeedItem[] {
  const out: SeedItem[] = [];
  let part: (typeof PARTS)[string] | undefined;
  let section = '';
  markdown.split('\n').forEach((line, i) => {
    const h2 = /^## (.+)$/.exec(line);
    if (h2) {
      part = PARTS[h2[1]!.trim()];
      section = part?.section ?? '';
      return;
    }
    const h3 = /^### (?:\d+\.\s*)?(.+?)(?:\s*✓)?$/.exec(line);
    if (h3 && part && !part.section) {
      section = h3[1]!.trim();
      return;
    }
    const box = /^\s*- \[ \] (.+)$/.exec(line);
    if (box) {
      if (!part) throw new Error(`seed line ${i + 1}: checkbox outside a known part`);
      const title = box[1]!.replace(/`/g, '').trim();
      out.push({ checklist: part.checklist, section, title, optional: /\(optional\b|- optional\)/i.test(title), line: i + 1 });
    }
  });
  return out;
}

describe('bundled checklists cover the seed deployment checklist', () => {
  const seed = readFileSync(SEED, 'utf8');
  const items = seedItems(seed);
  const loaded = new Map<string, LoadedChecklist>();
  const checklist = async (name: string) => {
    if (!loaded.has(name)) loaded.set(name, await loadChecklistFile(join(ROOT, 'checklists', `${name}.yaml`), { env: {} }));
    return loaded.get(name)!;
  };

  it('reads all 187 checkbox items of the seed', () => {
    expect(items).toHaveLength(187);
  });

  it('keeps its copy of the seed identical to the shared one when that is present', () => {
    if (existsSync(SHARED_SEED)) expect(readFileSync(SHARED_SEED, 'utf8')).toBe(seed);
  });

  it('has every seed item as an item of the right checklist and section, titled as in the seed', async () => {
    const missing: string[] = [];
    for (const s of items) {
      const c = await checklist(s.checklist);
      const found = c.items.find((it) => it.title === s.title);
      if (!found) missing.push(`line ${s.line}: "${s.title}" is not in ${s.checklist}.yaml`);
      else if (found.section.title !== s.section)
        missing.push(
          `line ${s.line}: "${s.title}" is in section "${found.section.title}" of ${s.checklist}.yaml, the seed has it under "${s.section}"`,
        );
    }
    expect(missing).toEqual([]);
  });

  it('marks the items the seed calls optional as optional', async () => {
    for (const s of items.filter((x) => x.optional)) {
      const found = (await checklist(s.checklist)).items.find((it) => it.title === s.title);
      expect(found?.optional, s.title).toBe(true);
    }
  });

  it('maps no two seed items onto the same bundled item', async () => {
    const keys = items.map((s) => `${s.checklist}:${s.section}:${s.title}`);
    expect(new Set(keys).size).toBe(keys.length);
  });
});
