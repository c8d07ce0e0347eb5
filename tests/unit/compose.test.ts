import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { BUNDLED_CHECKLISTS_DIR } from '../../src/checklist/compose.js';
import { loadChecklistFile } from '../../src/checklist/load.js';
import type { LoadOptions } from '../../src/checklist/load.js';
import { ChecklistError, formatProblem } from '../../src/errors.js';

const dir = mkdtempSync(join(tmpdir(), 'sfdeploy-compose-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const write = (name: string, text: string): string => {
  const file = join(dir, name);
  writeFileSync(file, text);
  return file;
};
const load = (file: string, o: Partial<LoadOptions> = {}) => loadChecklistFile(file, { env: {}, ...o });
/** The problems of a checklist that does not load, as `file:line:col path: message` with the folder cut off. */
async function problems(file: string, o: Partial<LoadOptions> = {}): Promise<string[]> {
  try {
    await load(file, o);
  } catch (e) {
    if (!(e instanceof ChecklistError)) throw e;
    return e.problems.map((p) =>
      formatProblem({ ...p, file: p.file.replace(`${dir}/`, '') })
        .split(`${dir}/`)
        .join(''),
    );
  }
  throw new Error(`${file} loaded`);
}
/** 1-based line of the first line of `file` containing `text`. */
const lineOf = (file: string, text: string): number =>
  readFileSync(file, 'utf8')
    .split('\n')
    .findIndex((l) => l.includes(text)) + 1;

const base = write(
  'base.yaml',
  `id: base
title: Base
vars:
  API_URL: { secret: true, description: the API }
sections:
  - id: base
    title: Base
    items:
      - id: b-env
        title: B env
        timeout: 5s
        probe: { kind: env, vars: [API_URL] }
      - id: b-needs
        title: B needs
        needs: [b-env]
        probe: { kind: env, vars: [OTHER] }
      - id: b-manual
        title: B manual
        manual: { instructions: Look. }
`,
);

describe('checklist composition', () => {
  it('extends the bundled pre: an override changes a key, drop removes with its reason, a new section is added', async () => {
    const bundled = await load(join(BUNDLED_CHECKLISTS_DIR, 'pre.yaml'));
    const file = write(
      'team-pre.yaml',
      `extends: sfdeploy:pre
override:
  code-committed: { timeout: 45s, severity: medium }
drop:
  code-release-notes: release notes live in the wiki
sections:
  - id: ours
    title: Ours
    items:
      - id: our-flags
        title: Flags set
        manual: { instructions: Check the flags. }
`,
    );
    const cl = await load(file);
    expect(cl.definition.id).toBe('pre');
    const byId = new Map(cl.items.map((i) => [i.id, i]));
    const orig = bundled.items.find((i) => i.id === 'code-committed')!;
    expect(orig.timeoutMs).toBe(10_000);
    expect(byId.get('code-committed')).toMatchObject({ timeoutMs: 45_000, severity: 'medium', kind: 'git' });
    // A sign-off is bound to the definition as composed: changing an item changes its hash.
    expect(byId.get('code-committed')!.definitionHash).not.toBe(orig.definitionHash);
    expect(byId.get('code-no-secrets')!.definitionHash).toBe(bundled.items.find((i) => i.id === 'code-no-secrets')!.definitionHash);
    expect(byId.has('code-release-notes')).toBe(false);
    expect(cl.dropped).toEqual([
      { id: 'code-release-notes', reason: 'release notes live in the wiki', location: `${file}:${lineOf(file, 'code-release-notes')}:3` },
    ]);
    expect(cl.items.length).toBe(bundled.items.length);
    expect(cl.items.at(-1)).toMatchObject({ id: 'our-flags', section: { id: 'ours' }, location: `${file}:${lineOf(file, 'our-flags')}:9` });
    // Inherited items keep their place in the bundled file, and say which line brought them in.
    expect(byId.get('code-no-secrets')!.location).toBe(bundled.items.find((i) => i.id === 'code-no-secrets')!.location);
    expect(byId.get('code-no-secrets')!.trail).toEqual([`${file}:1:10`]);
    expect(byId.get('our-flags')!.trail).toBeUndefined();
    expect(cl.sha256).not.toBe(bundled.sha256);
  });

  it('reports each problem in the file and line where it was written, through includes', async () => {
    write(
      'bad-base.yaml',
      `id: bad
title: Bad
sections:
  - id: bad
    title: Bad
    items:
      - id: bad-port
        title: Bad port
        probe: { kind: tcp, host: localhost, port: nope }
`,
    );
    const file = write(
      'includes-bad.yaml',
      `id: t
title: T
include: [./base.yaml, ./bad-base.yaml, ./missing.yaml, "sfdeploy:nope"]
override:
  b-env: { timeout: soon, probe: { vars: [API_URL, ALSO] } }
  b-nedds: { timeout: 1s }
  b-manual: { manual: { instrucions: typo } }
drop:
  b-env: ""
`,
    );
    expect(await problems(file)).toEqual([
      'bad-base.yaml:9:52 sections[1].items[0].probe.port: expected a whole number, got "nope"',
      // b-env is invalid (its timeout), so what needs it cannot find it
      'base.yaml:15:17 sections[0].items[1].needs[0]: needs unknown item "b-env"',
      'includes-bad.yaml:3:41 include[2]: cannot read ./missing.yaml: no such file',
      'includes-bad.yaml:3:57 include[3]: no bundled checklist "nope": bundled ones are pre, deploy, rollback, post',
      'includes-bad.yaml:5:21 sections[0].items[0].timeout: expected a duration such as 500ms, 10s, 5m or 2h, got "soon"',
      'includes-bad.yaml:6:3 override.b-nedds: override of unknown item "b-nedds" (did you mean "b-needs"?)',
      'includes-bad.yaml:7:25 sections[0].items[2].manual.instrucions: unknown key "instrucions" (did you mean "instructions"?)',
      'includes-bad.yaml:9:10 drop.b-env: give the reason the item is dropped, got ""',
    ]);
  });

  it('refuses an include cycle and a needs on a dropped item, naming where', async () => {
    write('cycle-a.yaml', 'id: a\ntitle: A\ninclude: [./cycle-b.yaml]\n');
    const b = write('cycle-b.yaml', 'id: b\ntitle: B\ninclude: [./cycle-a.yaml]\n');
    const cycle = await problems(join(dir, 'cycle-a.yaml'));
    expect(cycle).toContain(`cycle-b.yaml:3:11 include[0]: include cycle: cycle-a.yaml → ${b.replace(`${dir}/`, '')} → cycle-a.yaml`);
    const file = write('drop-needed.yaml', 'extends: ./base.yaml\ndrop:\n  b-env: not ours\n');
    expect(await problems(file)).toEqual([
      `base.yaml:15:17 sections[0].items[0].needs[0]: needs "b-env", which is dropped at drop-needed.yaml:3:3 (not ours); override this item's needs or keep "b-env"`,
    ]);
    const fixed = write('drop-needed-fixed.yaml', 'extends: ./base.yaml\ndrop:\n  b-env: not ours\noverride:\n  b-needs: { needs: [] }\n');
    expect((await load(fixed)).items.map((i) => i.id)).toEqual(['b-needs', 'b-manual']);
  });

  it('applies an environment overlay only for its environment: vars merged over the declaration, skip returned', async () => {
    const file = write(
      'envs.yaml',
      `extends: ./base.yaml
environments:
  staging:
    vars: { API_URL: { default: "https://staging.example" } }
    skip: [b-manual, tag:slow]
`,
    );
    const plain = await load(file);
    expect(plain.vars.API_URL).toEqual({ secret: true, description: 'the API' });
    expect(plain.environmentSkip).toEqual([]);
    const staging = await load(file, { environment: 'staging' });
    // The overlay changes the default, not the secrecy the base declared.
    expect(staging.vars.API_URL).toEqual({ default: 'https://staging.example', secret: true, description: 'the API' });
    expect(staging.secretNames).toEqual(['API_URL']);
    expect(staging.environmentSkip).toEqual(['b-manual', 'tag:slow']);
    expect((await load(file, { environment: 'production' })).environmentSkip).toEqual([]);
  });

  it('reads a variable under the config aliases after its own names', async () => {
    const cl = await load(base, { env: { LEGACY_API_URL: 'https://x.example' }, aliases: { API_URL: ['LEGACY_API_URL'] } });
    expect(cl.items.find((i) => i.id === 'b-env')!.missingVars).toEqual([]);
    expect(cl.vars.API_URL!.from).toEqual(['LEGACY_API_URL']);
  });

  it('changes the checklist hash when an included file changes', async () => {
    const inc = write('inc.yaml', readFileSync(base, 'utf8'));
    const file = write('uses-inc.yaml', 'extends: ./inc.yaml\n');
    const before = (await load(file)).sha256;
    writeFileSync(inc, readFileSync(base, 'utf8').replace('timeout: 5s', 'timeout: 6s'));
    expect((await load(file)).sha256).not.toBe(before);
  });

  it('bounds the files an include diamond reads (each level includes the next ten times)', async () => {
    for (let level = 0; level < 10; level++) {
      const next = level === 9 ? [] : Array.from({ length: 10 }, () => `./bomb-${level + 1}.yaml`);
      write(`bomb-${level}.yaml`, `id: b${level}\ntitle: B\ninclude: ${JSON.stringify(next)}\n`);
    }
    const found = await problems(join(dir, 'bomb-0.yaml'));
    expect(found.filter((p) => p.includes('more than 64 checklist files are included in all'))).toHaveLength(1);
  });

  it('keeps unknown top-level keys an error in every composed file', async () => {
    write('typo-base.yaml', readFileSync(base, 'utf8').replace('vars:', 'varz:'));
    const file = write('typo.yaml', 'extends: ./typo-base.yaml\nincludes: [./base.yaml]\n');
    expect(await problems(file)).toEqual([
      'typo-base.yaml:3:1 varz: unknown key "varz" (did you mean "vars"?)',
      'typo.yaml:2:1 includes: unknown key "includes" (did you mean "include"?)',
    ]);
  });
});
