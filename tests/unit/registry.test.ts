import { describe, expect, it } from 'vitest';
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { z } from 'zod';
import { probes } from '../../src/probes/index.js';
import { describeParams } from '../../src/commands/probes.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));

function testFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? testFiles(join(dir, e.name)) : e.name.endsWith('.test.ts') ? [e.name] : [],
  );
}

describe('probe registry', () => {
  const tests = testFiles(join(ROOT, 'tests'));

  for (const [key, probe] of Object.entries(probes)) {
    describe(key, () => {
      it('is registered under its own kind and lives in its own folder', () => {
        expect(probe.kind).toBe(key);
        expect(existsSync(join(ROOT, 'src/probes', key, 'index.ts'))).toBe(true);
      });

      it('has a strict params schema whose every field is described', () => {
        expect(probe.params).toBeInstanceOf(z.ZodType);
        expect(probe.params.safeParse({ __not_a_param__: 1 }).success).toBe(false);
        const params = describeParams(probe);
        expect(params.length).toBeGreaterThan(0);
        for (const p of params) expect(p.description, `${key}.${p.name} has no .describe()`).not.toBe('');
      });

      it('documents its observations, its default check and its summary', () => {
        expect(Object.keys(probe.observations).length).toBeGreaterThan(0);
        for (const [name, text] of Object.entries(probe.observations)) expect(text, name).not.toBe('');
        expect(probe.defaultCheck).not.toBe('');
        expect(probe.summary).not.toBe('');
      });

      it('has a test file of its own', () => {
        expect(tests.some((f) => f === `${key}.test.ts` || f.startsWith(`${key}-`) || f.startsWith(`probe-${key}`))).toBe(true);
      });
    });
  }
});
