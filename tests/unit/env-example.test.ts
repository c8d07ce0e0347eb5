import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseEnv } from 'node:util';
import { parse } from 'yaml';
import { declaredDefaults } from '../../src/util/zod-defaults.js';
import { referencedVars } from '../../src/checklist/interpolate.js';
import { getProbe } from '../../src/probes/index.js';
import { isPlaceholder } from '../../src/util/placeholder.js';
import { SECRET_NAME } from '../../src/util/redact.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const EXAMPLE = readFileSync(join(ROOT, '.env.example'), 'utf8');
const example = parseEnv(EXAMPLE) as Record<string, string>;

interface RawItem {
  probe?: { kind: string; vars?: string[] };
}

/** Every variable a bundled checklist reads: `${...}` anywhere, env probe `vars`, `vars:` declarations, probe defaults. */
function variablesRead(name: string): Set<string> {
  const text = readFileSync(join(ROOT, 'checklists', `${name}.yaml`), 'utf8');
  const doc = parse(text) as { vars?: Record<string, unknown>; sections: { items: RawItem[] }[] };
  const out = new Set<string>([...referencedVars(text), ...Object.keys(doc.vars ?? {})]);
  for (const item of doc.sections.flatMap((s) => s.items)) {
    if (!item.probe) continue;
    if (item.probe.kind === 'env') item.probe.vars?.forEach((v) => out.add(v));
    const schema = getProbe(item.probe.kind)?.params;
    if (!schema) continue;
    for (const [key, fallback] of Object.entries(declaredDefaults(schema))) {
      if (key in item.probe) continue;
      if (typeof fallback === 'string') referencedVars(fallback).forEach((v) => out.add(v));
    }
  }
  return out;
}

describe('.env.example', () => {
  const read = new Set(['pre', 'deploy', 'rollback', 'post'].flatMap((n) => [...variablesRead(n)]));

  it('lists every variable the bundled checklists read', () => {
    expect([...read].filter((v) => !(v in example)).sort()).toEqual([]);
  });

  it('explains every variable with a comment above it', () => {
    const lines = EXAMPLE.split('\n');
    const unexplained = lines
      .map((line, i) => ({ name: /^([A-Z_][A-Z0-9_]*)=/.exec(line)?.[1], i }))
      .filter((x) => x.name)
      .filter(({ i }) => {
        let j = i - 1;
        while (j >= 0 && /^[A-Z_][A-Z0-9_]*=/.test(lines[j]!)) j--;
        return j < 0 || !lines[j]!.startsWith('#');
      })
      .map((x) => x.name);
    expect(unexplained).toEqual([]);
  });

  it('holds only placeholders for secrets and endpoints, so a copied .env.example never passes for configured', () => {
    const mustBeReplaced = Object.entries(example).filter(
      ([name, value]) =>
        value !== '' &&
        !/^\d+$/.test(value) &&
        (SECRET_NAME.test(name) || /_(URL|DSN|HOST|DOMAIN|ID|SID|CREDENTIALS)$|ORIGINS$|_BUCKET$/.test(name)) &&
        !/^(STRIPE_API_BASE|AWS_ENDPOINT_URL|K8S_SECRET)$/.test(name),
    );
    expect(mustBeReplaced.length).toBeGreaterThan(20);
    expect(mustBeReplaced.filter(([, value]) => !isPlaceholder(value)).map(([name]) => name)).toEqual([]);
  });
});
