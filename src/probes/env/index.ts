import { z } from 'zod';
import { entropyBits, isPlaceholder } from '../../util/placeholder.js';
import { defineProbe } from '../types.js';
import { int } from '../params.js';

const params = z.strictObject({
  vars: z
    .array(z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'expected a variable name such as DATABASE_URL'))
    .min(1, 'name at least one variable')
    .describe('Variables that must be set and not a placeholder.'),
  pattern: z.string().optional().describe('A regular expression every value must match (`^sk_live_`).'),
  min_length: int().optional().describe('Every value must be at least this many characters long.'),
  min_entropy: int()
    .optional()
    .describe(
      'Every value must have at least this many bits of Shannon entropy (length × bits per character); 128 ≈ 32 random hex digits.',
    ),
  equals: z
    .union([z.string(), z.number(), z.boolean()])
    .transform(String)
    .optional()
    .describe('Every value must equal this (case-insensitive for true/false).'),
  forbid: z
    .array(z.string())
    .optional()
    .describe('Values that must not appear, as the whole value or as one item of a comma-separated list (`*` for CORS).'),
  allow_placeholders: z.boolean().default(false).describe('Accept placeholder-looking values. Default false.'),
});

/** Checks environment variables without ever reporting their values. */
export default defineProbe({
  kind: 'env',
  summary: 'Environment variables are set, are not placeholders and match the rules given (values are never shown).',
  docs: 'https://12factor.net/config',
  params,
  example: { vars: ['DATABASE_URL'] },
  observations: {
    set: 'names that have a value',
    missing: 'names that are unset or empty',
    placeholders: 'names whose value looks like a template placeholder (your_key, sk_live_..., changeme)',
    mismatched: 'names whose value breaks pattern, min_length, min_entropy, equals or forbid',
  },
  defaultCheck: 'every variable is set, none is a placeholder, none is mismatched',
  async run(p, ctx) {
    const set: string[] = [];
    const missing: string[] = [];
    const placeholders: string[] = [];
    const mismatched: string[] = [];
    const problems: string[] = [];
    let pattern: RegExp | undefined;
    if (p.pattern !== undefined) {
      try {
        pattern = new RegExp(p.pattern);
      } catch (e) {
        throw new Error(`invalid pattern ${p.pattern}: ${(e as Error).message}`);
      }
    }
    for (const name of p.vars) {
      const value = ctx.lookup(name);
      if (value === undefined || value === '') {
        missing.push(name);
        problems.push(`${name} is not set`);
        continue;
      }
      set.push(name);
      if (!p.allow_placeholders && isPlaceholder(value)) {
        placeholders.push(name);
        problems.push(`${name} looks like a placeholder, not a real value`);
        continue;
      }
      const why = mismatch(value, p, pattern);
      if (why) {
        mismatched.push(name);
        problems.push(`${name} ${why}`);
      }
    }
    return {
      observations: { set, missing, placeholders, mismatched },
      problems,
      summary: `${set.length} of ${p.vars.length} set`,
    };
  },
});

function mismatch(value: string, p: z.output<typeof params>, pattern: RegExp | undefined): string | undefined {
  if (pattern && !pattern.test(value)) return `does not match /${p.pattern}/`;
  if (p.min_length !== undefined && value.length < p.min_length) {
    return `is shorter than ${p.min_length} characters (${value.length})`;
  }
  if (p.min_entropy !== undefined && entropyBits(value) < p.min_entropy) {
    return `does not look random enough (about ${Math.round(entropyBits(value))} bits of entropy, needs ${p.min_entropy})`;
  }
  if (p.equals !== undefined) {
    const same = /^(true|false)$/i.test(p.equals) ? value.toLowerCase() === p.equals.toLowerCase() : value === p.equals;
    if (!same) return `is not ${JSON.stringify(p.equals)}`;
  }
  if (p.forbid) {
    const parts = [value.trim(), ...value.split(',').map((s) => s.trim())];
    const hit = p.forbid.find((f) => parts.includes(f));
    if (hit !== undefined) return `contains the forbidden value ${JSON.stringify(hit)}`;
  }
  return undefined;
}
