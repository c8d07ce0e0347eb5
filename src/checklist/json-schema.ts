import { z } from 'zod';
import { getProbe, probeKinds } from '../probes/index.js';
import type { Probe } from '../probes/types.js';
import { checklistSchema, itemSchema, probeSchema } from './schema.js';
import { declaredDefault } from '../util/zod-defaults.js';

type Json = Record<string, unknown>;

/** Where the committed schema lives, relative to the package root; `npm run schema` regenerates it. */
export const SCHEMA_PATH = 'schema/checklist.schema.json';

/** `${NAME}` or `${NAME:-default}` anywhere in a string. */
const VARIABLE_PATTERN = '\\$\\{[A-Za-z_][A-Za-z0-9_]*(?::-[^}]*)?\\}';
const VARIABLE_REF = { $ref: '#/definitions/variable-reference' };
const ANNOTATIONS = ['title', 'description', 'default', 'examples', 'deprecated'] as const;

const toJson = (schema: z.ZodType): Json =>
  z.toJSONSchema(schema, {
    target: 'draft-7',
    io: 'input',
    unrepresentable: 'any',
    override: (ctx) => {
      fillDefault(ctx.zodSchema as unknown as z.ZodType, ctx.jsonSchema);
      if ((ctx.zodSchema as unknown) === probeSchema) replaceWith(ctx.jsonSchema, { $ref: '#/definitions/probe' });
      if ((ctx.zodSchema as unknown) === itemSchema) {
        (ctx.jsonSchema as Json).oneOf = [
          { required: ['probe'], title: 'an automated item (probe:)' },
          { required: ['manual'], title: 'a manual item (manual:)' },
        ];
      }
    },
  });

/**
 * The JSON Schema (draft-07) of a checklist file, for editors (yaml-language-server): generated from the zod
 * model, with `probe:` a choice over every registered probe kind and that probe's parameters, descriptions and
 * defaults. Probe parameters also accept `${VAR}` references, which are expanded before they are checked.
 */
export function buildChecklistJsonSchema(): Json {
  const root = toJson(checklistSchema);
  const properties = root.properties as Record<string, Json>;
  properties.$schema = { type: 'string', description: 'The JSON Schema editors validate this file with.' };
  const kinds = probeKinds();
  const definitions: Record<string, Json> = {
    probe: {
      title: 'probe',
      description: `An automated check. \`kind\` picks the probe (${kinds.join(', ')}); its other keys are that probe's parameters. \`sfdeploy probes <kind>\` documents each.`,
      type: 'object',
      required: ['kind'],
      properties: { kind: { type: 'string', enum: kinds, description: 'The probe kind.' } },
      oneOf: kinds.map((k) => ({ $ref: `#/definitions/probe-${k}` })),
    },
  };
  for (const kind of kinds) definitions[`probe-${kind}`] = probeDefinition(getProbe(kind)!);
  definitions['variable-reference'] = {
    type: 'string',
    pattern: VARIABLE_PATTERN,
    description: 'A ${VAR} or ${VAR:-default} reference: expanded from the environment and `vars:` before the value is checked.',
  };
  const tidy = stripSafeIntegerBounds(root) as Json;
  delete tidy.$schema;
  return {
    $schema: 'http://json-schema.org/draft-07/schema#',
    title: 'sfdeploy checklist',
    description: 'A deployment checklist run by sfdeploy. Generated from the zod model by `sfdeploy schema`; do not edit.',
    ...tidy,
    definitions: { ...(tidy.definitions ?? {}), ...(stripSafeIntegerBounds(definitions) as Json) },
  };
}

/** The schema as committed: two-space JSON with a final newline. */
export function renderChecklistJsonSchema(): string {
  return `${JSON.stringify(buildChecklistJsonSchema(), null, 2)}\n`;
}

