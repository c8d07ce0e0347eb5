import { describe, expect, it } from 'vitest';
import envProbe from '../../../src/probes/env/index.js';

const ctx = (env: Record<string, string>) => ({
  signal: new AbortController().signal,
  timeoutMs: 1000,
  env,
  lookup: (n: string) => env[n],
  cwd: process.cwd(),
});
const run = (params: unknown, env: Record<string, string>) => envProbe.run(envProbe.params.parse(params), ctx(env));

describe('env probe', () => {
  it('passes when every variable is set to a real-looking value', async () => {
    const out = await run({ vars: ['A', 'B'] }, { A: 'postgres://app:pw@db.prod:5432/x', B: 'x' });
    expect(out.problems).toEqual([]);
    expect(out.observations).toEqual({ set: ['A', 'B'], missing: [], placeholders: [], mismatched: [] });
  });

  it('reports unset and empty variables by name', async () => {
    const out = await run({ vars: ['A', 'B'] }, { B: '' });
    expect(out.problems).toEqual(['A is not set', 'B is not set']);
    expect(out.observations.missing).toEqual(['A', 'B']);
  });

  it('recognises the placeholders of .env.example-style templates', async () => {
    const values = [
      'your_key',
      'sk_live_...',
      'whsec_...',
      'changeme',
      'very_strong_random_secret_here',
      'postgresql://user:pass@host:5432/socialflow',
      'redis://host:6379/0',
      '<token>',
    ];
    for (const v of values) {
      const out = await run({ vars: ['X'] }, { X: v });
      expect(out.observations.placeholders, v).toEqual(['X']);
    }
  });

  it('checks pattern, length, entropy, equality and forbidden values without revealing the value', async () => {
    const secret = 'sk_test_SENTINEL';
    const out = await run({ vars: ['STRIPE_API_KEY'], pattern: '^sk_live_' }, { STRIPE_API_KEY: secret });
    expect(out.problems).toEqual(['STRIPE_API_KEY does not match /^sk_live_/']);
    expect(JSON.stringify(out)).not.toContain('SENTINEL');
    expect((await run({ vars: ['J'], min_length: 32 }, { J: 'short' })).problems).toEqual(['J is shorter than 32 characters (5)']);
    expect((await run({ vars: ['J'], min_entropy: 128 }, { J: 'a'.repeat(40) })).problems![0]).toMatch(/does not look random enough/);
    expect(
      (await run({ vars: ['J'], min_entropy: 128 }, { J: '9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08' })).problems,
    ).toEqual([]);
    expect((await run({ vars: ['DEBUG'], equals: false }, { DEBUG: 'False' })).problems).toEqual([]);
    expect((await run({ vars: ['DEBUG'], equals: 'false' }, { DEBUG: 'true' })).problems).toEqual(['DEBUG is not "false"']);
    expect((await run({ vars: ['CORS'], forbid: ['*'] }, { CORS: 'https://a.com, *' })).problems).toEqual([
      'CORS contains the forbidden value "*"',
    ]);
  });
});
