import { z } from 'zod';
import { duration, timerDuration } from '../probes/params.js';

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
  delay: timerDuration().default(0),
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
    timeout: timerDuration().optional().describe("Default 10s (or the checklist's `defaults.timeout`)."),
    retry: retrySchema.optional(),
    expires_after: duration().optional().describe('Sign-offs older than this no longer count (manual items).'),
    probe: probeSchema.optional(),
    manual: manualSchema.optional(),
  })
  .superRefine((item, ctx) => {
    if (item.probe && item.manual) ctx.addIssue({ code: 'custom', message: 'an item has either probe: or manual:, not both' });
    if (!item.probe && !item.manual) ctx.addIssue({ code: 'custom', message: 'an item needs a probe: or a manual: block' });
  });

/**
 * The two-person rule of a section: `true` binds its required (non-optional) manual items; `{ items: [...] }` binds
 * exactly the named manual items of the section. No one person may sign two items the rule binds.
 */
export const distinctSignersSchema = z
  .union([
    z.boolean(),
    z.strictObject({
      items: z.array(idSchema).min(2, 'a two-person rule binds at least two items').describe('The manual items of this section it binds.'),
    }),
  ])
  .default(false)
  .describe(
    'Two-person rule: `true` — one person may not sign two required manual items of this section (optional items are not bound); `{ items: [a, b] }` — binds exactly these items.',
  );

export const sectionSchema = z
  .strictObject({
    id: idSchema,
    title: z.string({ error: 'expected a title' }).min(1),
    description: z.string().optional(),
    distinct_signers: distinctSignersSchema,
    items: z.array(itemSchema, { error: 'expected a list of items' }).min(1, 'a section needs at least one item'),
  })
  .superRefine((section, ctx) => {
    const rule = section.distinct_signers;
    if (typeof rule !== 'object') return;
    rule.items.forEach((id, i) => {
      const item = section.items.find((it) => it.id === id);
      if (!item || !item.manual) {
        ctx.addIssue({
          code: 'custom',
          path: ['distinct_signers', 'items', i],
          message: item
            ? `${id} is an automated item: a two-person rule binds manual items`
            : `${id} is not an item of section ${section.id}`,
        });
      }
    });
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
  waives: z
    .union([z.literal(true), z.array(z.string().min(1)).min(1)])
    .optional()
    .describe(
      'This role may waive failing automated items (`sfdeploy waive`): `true` for any, or a list of item ids, `section:ID` and `tag:NAME`.',
    ),
});

/**
 * Signed sign-offs (docs/signoff.md): the OpenSSH `allowed_signers` file mapping principals (emails) to keys. When
 * set, a role with `signers` counts only sign-offs signed (`ssh-keygen -Y sign -n sfdeploy`) by the key of one of
 * them; `required: true` asks a valid signature of every sign-off, whatever its role.
 */
export const signaturesSchema = z.strictObject({
  allowed_signers: z
    .string()
    .min(1)
    .describe('OpenSSH allowed_signers file (`ana@example.com ssh-ed25519 AAAA…`), relative to the checklist file.'),
  required: z.boolean().default(false).describe('Every sign-off must carry a valid signature, not only those of roles with signers.'),
});

/** One monitoring phase of `sfdeploy watch`: a run every `every`, for `for`. */
export const schedulePhaseSchema = z.strictObject({
  title: z.string().min(1).optional().describe('Shown when the phase starts, such as "Hours 1-4 (critical monitoring)".'),
  for: timerDuration().describe('How long the phase lasts, such as 4h.'),
  every: timerDuration()
    .refine((ms) => ms >= 1000, 'expected at least 1s between runs')
    .describe('Time from the start of one run to the start of the next, such as 5m.'),
  only: z.array(z.string().min(1)).optional().describe('Run only these items in this phase: item ids, section:ID or tag:NAME.'),
});

/** Formats of a notification webhook: Slack incoming webhook, Microsoft Teams (Workflows), or sfdeploy's JSON run summary. */
export const NOTIFY_FORMATS = ['slack', 'teams', 'json'] as const;
/** What a notification is sent for. */
export const NOTIFY_EVENTS = ['failed', 'pending', 'red', 'recovered', 'watch-end'] as const;

/** One webhook that hears about the gate (see docs/reports.md). Delivery never changes the gate. */
export const notifyTargetSchema = z.strictObject({
  url: z
    .string({ error: 'expected a webhook URL such as ${SLACK_WEBHOOK_URL}' })
    .min(1)
    .describe('The webhook URL, usually `${SLACK_WEBHOOK_URL}`. It is a secret: masked in every output.'),
  format: z
    .enum(NOTIFY_FORMATS)
    .optional()
    .describe('slack, teams or json. Default: slack for hooks.slack.com, teams for Teams/Power Automate hosts, else json.'),
  on: z
    .array(z.enum(NOTIFY_EVENTS))
    .min(1)
    .optional()
    .describe('Events to send: failed, pending (only sign-offs left), red and recovered (watch runs), watch-end. Default all.'),
  timeout: duration()
    .refine((ms) => ms >= 100 && ms <= 60_000, 'expected a timeout between 100ms and 60s')
    .default(5000)
    .describe('Time allowed for each of the two attempts. Default 5s.'),
});