function probeDefinition(probe: Probe): Json {
  const params = toJson(probe.params);
  delete params.$schema;
  const observations = Object.keys(probe.observations).join(', ');
  const kind = { const: probe.kind, description: probe.summary };
  const expect = {
    type: 'array',
    minItems: 1,
    items: { type: 'string' },
    description: `Conditions that must all hold, \`<observation> <op> <value>\`. This probe observes: ${observations}. Without expect: ${probe.defaultCheck}.`,
  };
  const description = `${probe.summary}${probe.docs ? ` ${probe.docs}` : ''}`;
  if (params.type === 'object' && params.properties && typeof params.properties === 'object') {
    const props = params.properties as Record<string, Json>;
    for (const [k, v] of Object.entries(props)) props[k] = allowVariables(v);
    return {
      title: `${probe.kind} probe`,
      description,
      ...params,
      properties: { kind, ...props, expect },
      required: ['kind', ...((params.required as string[] | undefined) ?? [])],
      additionalProperties: false,
    };
  }
  return {
    title: `${probe.kind} probe`,
    description,
    type: 'object',
    required: ['kind'],
    properties: { kind, expect },
    allOf: [allowVariables(params)],
  };
}

/**
 * Lets a parameter be a `${VAR}` string wherever the probe takes a restricted string, as the number and boolean
 * helpers do (`port: ${DB_PORT}`): the value is expanded before it is checked.
 */
function allowVariables(node: Json): Json {
  if (node.$ref) return node;
  if (node.properties && typeof node.properties === 'object') {
    const props = node.properties as Record<string, Json>;
    node.properties = Object.fromEntries(Object.entries(props).map(([k, v]) => [k, allowVariables(v)]));
  }
  if (node.additionalProperties && typeof node.additionalProperties === 'object')
    node.additionalProperties = allowVariables(node.additionalProperties as Json);
  if (node.items && typeof node.items === 'object' && !Array.isArray(node.items)) node.items = allowVariables(node.items as Json);
  const branches = (node.anyOf ?? node.oneOf) as Json[] | undefined;
  if (branches) {
    if (branches.some(acceptsAnyString) || !branches.some(restrictsString)) return node;
    const key = node.anyOf ? 'anyOf' : 'oneOf';
    const structural = (b: Json): boolean =>
      b.properties !== undefined || b.items !== undefined || typeof b.additionalProperties === 'object';
    return { ...node, [key]: [...branches.map((b) => (structural(b) ? allowVariables(b) : b)), VARIABLE_REF] };
  }
  if (!restrictsString(node)) return node;
  const annotations: Json = {};
  const rest: Json = {};
  for (const [k, v] of Object.entries(node)) {
    if ((ANNOTATIONS as readonly string[]).includes(k)) annotations[k] = v;
    else rest[k] = v;
  }
  return { ...annotations, anyOf: [rest, VARIABLE_REF] };
}

function acceptsAnyString(node: Json): boolean {
  const types = Array.isArray(node.type) ? node.type : [node.type];
  return (
    types.includes('string') &&
    node.pattern === undefined &&
    node.enum === undefined &&
    node.const === undefined &&
    node.format === undefined
  );
}

/**
 * A string the value of a `${VAR}` could satisfy but its literal text cannot: a pattern, format or enum.
 * Only strings: `${VAR}` expands to text, so where a parameter accepts no string at all it fails at run time too.
 */
function restrictsString(node: Json): boolean {
  if (Array.isArray(node.enum)) return node.enum.some((v) => typeof v === 'string');
  if (node.const !== undefined) return typeof node.const === 'string';
  const types = (Array.isArray(node.type) ? node.type : [node.type]) as unknown[];
  return types.includes('string') && !acceptsAnyString(node);
}

/** zod leaves defaults of transformed values (`bool().default(false)`) out of input schemas: put them back. */
function fillDefault(schema: z.ZodType, json: Json): void {
  if (!(schema instanceof z.ZodDefault) || json.default !== undefined) return;
  const value = declaredDefault(schema);
  if (value === undefined || typeof value === 'function') return;
  if (!z.safeParse(schema.def.innerType, value).success) return;
  json.default = value;
}

function replaceWith(target: Json, value: Json): void {
  for (const k of Object.keys(target)) delete target[k];
  Object.assign(target, value);
}

function stripSafeIntegerBounds(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(stripSafeIntegerBounds);
  if (!value || typeof value !== 'object') return value;
  const out: Json = {};
  for (const [k, v] of Object.entries(value as Json)) {
    if ((k === 'minimum' && v === Number.MIN_SAFE_INTEGER) || (k === 'maximum' && v === Number.MAX_SAFE_INTEGER)) continue;
    out[k] = stripSafeIntegerBounds(v);
  }
  return out;
}
