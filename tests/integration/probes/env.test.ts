import { describe, expect, it } from 'vitest';
import envProbe from '../../../src/probes/env/index.js';
import { runProbe } from '../../support/probe-run.js';

const run = (params: Record<string, unknown>, env: Record<string, string>) => runProbe(envProbe, params, { env, timeoutMs: 1000 });

describe('env probe', () => {
  it('passes when every variable is set to a real-looking value', async () => {
    const out = await run({ vars: ['A', 'B'] }, { A: 'postgres://app:pw@db.prod:5432/x', B: 'x' });
    expect(out.problems).toEqual([]);
    expect(out.observations).toEqual({ set: ['A', 'B'], missing: [], placeholders: [], mismatched: [], read: { A: ['A'], B: ['B'] } });
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
    expect((await run({ vars: ['J'], min_entropy: 128 }, { J: 'ab'.repeat(20) })).problems![0]).toMatch(/does not look random enough/);
    expect(
      (await run({ vars: ['J'], min_entropy: 128 }, { J: '9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08' })).problems,
    ).toEqual([]);
    expect((await run({ vars: ['DEBUG'], equals: false }, { DEBUG: 'False' })).problems).toEqual([]);
    expect((await run({ vars: ['DEBUG'], equals: 'false' }, { DEBUG: 'true' })).problems).toEqual(['DEBUG is true, not false']);
    expect((await run({ vars: ['CORS'], forbid: ['*'] }, { CORS: 'https://a.com, *' })).problems).toEqual([
      'CORS contains the forbidden value "*"',
    ]);
  });

  it('checks a variable under every name that is set, naming the one read (SECRET_KEY left at its placeholder)', async () => {
    const items = `      - id: jwt
        title: JWT
        probe: { kind: env, vars: [JWT_SECRET_KEY], min_length: 32 }
`;
    const yaml = (body: string) => body;
    const withVars = async (env: Record<string, string>) => {
      const { runChecklistText } = await import('../../support/run-checklist.js');
      const log = await runChecklistText(
        `id: t\ntitle: T\nvars:\n  JWT_SECRET_KEY: { secret: true, from: [SECRET_KEY] }\nsections:\n  - id: s\n    title: S\n    items:\n${yaml(items)}`,
        env,
      );
      return log.items[0]!;
    };
    const strong = '9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08';
    const both = await withVars({ JWT_SECRET_KEY: strong, SECRET_KEY: 'your-super-secret-key-change-this-in-production' });
    expect(both.status).toBe('fail');
    expect(both.message).toBe('SECRET_KEY (read as JWT_SECRET_KEY) looks like a placeholder, not a real value');
    expect(both.observations).toMatchObject({ read: { JWT_SECRET_KEY: ['JWT_SECRET_KEY', 'SECRET_KEY'] } });
    const aliasOnly = await withVars({ SECRET_KEY: 'k3Zq9' });
    expect(aliasOnly.message).toBe('SECRET_KEY (read as JWT_SECRET_KEY) is shorter than 32 characters (5)');
    expect((await withVars({ JWT_SECRET_KEY: strong, SECRET_KEY: strong })).status).toBe('pass');
  });

  it('reads list settings as pydantic-settings does: a JSON array or comma-separated', async () => {
    expect((await run({ vars: ['ALLOWED_HOSTS'], forbid: ['*'] }, { ALLOWED_HOSTS: '["*"]' })).problems).toEqual([
      'ALLOWED_HOSTS contains the forbidden value "*"',
    ]);
    expect((await run({ vars: ['ALLOWED_HOSTS'], forbid: ['*'] }, { ALLOWED_HOSTS: '["api.socialflow.com", " *"]' })).problems).toEqual([
      'ALLOWED_HOSTS contains the forbidden value "*"',
    ]);
    const cors = { vars: ['CORS'], list: true, forbid: ['*'], pattern: '^https://[^,\\s]+$' };
    expect((await run(cors, { CORS: '["https://app.socialflow.com"]' })).problems).toEqual([]);
    expect((await run(cors, { CORS: 'https://app.socialflow.com, https://socialflow.com' })).problems).toEqual([]);
    expect((await run(cors, { CORS: '["https://app.socialflow.com", "http://socialflow.com"]' })).problems).toEqual([
      'CORS item 2 of 2 does not match /^https://[^,\\s]+$/',
    ]);
    expect((await run(cors, { CORS: '["https://app.socialflow.com"' })).problems).toEqual([
      'CORS starts with [ but is not a valid JSON list',
    ]);
  });

  it('reads booleans as pydantic does (0/1, yes/no, on/off, any case)', async () => {
    for (const off of ['false', 'False', '0', 'no', 'OFF', 'f', 'n']) {
      expect((await run({ vars: ['DEBUG'], equals: false }, { DEBUG: off })).problems, off).toEqual([]);
    }
    for (const on of ['true', '1', 'yes', 'On', 'T']) {
      expect((await run({ vars: ['DEBUG'], equals: false }, { DEBUG: on })).problems, on).toEqual(['DEBUG is true, not false']);
    }
    expect((await run({ vars: ['DEBUG'], equals: 'false' }, { DEBUG: 'disabled' })).problems).toEqual([
      'DEBUG is not a boolean pydantic accepts (0/1, true/false, yes/no, on/off)',
    ]);
  });

  it('names an unresolved reference as such', async () => {
    expect((await run({ vars: ['JWT_SECRET_KEY'] }, { JWT_SECRET_KEY: '${SECRET}' })).problems).toEqual([
      'JWT_SECRET_KEY holds the unresolved reference ${SECRET}, not a real value',
    ]);
  });
});
