import { describe, expect, it } from 'vitest';
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { z } from 'zod';
import { probes } from '../../src/probes/index.js';
import template from '../../src/probes/_template/index.js';
import type { Probe } from '../../src/probes/types.js';
import { describeParams } from '../../src/commands/probes.js';
import { declaredDefaults } from '../../src/util/zod-defaults.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const PROBES = join(ROOT, 'src/probes');

function testFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? testFiles(join(dir, e.name)) : e.name.endsWith('.test.ts') ? [e.name] : [],
  );
}

/** Why a probe's schema is not strict, proven on its own example; undefined when it is strict. */
function strictnessProblem(probe: Probe): string | undefined {
  const example = probe.params.safeParse(probe.example);
  if (!example.success) return `its example does not parse: ${example.error.issues[0]?.message}`;
  const typo = probe.params.safeParse({ ...(probe.example as object), tiemout: '5s' });
  if (typo.success) return 'it accepts an unknown key';
  const issue = typo.error.issues[0];
  if (typo.error.issues.length !== 1 || issue?.code !== 'unrecognized_keys' || issue.keys.join() !== 'tiemout')
    return `the unknown key is not what it reports: ${JSON.stringify(typo.error.issues)}`;
  return undefined;
}

/** What `sfdeploy probes` shows of a probe: its observations, its default check, its summary and its upstream docs. */
function expectDocumented(probe: Probe): void {
  expect(Object.keys(probe.observations).length).toBeGreaterThan(1);
  for (const [name, text] of Object.entries(probe.observations))
    expect({ name, text }).toEqual({ name, text: expect.stringMatching(/\S/) });
  expect(probe.defaultCheck.length).toBeGreaterThan(5);
  expect(probe.summary).not.toBe('');
  expect(probe.summary).not.toContain('\n');
  expect(probe.docs).toMatch(/^https:\/\//);
}

describe('the probe folders and the registry', () => {
  const folders = readdirSync(PROBES, { withFileTypes: true })
    .filter((e) => e.isDirectory() && !e.name.startsWith('_'))
    .map((e) => e.name)
    .sort();

  it('register every folder under src/probes/ (but _template), and nothing else', () => {
    expect(Object.keys(probes).sort()).toEqual(folders);
  });
});

describe('the contract check', () => {
  const loose = { ...template, params: z.object({ path: z.string(), min_entries: z.number().default(1) }) } as unknown as Probe;

  it('fails for a loose schema, also one with a required parameter', () => {
    expect(loose.params.safeParse({ __not_a_param__: 1 }).success).toBe(false);
    expect(strictnessProblem(loose)).toBe('it accepts an unknown key');
  });

  it('fails when the example does not parse', () => {
    expect(strictnessProblem({ ...template, example: { path: '' } })).toMatch(/^its example does not parse/);
  });

  it('passes for the template a new probe starts from', () => {
    expect(strictnessProblem(template as unknown as Probe)).toBeUndefined();
    expect(describeParams(template as unknown as Probe).every((p) => p.description !== '')).toBe(true);
    // what `npm run new-probe` copies passes the registry's checks as it is
    expectDocumented(template);
  });
});

describe('probe registry', () => {
  const tests = testFiles(join(ROOT, 'tests'));

  for (const [key, probe] of Object.entries(probes) as [string, Probe][]) {
    describe(key, () => {
      it('is registered under its own kind and lives in its own folder', () => {
        expect(probe.kind).toBe(key);
        expect(existsSync(join(PROBES, key, 'index.ts'))).toBe(true);
      });

      it('has a strict params schema whose every field is described', () => {
        expect(probe.params).toBeInstanceOf(z.ZodType);
        expect(probe.params.safeParse({ __not_a_param__: 1 }).success).toBe(false);
        expect(strictnessProblem(probe)).toBeUndefined();
        const params = describeParams(probe);
        expect(params.length).toBeGreaterThan(0);
        for (const p of params) expect(p.description, `${key}.${p.name} has no .describe()`).not.toBe('');
      });

      it('applies its declared defaults to its example', () => {
        const example = probe.example as Record<string, unknown>;
        const defaults = Object.fromEntries(Object.entries(declaredDefaults(probe.params)).filter(([k]) => !(k in example)));
        expect(probe.params.parse(example)).toMatchObject(defaults);
      });

      it('documents its observations, its default check, its summary and its upstream docs', () => {
        expectDocumented(probe);
      });

      it('has a test file of its own, against a real server under tests/integration/probes/', () => {
        expect(tests.some((f) => f === `${key}.test.ts` || f.startsWith(`${key}-`) || f.startsWith(`probe-${key}`))).toBe(true);
        expect(existsSync(join(ROOT, 'tests/integration/probes', `${key}.test.ts`))).toBe(true);
      });
    });
  }
});
