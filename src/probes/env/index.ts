import { z } from 'zod';
import type { VarReading } from '../../util/env.js';
import { entropyBits, placeholderReason } from '../../util/placeholder.js';
import { defineProbe } from '../types.js';
import { bool, int } from '../params.js';
import { RegexSyntaxError, SafeRegex } from '../../util/regex.js';
import { parseSettingsBool, parseSettingsList } from './settings.js';

const params = z.strictObject({
  vars: z
    .array(z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'expected a variable name such as DATABASE_URL'))
    .min(1, 'name at least one variable')
    .describe(
      'Variables that must be set and not a placeholder. A variable declared with `from:` aliases is checked under every name that is set.',
    ),
  pattern: z
    .string()
    .transform((source, ctx) => {
      try {
        return new SafeRegex(source);
      } catch (e) {
        if (!(e instanceof RegexSyntaxError)) throw e;
        ctx.addIssue({ code: 'custom', message: `invalid regex /${source}/: ${e.message}` });
        return z.NEVER;
      }
    })
    .optional()
    .describe(
      'A regular expression every value (every item, with `list`) must match (`^sk_live_`), in the RE2 dialect (no backreferences or lookaround).',
    ),
  list: bool()
    .default(false)
    .describe(
      'The value is a list setting, read as pydantic-settings reads one: a JSON array (`["https://a.com"]`) or comma-separated; pattern, min_length and forbid apply to every item. Default false.',
    ),
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
    .describe(
      'Every value must equal this. `true`/`false` compare as booleans the way pydantic parses them (0/1, true/false, yes/no, on/off, t/f, y/n, any case).',
    ),
  forbid: z
    .array(z.string())
    .optional()
    .describe(
      'Values that must not appear, as the whole value or as one item of a list (JSON array or comma-separated: `*` for CORS and ALLOWED_HOSTS).',
    ),
  allow_placeholders: z.boolean().default(false).describe('Accept placeholder-looking values. Default false.'),
});

type EnvParams = z.output<typeof params>;

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
    'read.*': 'for each variable, the names its values were read under (itself and the `from:` aliases that are set)',
  },
  defaultCheck: 'every variable is set, none is a placeholder, none is mismatched (under every name it is set under)',
  async run(p, ctx) {
    const set: string[] = [];
    const missing: string[] = [];
    const placeholders: string[] = [];
    const mismatched: string[] = [];
    const problems: string[] = [];
    const read: Record<string, string[]> = {};
    for (const name of p.vars) {
      const readings: VarReading[] = ctx.lookupAll
        ? ctx.lookupAll(name)
        : [{ source: name, value: ctx.lookup(name) ?? '' }].filter((r) => r.value !== '');
      if (!readings.length) {
        missing.push(name);
        problems.push(ctx.unsetBecause?.(name) ?? `${name} is not set`);
        continue;
      }
      set.push(name);
      read[name] = readings.map((r) => r.source);
      let isPlaceholder = false;
      let isMismatched = false;
      for (const r of readings) {
        const label = r.source === name ? name : `${r.source} (read as ${name})`;
        const why = p.allow_placeholders ? undefined : placeholderReason(r.value);
        if (why) {
          isPlaceholder = true;
          problems.push(`${label} ${why}, not a real value`);
          continue;
        }
        const bad = mismatch(r.value, p);
        if (bad) {
          isMismatched = true;
          problems.push(`${label} ${bad}`);
        }
      }
      if (isPlaceholder) placeholders.push(name);
      else if (isMismatched) mismatched.push(name);
    }
    return {
      observations: { set, missing, placeholders, mismatched, read },
      problems,
      summary: `${set.length} of ${p.vars.length} set`,
    };
  },
});

function mismatch(value: string, p: EnvParams): string | undefined {
  let items: string[] | undefined;
  if (p.list) {
    const parsed = parseSettingsList(value);
    if (!parsed.ok) return parsed.reason;
    items = parsed.items;
  }
  const each = items ?? [value];
  const pattern = p.pattern;
  if (pattern) {
    const bad = each.findIndex((v) => !pattern.test(v));
    if (bad >= 0)
      return items ? `item ${bad + 1} of ${items.length} does not match ${pattern.toString()}` : `does not match ${pattern.toString()}`;
  }
  if (p.min_length !== undefined) {
    const short = each.find((v) => v.length < p.min_length!);
    if (short !== undefined) return `is shorter than ${p.min_length} characters (${short.length})`;
  }
  if (p.min_entropy !== undefined && entropyBits(value) < p.min_entropy) {
    return `does not look random enough (about ${Math.round(entropyBits(value))} bits of entropy, needs ${p.min_entropy})`;
  }
  if (p.equals !== undefined) {
    if (/^(true|false)$/i.test(p.equals)) {
      const b = parseSettingsBool(value);
      if (b === undefined) return `is not a boolean pydantic accepts (0/1, true/false, yes/no, on/off)`;
      if (String(b) !== p.equals.toLowerCase()) return `is ${b}, not ${p.equals.toLowerCase()}`;
    } else if (value !== p.equals) return `is not ${JSON.stringify(p.equals)}`;
  }
  if (p.forbid) {
    const listed = parseSettingsList(value);
    const parts = new Set([value.trim(), ...value.split(',').map((s) => s.trim()), ...(listed.ok ? listed.items : [])]);
    const hit = p.forbid.find((f) => parts.has(f));
    if (hit !== undefined) return `contains the forbidden value ${JSON.stringify(hit)}`;
  }
  return undefined;
}
