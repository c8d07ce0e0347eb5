import { z } from 'zod';
import { duration } from '../probes/params.js';

const KEBAB = /^[a-z0-9]+(?:-[a-z0-9]+)*$/;
const VAR_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** A stable kebab-case id: sign-offs and CI refer to it. */
export const idSchema = z
  .string({ error: 'expected a kebab-case id such as db-reachable' })
  .regex(KEBAB, 'expected a kebab-case id such as db-reachable (lowercase letters, digits and dashes)');

export const SEVERITIES = ['critical', 'high', 'medium', 'low'] as const;

/** `probe:` of an item. Its other keys are the probe's parameters, validated by the probe's own schema. */
export const probeSchema = z.looseObject({
  kind: z
    .string({ error: 'expected a probe kind such as http, env, command, file' })
    .describe('The probe kind (`sfdeploy probes` lists them).'),
  expect: z
    .array(z.string({ error: 'expected a condition such as status == 200' }))
    .min(1, 'an empty expect list checks nothing: remove it to use the built-in check, or add a condition')
    .optional()
    .describe("Conditions that must all hold: `<observation> <op> <value>`. Omit it to use the probe's built-in check."),
});

/** `manual:` of an item: what a human confirms. */
export const manualSchema = z.strictObject({
  instructions: z
    .string({ error: 'expected the instructions an approver follows' })
    .min(1)
    .optional()
    .describe('What the approver must check before confirming; omit it when the title says it all.'),
  commands: z.array(z.string()).optional().describe('Commands the approver runs (shown, never executed).'),
  links: z.array(z.string()).optional().describe('Links to dashboards, runbooks, tickets.'),
  roles: z.array(idSchema).optional().describe("Roles that may sign this item (declared under the checklist's `roles`)."),
  evidence: z.enum(['optional', 'required']).default('optional').describe('`required`: a note or URL is mandatory when confirming.'),
});

/** Retry policy: `attempts` in all (1 = no retry), `delay` between attempts. */
export const retrySchema = z.strictObject({
  attempts: z.int().min(1).max(20).default(1),
  delay: duration().default(0),
});

export const itemSchema = z
  .strictObject({
    id: idSchema.describe('Unique in the checklist, kebab-case, stable.'),
    title: z.string({ error: 'expected a title' }).min(1),
    description: z.string().optional().describe('Longer text, shown on failure.'),
    severity: z.enum(SEVERITIES).default('high').describe('Default `high`.'),
    optional: z.boolean().default(false).describe('A failure of an optional item is a `warn` and does not block the gate. Default false.'),
    tags: z.array(z.string()).default([]),
    needs: z.array(idSchema).default([]).describe('Run only if these items passed or were signed; otherwise skip, naming the dependency.'),
    when: z.string().optional().describe('Skip unless this expands to a non-empty value (`false`, `0`, `no`, `off` count as empty).'),
    timeout: duration().optional().describe("Default 10s (or the checklist's `defaults.timeout`)."),
    retry: retrySchema.optional(),
    expires_after: duration().optional().describe('Sign-offs older than this no longer count (manual items).'),
    probe: probeSchema.optional(),
    manual: manualSchema.optional(),
  })
  .superRefine((item, ctx) => {
    if (item.probe && item.manual) ctx.addIssue({ code: 'custom', message: 'an item has either probe: or manual:, not both' });
    if (!item.probe && !item.manual) ctx.addIssue({ code: 'custom', message: 'an item needs a probe: or a manual: block' });
  });

export const sectionSchema = z.strictObject({
  id: idSchema,
  title: z.string({ error: 'expected a title' }).min(1),
  description: z.string().optional(),
  distinct_signers: z.boolean().default(false).describe('One person may not sign two items of this section (two-person rule).'),
  items: z.array(itemSchema, { error: 'expected a list of items' }).min(1, 'a section needs at least one item'),
});

/** A variable the checklist reads: default, aliases, whether it is secret. */
export const varSchema = z.strictObject({
  default: z.union([z.string(), z.number(), z.boolean()]).transform(String).optional(),
  from: z
    .array(z.string().regex(VAR_NAME, 'expected a variable name'))
    .optional()
    .describe('Other names to read the value from, in order, when the variable itself is unset (`SECRET_KEY` for `JWT_SECRET_KEY`).'),
  secret: z.boolean().optional().describe("Mask this variable's value everywhere."),
  description: z.string().optional(),
});

export const roleSchema = z.strictObject({
  title: z.string().min(1),
  signers: z.array(z.string()).optional().describe('Only these signers (email or name) may sign as this role.'),
});

/** One monitoring phase of `sfdeploy watch`: a run every `every`, for `for`. */
export const schedulePhaseSchema = z.strictObject({
  title: z.string().min(1).optional().describe('Shown when the phase starts, such as "Hours 1-4 (critical monitoring)".'),
  for: duration().describe('How long the phase lasts, such as 4h.'),
  every: duration()
    .refine((ms) => ms >= 1000, 'expected at least 1s between runs')
    .describe('Time from the start of one run to the start of the next, such as 5m.'),
  only: z.array(z.string().min(1)).optional().describe('Run only these items in this phase: item ids, section:ID or tag:NAME.'),
});

export const checklistSchema = z.strictObject({
  $schema: z.string().optional(),
  id: idSchema,
  title: z.string({ error: 'expected a title' }).min(1),
  description: z.string().optional(),
  vars: z
    .record(z.string().regex(VAR_NAME, 'expected a variable name'), varSchema)
    .default({})
    .describe('Variables the checklist reads, with defaults and aliases.'),
  roles: z.record(idSchema, roleSchema).default({}),
  defaults: z
    .strictObject({
      timeout: duration().optional(),
      retry: retrySchema.optional(),
      expires_after: duration().optional(),
    })
    .default({}),
  sections: z.array(sectionSchema, { error: 'expected a list of sections' }).min(1, 'a checklist needs at least one section'),
  schedule: z
    .array(schedulePhaseSchema)
    .min(1)
    .optional()
    .describe('Monitoring phases `sfdeploy watch` follows, in order: `[{ for: 4h, every: 5m }, { for: 8h, every: 15m }]`.'),
});

export type ChecklistDefinition = z.output<typeof checklistSchema>;
export type ItemDefinition = z.output<typeof itemSchema>;
export type Severity = (typeof SEVERITIES)[number];