/** The checklist's keys, without the checks across them (`checklistSchema`): the JSON Schema extends this. */
export const checklistObjectSchema = z.strictObject({
  $schema: z.string().optional(),
  id: idSchema,
  title: z.string({ error: 'expected a title' }).min(1),
  description: z.string().optional(),
  vars: z
    .record(z.string().regex(VAR_NAME, 'expected a variable name'), varSchema)
    .default({})
    .describe('Variables the checklist reads, with defaults and aliases.'),
  roles: z.record(idSchema, roleSchema).default({}),
  signatures: signaturesSchema.optional(),
  defaults: z
    .strictObject({
      timeout: timerDuration().optional(),
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
  notify: z
    .array(notifyTargetSchema)
    .optional()
    .describe('Webhooks told when the gate fails, sign-offs wait, a watch run turns red or recovers, and a watch ends.'),
});

export const checklistSchema = checklistObjectSchema.superRefine((checklist, ctx) => {
  const items = checklist.sections.flatMap((s) => s.items.map((it) => ({ ...it, section: s.id })));
  for (const [roleId, role] of Object.entries(checklist.roles)) {
    if (!Array.isArray(role.waives)) continue;
    role.waives.forEach((selector, i) => {
      const [prefix, rest] = selector.includes(':') ? (selector.split(/:(.*)/s) as [string, string]) : ['', selector];
      const matched =
        prefix === 'section'
          ? items.filter((it) => it.section === rest)
          : prefix === 'tag'
            ? items.filter((it) => it.tags.includes(rest))
            : prefix === ''
              ? items.filter((it) => it.id === rest)
              : undefined;
      const message = !matched
        ? `unknown selector "${selector}": use an item id, section:ID or tag:NAME`
        : !matched.some((it) => it.probe)
          ? `"${selector}" matches no automated item: only automated items are waived`
          : undefined;
      if (message) ctx.addIssue({ code: 'custom', path: ['roles', roleId, 'waives', i], message });
    });
  }
});

export type ChecklistDefinition = z.output<typeof checklistSchema>;
export type ItemDefinition = z.output<typeof itemSchema>;
export type Severity = (typeof SEVERITIES)[number];
export type NotifyFormat = (typeof NOTIFY_FORMATS)[number];
export type NotifyEvent = (typeof NOTIFY_EVENTS)[number];

/** `environments.<name>`: what changes when `--environment <name>` (or the config's `environment`) is given. */
export const environmentOverlaySchema = z.strictObject({
  vars: z
    .record(z.string().regex(VAR_NAME, 'expected a variable name'), varSchema)
    .optional()
    .describe("Declarations merged over the checklist's `vars` in this environment (a staging default, another alias)."),
  skip: z
    .array(z.string().min(1))
    .optional()
    .describe('Items skipped in this environment: item ids, section:ID or tag:NAME (like --skip).'),
});

/**
 * The keys that compose a checklist from others. `extends` and `include` name a bundled checklist
 * (`sfdeploy:pre`) or a file relative to this one; `override` changes items by id, `drop` removes them with a reason.
 */
export const compositionSchema = z.object({
  extends: z
    .string({ error: 'expected one checklist: sfdeploy:pre or a path such as ./base.yaml' })
    .min(1)
    .optional()
    .describe(
      'Start from this checklist (`sfdeploy:pre`, `sfdeploy:post`, or a path relative to this file): its settings, sections and items.',
    ),
  include: z
    .array(z.string({ error: 'expected a checklist: sfdeploy:NAME or a path' }).min(1), { error: 'expected a list of checklists' })
    .optional()
    .describe("Append these checklists' sections (and merge their vars and roles), in order, after `extends`."),
  override: z
    .record(idSchema, z.record(z.string(), z.unknown(), { error: 'expected the item keys to change, such as { timeout: 30s }' }), {
      error: 'expected a mapping of item id to the keys to change',
    })
    .optional()
    .describe(
      'Change inherited items by id: the keys given replace the inherited ones (`probe:` and `manual:` keys are merged one level deep).',
    ),
  drop: z
    .record(idSchema, z.string({ error: 'expected the reason the item is dropped' }).min(1, 'give the reason the item is dropped'), {
      error: 'expected a mapping of item id to the reason it is dropped',
    })
    .optional()
    .describe('Remove inherited items by id; the value is the reason, kept in the checklist for reviewers.'),
  environments: z
    .record(idSchema, environmentOverlaySchema, { error: 'expected a mapping of environment name to { vars, skip }' })
    .optional()
    .describe('Per-environment overlays, chosen with --environment (or `environment` in sfdeploy.config.yaml).'),
});

export const COMPOSITION_KEYS = Object.keys(compositionSchema.shape) as (keyof typeof compositionSchema.shape)[];
