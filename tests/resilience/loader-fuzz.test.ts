import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { parse, stringify } from 'yaml';
import { parseChecklist } from '../../src/checklist/load.js';
import { ChecklistError } from '../../src/errors.js';
import { runCli } from '../support/cli.js';
import { tempDir } from '../support/tmp.js';

const VALID = `id: fuzz
title: Fuzz
vars:
  API: { default: "http://127.0.0.1:9" }
sections:
  - id: s
    title: S
    items:
      - id: a
        title: A
        timeout: 2s
        retry: { attempts: 2, delay: 10ms }
        probe:
          kind: http
          url: \${API}/health
          expect: [status == 200, json.status == "ok"]
      - id: b
        title: B
        needs: [a]
        when: \${FLAG:-yes}
        manual: { instructions: sign it, roles: [] }
      - id: c
        title: C
        probe: { kind: env, vars: [X], min_length: 3 }
`;

/** Every outcome is either a loaded checklist or a ChecklistError whose every problem is located. */
function assertCleanOutcome(input: string | Buffer): void {
  try {
    parseChecklist(input, 'fuzz.yaml', { env: { X: 'abc' } });
  } catch (e) {
    if (!(e instanceof ChecklistError)) throw new Error(`unexpected ${(e as Error).name}: ${(e as Error).message}`);
    expect(e.problems.length).toBeGreaterThan(0);
    for (const p of e.problems) {
      expect(p.file).toBe('fuzz.yaml');
      expect(p.line).toBeGreaterThanOrEqual(1);
      expect(p.col).toBeGreaterThanOrEqual(1);
      expect(p.message.length).toBeGreaterThan(0);
      expect(p.message).not.toMatch(/\n\s+at /);
    }
  }
}

const scalar = fc.oneof(
  fc.string(),
  fc.integer(),
  fc.double(),
  fc.boolean(),
  fc.constant(null),
  fc.constantFrom('${X}', '${NOPE}', '10s', 'kebab-id', 'http://127.0.0.1:1/'),
);
const anyValue = fc.letrec((tie) => ({
  value: fc.oneof(
    { depthSize: 'small' },
    scalar,
    fc.array(tie('value'), { maxLength: 4 }),
    fc.dictionary(fc.string({ maxLength: 8 }), tie('value'), { maxKeys: 4 }),
  ),
})).value;

const KEYS = [
  'id',
  'title',
  'sections',
  'items',
  'probe',
  'kind',
  'expect',
  'manual',
  'needs',
  'timeout',
  'retry',
  'severity',
  'optional',
  'when',
  'vars',
  'url',
  'run',
  'shell',
  'attempts',
  'delay',
];

function mutate(doc: unknown, path: (string | number)[], value: unknown): unknown {
  if (path.length === 0) return value;
  const [head, ...rest] = path;
  if (Array.isArray(doc)) {
    const i = typeof head === 'number' ? head % Math.max(1, doc.length) : 0;
    const copy = [...doc];
    copy[i] = mutate(copy[i], rest, value);
    return copy;
  }
  if (doc && typeof doc === 'object') {
    const keys = Object.keys(doc);
    const key = typeof head === 'string' ? head : (keys[head! % Math.max(1, keys.length)] ?? 'x');
    return { ...doc, [key]: mutate((doc as Record<string, unknown>)[key], rest, value) };
  }
  return value;
}

describe('loader under hostile input', () => {
  it('never throws anything but a located ChecklistError for structurally mutated checklists', () => {
    const base = parse(VALID) as unknown;
    fc.assert(
      fc.property(fc.array(fc.oneof(fc.constantFrom(...KEYS), fc.nat(5)), { maxLength: 6 }), anyValue, (path, value) => {
        assertCleanOutcome(stringify(mutate(base, path, value)));
      }),
      { numRuns: 600 },
    );
  });

  it('never throws anything but a located ChecklistError for mutated text', () => {
    fc.assert(
      fc.property(
        fc.nat(VALID.length),
        fc.nat(40),
        fc.oneof(
          fc.string(),
          fc.constantFrom(
            '\t',
            ': :',
            '- ',
            '&a ',
            '*a',
            '{',
            '[',
            '"',
            "'",
            '\n  id: a\n',
            '\u0000',
            '%YAML 1.1\n',
            '---\n',
            '!!binary ',
            '<<: *a\n',
          ),
        ),
        (at, cut, insert) => {
          assertCleanOutcome(VALID.slice(0, at) + insert + VALID.slice(at + cut));
        },
      ),
      { numRuns: 600 },
    );
  });

  it('never throws anything but a located ChecklistError for random bytes, including invalid UTF-8', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 300 }), fc.nat(VALID.length), (bytes, at) => {
        assertCleanOutcome(Buffer.concat([Buffer.from(VALID.slice(0, at)), Buffer.from(bytes), Buffer.from(VALID.slice(at))]));
      }),
      { numRuns: 300 },
    );
  });

  it('reports duplicate keys instead of silently keeping the last one', () => {
    expect(() => parseChecklist(VALID.replace('title: Fuzz', 'title: Fuzz\ntitle: Again'), 'fuzz.yaml', { env: {} })).toThrow(
      /fuzz\.yaml:3:1: duplicate key/,
    );
  });

  it('survives deep nesting, huge strings and alias bombs', () => {
    assertCleanOutcome(`id: a\ntitle: ${'['.repeat(5000)}\n`);
    assertCleanOutcome(`id: a\ntitle: ${'x'.repeat(3_000_000)}\nsections: []\n`);
    const bomb = ['a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]'];
    for (let i = 1; i < 10; i++)
      bomb.push(
        `${'abcdefghij'[i]}: &${'abcdefghij'[i]} [${Array(9)
          .fill(`*${'abcdefghij'[i - 1]}`)
          .join(',')}]`,
      );
    expect(() => parseChecklist(bomb.join('\n'), 'fuzz.yaml', { env: {} })).toThrow(/too many alias expansions/);
  });

  it('refuses a 10 MB file from the CLI with a located message, exit 2 and no stack', async () => {
    const t = tempDir();
    try {
      t.write('big.yaml', `id: big\ntitle: Big\n# ${'x'.repeat(10 * 1024 * 1024)}\n`);
      t.write('tabs.yaml', 'id: t\n\ttitle: T\n');
      for (const [file, pattern] of [
        ['big.yaml', /big\.yaml:1:1: is \d+ bytes; checklists are limited to 4194304 bytes/],
        ['tabs.yaml', /tabs\.yaml:2:1: .*tab/i],
      ] as const) {
        const r = await runCli(['validate', file], { cwd: t.dir });
        expect(r.code).toBe(2);
        expect(r.stderr).toMatch(pattern);
        expect(r.stderr).not.toMatch(/\n\s+at /);
      }
    } finally {
      t.remove();
    }
  });
});
