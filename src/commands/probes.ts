import { Chalk } from 'chalk';
import { z } from 'zod';
import { UsageError } from '../errors.js';
import { getProbe, probeKinds } from '../probes/index.js';
import type { Probe } from '../probes/types.js';
import type { CommandIO } from './io.js';
import { declaredDefaults } from '../util/zod-defaults.js';

export interface ParamDoc {
  name: string;
  type: string;
  required: boolean;
  default?: unknown;
  description: string;
}

/** Parameters of a probe, read from its zod schema. */
export function describeParams(probe: Probe): ParamDoc[] {
  const schema = z.toJSONSchema(probe.params, { io: 'input', unrepresentable: 'any' }) as {
    properties?: Record<string, Record<string, unknown>>;
    required?: string[];
  };
  const required = new Set(schema.required ?? []);
  const defaults = declaredDefaults(probe.params);
  return Object.entries(schema.properties ?? {}).map(([name, p]) => {
    const def = p.default ?? defaults[name];
    return {
      name,
      type: typeName(p),
      required: required.has(name) && def === undefined,
      default: def,
      description: typeof p.description === 'string' ? p.description : '',
    };
  });
}

function typeName(p: Record<string, unknown>): string {
  if (Array.isArray(p.enum)) return p.enum.map((v) => JSON.stringify(v)).join('|');
  if (Array.isArray(p.anyOf)) {
    const types = [...new Set((p.anyOf as Record<string, unknown>[]).map(typeName))];
    const nonString = types.filter((t) => t !== 'string');
    return nonString.length ? nonString.join('|') : 'string';
  }
  if (p.type === 'array') return `list of ${typeName((p.items as Record<string, unknown>) ?? {})}`;
  if (p.type === 'object') return 'mapping';
  if (p.type === 'integer') return 'integer';
  if (typeof p.type === 'string') return p.type;
  return 'any';
}

/** `sfdeploy probes [kind]`: every probe kind, or one with its parameters, observations and default check. */
export async function probesCommand(kind: string | undefined, opts: { json: boolean }, io: CommandIO): Promise<number> {
  const c = new Chalk({ level: io.color ? 1 : 0 });
  const kinds = kind ? [kind] : probeKinds();
  const probes = kinds.map((k) => {
    const p = getProbe(k);
    if (!p) throw new UsageError(`unknown probe kind "${k}"; known kinds: ${probeKinds().join(', ')}`);
    return p;
  });
  if (opts.json) {
    const docs = probes.map((p) => ({
      kind: p.kind,
      summary: p.summary,
      docs: p.docs,
      params: describeParams(p),
      observations: p.observations,
      defaultCheck: p.defaultCheck,
    }));
    io.stdout.write(`${JSON.stringify(kind ? docs[0] : docs, null, 2)}\n`);
    return 0;
  }
  if (!kind) {
    const width = Math.max(...probes.map((p) => p.kind.length));
    for (const p of probes) io.stdout.write(`${c.bold(p.kind.padEnd(width))}  ${p.summary}\n`);
    io.stdout.write(c.dim(`\nsfdeploy probes <kind> shows a probe's parameters and observations.\n`));
    return 0;
  }
  const p = probes[0]!;
  const out: string[] = [`${c.bold(p.kind)} — ${p.summary}`];
  if (p.docs) out.push(c.dim(p.docs));
  out.push('', c.bold('Parameters'));
  const params = describeParams(p);
  const w = Math.max(...params.map((x) => x.name.length), 4);
  for (const x of params) {
    const flag = x.required ? c.yellow('required') : x.default !== undefined ? `default ${JSON.stringify(x.default)}` : 'optional';
    out.push(`  ${x.name.padEnd(w)}  ${c.cyan(x.type)}, ${flag}${x.description ? `\n  ${' '.repeat(w)}  ${c.dim(x.description)}` : ''}`);
  }
  out.push('', c.bold('Observations') + c.dim(' (for expect: conditions)'));
  const ow = Math.max(...Object.keys(p.observations).map((k) => k.length));
  for (const [k, d] of Object.entries(p.observations)) out.push(`  ${k.padEnd(ow)}  ${d}`);
  out.push('', `${c.bold('Default check')} (no expect:) ${p.defaultCheck}`);
  io.stdout.write(`${out.join('\n')}\n`);
  return 0;
}
