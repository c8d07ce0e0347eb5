import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { describeParams } from '../../src/commands/probes.js';
import { getProbe } from '../../src/probes/index.js';

const KINDS = ['http', 'tls', 'tcp', 'dns', 'git', 'prometheus'] as const;
const root = (p: string) => fileURLToPath(new URL(`../../${p}`, import.meta.url));

/** Smallest parameters each probe accepts, to check that unknown keys are refused. */
const MINIMAL: Record<(typeof KINDS)[number], Record<string, unknown>> = {
  http: { url: 'https://api.example.com/health' },
  tls: { host: 'api.example.com' },
  tcp: { host: 'db.internal', port: 5432 },
  dns: { name: 'api.example.com' },
  git: {},
  prometheus: { url: 'http://prometheus:9090', query: 'up' },
};

/** Defaults stated in each probe's docs, as the schema applies them. */
const DEFAULTS: Record<(typeof KINDS)[number], Record<string, unknown>> = {
  http: { method: 'GET', follow_redirects: false, insecure: false, samples: 1, concurrency: 1, max_redirects: 5 },
  tls: { port: 443, min_days: 14 },
  tcp: {},
  dns: { type: 'A' },
  git: { path: '.', changelog: 'CHANGELOG.md', paths: [] },
  prometheus: { url: 'http://prometheus:9090', insecure: false, headers: {} },
};

describe.each(KINDS)('the %s probe follows the probe contract', (kind) => {
  const probe = getProbe(kind)!;

  it('is registered under the name of its folder, with a one-line summary and a docs link', () => {
    expect(probe).toBeDefined();
    expect(probe.kind).toBe(kind);
    expect(existsSync(root(`src/probes/${kind}/index.ts`))).toBe(true);
    expect(probe.summary).not.toContain('\n');
    expect(probe.docs).toMatch(/^https:\/\//);
    expect(probe.defaultCheck.length).toBeGreaterThan(5);
  });

  it('describes every parameter and every observation', () => {
    for (const p of describeParams(probe))
      expect({ name: p.name, description: p.description }).toEqual({ name: p.name, description: expect.stringMatching(/\S/) });
    expect(Object.keys(probe.observations).length).toBeGreaterThan(1);
    for (const [name, text] of Object.entries(probe.observations))
      expect({ name, text }).toEqual({ name, text: expect.stringMatching(/\S/) });
  });

  it('refuses unknown keys and applies its defaults', () => {
    expect(probe.params.parse(MINIMAL[kind])).toMatchObject(DEFAULTS[kind]);
    const typo = probe.params.safeParse({ ...MINIMAL[kind], tiemout: '5s' });
    expect(typo.success).toBe(false);
    expect((typo as z.ZodSafeParseError<unknown>).error.issues[0]).toMatchObject({ code: 'unrecognized_keys', keys: ['tiemout'] });
  });

  it('has tests against a real server', () => {
    expect(existsSync(root(`tests/integration/probes/${kind}.test.ts`))).toBe(true);
  });
});
