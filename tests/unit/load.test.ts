import { describe, expect, it } from 'vitest';
import { parseChecklist } from '../../src/checklist/load.js';
import { ChecklistError } from '../../src/errors.js';
import httpProbe from '../../src/probes/http/index.js';

const errorsOf = (yaml: string, env: Record<string, string> = {}): string[] => {
  try {
    parseChecklist(yaml, 'c.yaml', { env });
  } catch (e) {
    if (e instanceof ChecklistError) return e.message.split('\n');
    throw e;
  }
  throw new Error('expected the checklist to be rejected');
};

const HEAD = 'id: demo\ntitle: Demo\nsections:\n  - id: s\n    title: S\n    items:\n';

describe('checklist loader', () => {
  it('loads a valid checklist into typed items with defaults', () => {
    const c = parseChecklist(
      `${HEAD}      - id: a\n        title: A\n        probe: { kind: env, vars: [X] }\n      - id: b\n        title: B\n        needs: [a]\n        timeout: 2s\n        retry: { attempts: 3, delay: 500ms }\n        manual: { instructions: check it }\n`,
      'c.yaml',
      { env: {} },
    );
    expect(c.items.map((i) => [i.id, i.kind, i.severity, i.timeoutMs])).toEqual([
      ['a', 'env', 'high', 10_000],
      ['b', 'manual', 'high', 2000],
    ]);
    expect(c.items[1]!.retry).toEqual({ attempts: 3, delayMs: 500 });
    expect(c.items[0]!.definitionHash).toMatch(/^[0-9a-f]{64}$/);
    expect(c.sha256).toMatch(/^[0-9a-f]{64}$/);
  });

  it('reports a wrong type at its line and column with what was expected', () => {
    expect(errorsOf(`${HEAD}      - id: a\n        title: A\n        probe: { kind: http, url: "http://x", follow_redirects: maybe }\n`))
      .toMatchInlineSnapshot(`
      [
        "c.yaml:9:65 sections[0].items[0].probe.follow_redirects: expected true or false, got "maybe"",
      ]
    `);
  });

  it('reports unknown keys with a did-you-mean hint at the key itself', () => {
    expect(errorsOf(`${HEAD}      - id: a\n        title: A\n        timout: 5s\n        probe: { kind: env, vars: [X] }\n`))
      .toMatchInlineSnapshot(`
      [
        "c.yaml:9:9 sections[0].items[0].timout: unknown key "timout" (did you mean "timeout"?)",
      ]
    `);
  });

  it('reports every problem at once, in file order', () => {
    const errors = errorsOf(
      `${HEAD}      - id: Bad_Id\n        title: A\n        severity: urgent\n        probe: { kind: htp }\n      - id: b\n        manual: { instructions: x }\n        needs: [nope]\n`,
    );
    expect(errors).toMatchInlineSnapshot(`
      [
        "c.yaml:7:13 sections[0].items[0].id: expected a kebab-case id such as db-reachable (lowercase letters, digits and dashes), got "Bad_Id"",
        "c.yaml:9:19 sections[0].items[0].severity: expected one of "critical" | "high" | "medium" | "low", got "urgent"",
        "c.yaml:11:9 sections[0].items[1].title: missing required key "title"",
      ]
    `);
  });

  it('rejects duplicate ids, unknown needs and dependency cycles', () => {
    expect(
      errorsOf(
        `${HEAD}      - id: a\n        title: A\n        needs: [b]\n        manual: { instructions: x }\n      - id: b\n        title: B\n        needs: [a]\n        manual: { instructions: x }\n      - id: a\n        title: A again\n        needs: [zz]\n        manual: { instructions: x }\n`,
      ),
    ).toMatchInlineSnapshot(`
      [
        "c.yaml:9:16 sections[0].items[0].needs: dependency cycle: a → b → a",
        "c.yaml:9:17 sections[0].items[0].needs[0]: needs unknown item "zz"",
        "c.yaml:15:13 sections[0].items[2].id: duplicate item id "a" (first defined at line 7)",
      ]
    `);
  });

  it('rejects unknown probe kinds, unknown observations, bad conditions and empty expect lists', () => {
    const errors = errorsOf(
      `${HEAD}      - id: a\n        title: A\n        probe: { kind: htpp, url: x }\n      - id: b\n        title: B\n        probe:\n          kind: http\n          url: http://127.0.0.1\n          expect: [statuss == 200, status 200]\n      - id: c\n        title: C\n        probe: { kind: env, vars: [X], expect: [] }\n`,
    );
    expect(errors[0]).toMatch(
      /^c\.yaml:9:24 sections\[0\]\.items\[0\]\.probe\.kind: unknown probe kind "htpp" \(did you mean "http"\?\); known kinds: [a-z0-9, ]*\bhttp\b/,
    );
    expect(errors.slice(1)).toEqual([
      'c.yaml:15:20 sections[0].items[1].probe.expect[0]: unknown observation "statuss" for probe http; it observes ' +
        Object.keys(httpProbe.observations).join(', '),
      'c.yaml:15:36 sections[0].items[1].probe.expect[1]: expected "<observation> <op> <value>" with op one of == != <= >= < > contains matches exists, got "status 200"',
      'c.yaml:18:48 sections[0].items[2].probe.expect: an empty expect list checks nothing: remove it to use the built-in check, or add a condition',
    ]);
  });

  it('requires exactly one of probe and manual', () => {
    expect(errorsOf(`${HEAD}      - id: a\n        title: A\n`)).toEqual([
      'c.yaml:7:9 sections[0].items[0]: an item needs a probe: or a manual: block',
    ]);
    expect(
      errorsOf(`${HEAD}      - id: a\n        title: A\n        manual: { instructions: x }\n        probe: { kind: env, vars: [X] }\n`),
    ).toEqual(['c.yaml:7:9 sections[0].items[0]: an item has either probe: or manual:, not both']);
  });

  it('reports YAML syntax errors, duplicate keys and tabs with positions', () => {
    expect(errorsOf('id: a\nid: b\ntitle: T\nsections: []\n')[0]).toMatch(/^c\.yaml:2:1 : duplicate key|^c\.yaml:2:1: duplicate key/);
    expect(errorsOf('id: a\ntitle: [unclosed\n')[0]).toMatch(/^c\.yaml:\d+:\d+: /);
    expect(errorsOf('id: a\n\ttitle: T\n')[0]).toMatch(/^c\.yaml:2:1: .*tab/i);
  });

  it('guards against alias bombs, invalid UTF-8 and non-mapping documents', () => {
    const bomb = [
      'a: &a [x, x, x, x, x, x, x, x, x, x]',
      ...Array.from(
        { length: 8 },
        (_, i) =>
          `${String.fromCharCode(98 + i)}: &${String.fromCharCode(98 + i)} [${Array(10)
            .fill(`*${String.fromCharCode(97 + i)}`)
            .join(', ')}]`,
      ),
    ].join('\n');
    expect(errorsOf(bomb)[0]).toMatch(/too many alias expansions/);
    const invalid = Buffer.concat([Buffer.from('id: demo\ntitle: caf'), Buffer.from([0xc3, 0x28]), Buffer.from('\n')]);
    expect(() => parseChecklist(invalid, 'c.yaml', { env: {} })).toThrow(/^c\.yaml:2:11: invalid UTF-8 byte 0xc3/);
    expect(errorsOf('- just\n- a list\n')).toEqual(['c.yaml:1:1: expected a mapping with id, title and sections, got a list']);
  });

  it('coerces interpolated strings to the numbers and booleans a probe expects, and locates what cannot be coerced', () => {
    const yaml = `${HEAD}      - id: a\n        title: A\n        probe: { kind: http, url: "http://127.0.0.1:\${PORT}/", follow_redirects: "\${FOLLOW}", max_redirects: "\${MAX}" }\n`;
    const ok = parseChecklist(yaml, 'c.yaml', { env: { PORT: '8080', FOLLOW: 'true', MAX: '3' } });
    expect(ok.items[0]!.probe!.params).toMatchObject({ url: 'http://127.0.0.1:8080/', follow_redirects: true, max_redirects: 3 });
    expect(errorsOf(yaml, { PORT: '1', FOLLOW: 'true', MAX: 'many' })).toEqual([
      'c.yaml:9:110 sections[0].items[0].probe.max_redirects: expected a whole number, got "many"',
    ]);
  });

  it('leaves an item with an unset variable to fail at run time, naming the variable', () => {
    const c = parseChecklist(
      `${HEAD}      - id: a\n        title: A\n        probe: { kind: http, url: "\${API_BASE_URL}/health", max_redirects: "\${MAX}" }\n`,
      'c.yaml',
      { env: {} },
    );
    expect(c.items[0]!.missingVars).toEqual(['API_BASE_URL', 'MAX']);
    expect(c.items[0]!.probe!.params).toBeUndefined();
  });

  it('resolves variables through checklist defaults and aliases, and evaluates when:', () => {
    const c = parseChecklist(
      `id: demo\ntitle: Demo\nvars:\n  JWT_SECRET_KEY: { from: [SECRET_KEY] }\n  API: { default: "http://127.0.0.1:9" }\nsections:\n  - id: s\n    title: S\n    items:\n      - id: a\n        title: A\n        when: \${K8S_NAMESPACE}\n        probe: { kind: command, run: [echo, "\${JWT_SECRET_KEY}", "\${API}"] }\n      - id: b\n        title: B\n        when: "\${FEATURE:-off}"\n        manual: { instructions: x }\n`,
      'c.yaml',
      { env: { SECRET_KEY: 'from-alias' } },
    );
    expect(c.items[0]!.probe!.params).toMatchObject({ run: ['echo', 'from-alias', 'http://127.0.0.1:9'] });
    expect(c.items[0]!.enabled).toBe(false);
    expect(c.items[0]!.whenReason).toBe('K8S_NAMESPACE not set');
    expect(c.items[1]!.enabled).toBe(false);
  });

  it('never pastes variable values into a shell line', () => {
    const c = parseChecklist(
      `${HEAD}      - id: a\n        title: A\n        probe: { kind: command, shell: "echo \${EVIL}" }\n`,
      'c.yaml',
      { env: { EVIL: '$(touch pwned)' } },
    );
    expect(c.items[0]!.probe!.params).toMatchObject({ shell: 'echo ${EVIL}' });
  });

  it('gives the same definition hash for the same item and a new one when it changes', () => {
    const a = parseChecklist(`${HEAD}      - id: a\n        title: A\n        manual: { instructions: check it }\n`, 'c.yaml', { env: {} });
    const b = parseChecklist(`${HEAD}      - title: A\n        id: a\n        manual: { instructions: check it }\n`, 'c.yaml', { env: {} });
    const c = parseChecklist(`${HEAD}      - id: a\n        title: A\n        manual: { instructions: check it twice }\n`, 'c.yaml', {
      env: {},
    });
    expect(a.items[0]!.definitionHash).toBe(b.items[0]!.definitionHash);
    expect(a.items[0]!.definitionHash).not.toBe(c.items[0]!.definitionHash);
  });
});

describe('manual items without instructions', () => {
  it('accepts manual: { roles: [cto] } when the title says it all', async () => {
    const { parseChecklist } = await import('../../src/checklist/load.js');
    const c = parseChecklist(
      'id: t\ntitle: T\nroles:\n  cto: { title: CTO }\nsections:\n  - id: s\n    title: S\n    items:\n      - id: approval-cto\n        title: CTO approves this release\n        manual: { roles: [cto] }\n',
      't.yaml',
      { env: {} },
    );
    expect(c.items[0]!.manual).toMatchObject({ instructions: '', roles: ['cto'] });
  });
});
