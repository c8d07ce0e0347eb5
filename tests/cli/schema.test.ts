import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import AjvModule from 'ajv';
import { parse } from 'yaml';
import { describe, expect, it } from 'vitest';
import { renderChecklistJsonSchema, SCHEMA_PATH } from '../../src/checklist/json-schema.js';
import { parseChecklist } from '../../src/checklist/load.js';
import { describeParams } from '../../src/commands/probes.js';
import { getProbe, probeKinds } from '../../src/probes/index.js';
import { REPO_ROOT, runCli } from '../support/cli.js';

const Ajv = AjvModule.default;
const BUNDLED = ['pre', 'deploy', 'rollback', 'post'];
const committed = readFileSync(join(REPO_ROOT, SCHEMA_PATH), 'utf8');
const schema = JSON.parse(committed) as {
  $schema: string;
  definitions: Record<string, { properties: Record<string, { description?: string; default?: unknown; enum?: string[] }> }>;
};
const validate = new Ajv({ allErrors: true, strict: true, strictRequired: false, allowUnionTypes: true }).compile(schema);

/** What an editor says about a YAML document: the schema errors, as `path message`. */
function editorErrors(yaml: string): string[] {
  validate(parse(yaml));
  return (validate.errors ?? []).map((e) => `${e.instancePath} ${e.message}`);
}

function loaderAccepts(yaml: string, env: Record<string, string> = {}): boolean {
  try {
    parseChecklist(yaml, 'test.yaml', { env });
    return true;
  } catch {
    return false;
  }
}

const checklist = (item: string): string =>
  `id: t\ntitle: T\nsections:\n  - id: s\n    title: S\n    items:\n${item.replace(/^/gm, '      ')}\n`;

describe('the checklist JSON Schema for editors', () => {
  it('is committed exactly as `sfdeploy schema` generates it now (run `npm run schema` when this fails)', async () => {
    expect(committed, `${SCHEMA_PATH} is stale: run npm run schema`).toBe(renderChecklistJsonSchema());
    const r = await runCli(['schema']);
    expect(r.code).toBe(0);
    expect(r.stdout).toBe(committed);
  });

  it('is draft-07 and accepts every bundled checklist, each of which points yaml-language-server at it', () => {
    expect(schema.$schema).toBe('http://json-schema.org/draft-07/schema#');
    for (const name of BUNDLED) {
      const text = readFileSync(join(REPO_ROOT, 'checklists', `${name}.yaml`), 'utf8');
      expect(text.split('\n')[0], name).toBe('# yaml-language-server: $schema=../schema/checklist.schema.json');
      expect(editorErrors(text), name).toEqual([]);
    }
  });

  it('offers every registered probe kind with its parameters, descriptions and defaults', () => {
    expect(schema.definitions.probe!.properties.kind!.enum).toEqual(probeKinds());
    for (const kind of probeKinds()) {
      const props = schema.definitions[`probe-${kind}`]?.properties;
      expect(props, kind).toBeDefined();
      expect(Object.keys(props!)).toEqual(expect.arrayContaining(['kind', 'expect']));
      for (const param of describeParams(getProbe(kind)!)) {
        expect(props![param.name], `${kind}.${param.name}`).toBeDefined();
        expect(props![param.name]!.description ?? '', `${kind}.${param.name}`).toBe(param.description);
        if (param.default !== undefined) expect(props![param.name]!.default, `${kind}.${param.name} default`).toEqual(param.default);
      }
    }
    expect(schema.definitions['probe-http']!.properties.follow_redirects!.default).toBe(false);
    expect(schema.definitions['probe-http']!.properties.max_redirects!.default).toBe(5);
  });

  it('accepts ${VAR} references where a probe expects a number or boolean, as the loader does', () => {
    const yaml = checklist(
      `- id: a\n  title: A\n  probe:\n    kind: http\n    url: \${BASE}/health\n    max_redirects: \${MAX_REDIRECTS}\n    follow_redirects: "\${FOLLOW:-false}"\n- id: b\n  title: B\n  probe:\n    kind: env\n    vars: [JWT_SECRET_KEY]\n    min_length: \${MIN_LENGTH}`,
    );
    expect(editorErrors(yaml)).toEqual([]);
    expect(loaderAccepts(yaml, { BASE: 'http://127.0.0.1:1', MAX_REDIRECTS: '3', MIN_LENGTH: '32' })).toBe(true);
  });

  it.each([
    [
      'a misspelt item key',
      `- id: a\n  title: A\n  severty: high\n  manual: { instructions: x }`,
      '/sections/0/items/0 must NOT have additional properties',
    ],
    [
      'a misspelt probe parameter',
      `- id: a\n  title: A\n  probe: { kind: http, urll: "http://127.0.0.1" }`,
      '/sections/0/items/0/probe must NOT have additional properties',
    ],
    [
      'an unknown probe kind',
      `- id: a\n  title: A\n  probe: { kind: htttp, url: "http://127.0.0.1" }`,
      '/sections/0/items/0/probe/kind must be equal to one of the allowed values',
    ],
    [
      'a number parameter that is neither a number nor a variable',
      `- id: a\n  title: A\n  probe: { kind: http, url: "http://127.0.0.1", max_redirects: many }`,
      '/sections/0/items/0/probe/max_redirects must be integer',
    ],
    [
      'an item with both probe and manual',
      `- id: a\n  title: A\n  probe: { kind: http, url: "http://127.0.0.1" }\n  manual: { instructions: x }`,
      '/sections/0/items/0 must match exactly one schema in oneOf',
    ],
    [
      'an item id that is not kebab-case',
      `- id: Not_Kebab\n  title: A\n  manual: { instructions: x }`,
      '/sections/0/items/0/id must match pattern "^[a-z0-9]+(?:-[a-z0-9]+)*$"',
    ],
  ])('flags %s, which the loader also rejects', (_what, item, error) => {
    const yaml = checklist(item);
    expect(editorErrors(yaml)).toContain(error);
    expect(loaderAccepts(yaml)).toBe(false);
  });

  it('describes the watch schedule and rejects a phase without `every`', () => {
    const ok = `${checklist('- id: a\n  title: A\n  manual: { instructions: x }')}schedule:\n  - { title: Hours 1-4, for: 4h, every: 5m }\n  - { for: 8h, every: 15m, only: ["section:s"] }\n`;
    expect(editorErrors(ok)).toEqual([]);
    expect(loaderAccepts(ok)).toBe(true);
    const bad = `${checklist('- id: a\n  title: A\n  manual: { instructions: x }')}schedule:\n  - { for: 4h }\n`;
    expect(editorErrors(bad)).toContain("/schedule/0 must have required property 'every'");
    expect(loaderAccepts(bad)).toBe(false);
  });
});
