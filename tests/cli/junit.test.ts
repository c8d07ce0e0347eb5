import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { XMLParser, XMLValidator } from 'fast-xml-parser';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunLog } from '../../src/runner/types.js';
import { REPO_ROOT, runCli } from '../support/cli.js';
import { tempDir } from '../support/tmp.js';

interface Attrs {
  [k: string]: unknown;
}

describe('JUnit XML, as a CI test-report consumer reads it', () => {
  let tmp: ReturnType<typeof tempDir>;
  let xml: string;
  let log: RunLog;
  let code: number | null;

  beforeAll(async () => {
    tmp = tempDir();
    const r = await runCli(
      [
        'check',
        join(REPO_ROOT, 'tests/fixtures/failing-gate/checklist.yaml'),
        '--ci',
        '--format',
        'junit',
        '--output',
        tmp.path('reports/junit.xml'),
        '--log-dir',
        tmp.path('runs'),
        '--release',
        'v9.9.9',
        '--environment',
        'staging',
      ],
      { cwd: tmp.dir },
    );
    code = r.code;
    xml = readFileSync(tmp.path('reports/junit.xml'), 'utf8');
    const [file] = readdirSync(tmp.path('runs')).filter((f) => f.endsWith('.json'));
    log = JSON.parse(readFileSync(tmp.path(`runs/${file}`), 'utf8')) as RunLog;
  });
  afterAll(() => tmp.remove());

  const parse = () =>
    new XMLParser({
      ignoreAttributes: false,
      attributeNamePrefix: '',
      htmlEntities: true,
      parseAttributeValue: false,
      isArray: (name) => ['testsuite', 'testcase', 'property'].includes(name),
    }).parse(xml) as {
      testsuites: Attrs & { testsuite: (Attrs & { properties: { property: { name: string; value: string }[] }; testcase: Attrs[] })[] };
    };

  it('is well-formed XML with the gate still failing', () => {
    expect(code).toBe(1);
    expect(XMLValidator.validate(xml)).toBe(true);
  });

  it('writes line breaks in attribute values as &#10;, which conformant parsers would otherwise turn into spaces', () => {
    const values = [...xml.matchAll(/="([^"]*)"/g)].map((m) => m[1]!);
    expect(values.filter((v) => /[\n\r\t]/.test(v))).toEqual([]);
    expect(values).toContain('Checks: disk, tools › Disk: 95% full,&#10;second line');
  });

  it('names each testcase "section › item title", with the checklist id as classname and the time in seconds', () => {
    const cases = parse().testsuites.testsuite.flatMap((s) => s.testcase);
    expect(cases.map((c) => c.name)).toEqual(log.items.map((r) => `${r.sectionTitle} › ${r.title}`));
    expect(cases.map((c) => c.name)).toContain('Checks: disk, tools › Disk: 95% full,\nsecond line');
    expect(new Set(cases.map((c) => c.classname))).toEqual(new Set(['gate']));
    cases.forEach((c, i) => {
      expect(String(c.time)).toMatch(/^\d+\.\d{3}$/);
      expect(Number(c.time)).toBeCloseTo(log.items[i]!.durationMs / 1000, 3);
    });
  });

  it('records the run id, release and environment as properties of every suite', () => {
    for (const suite of parse().testsuites.testsuite) {
      const props = Object.fromEntries(suite.properties.property.map((p) => [p.name, p.value]));
      expect(props).toMatchObject({ run_id: log.runId, release: 'v9.9.9', environment: 'staging', checklist: 'gate', verdict: 'failed' });
    }
  });

  it('marks failures, errors, skipped (pending sign-off) and counts them on the suites', () => {
    const doc = parse().testsuites;
    expect(doc).toMatchObject({ tests: '5', failures: '1', errors: '1', skipped: '1' });
    const byName = new Map(doc.testsuite.flatMap((s) => s.testcase).map((c) => [String(c.name).split(' › ')[1], c]));
    expect(byName.get('Disk: 95% full,\nsecond line')).toMatchObject({
      failure: { message: 'sh exited with 1: usage 95% | limit: 90%', type: 'command' },
    });
    expect(byName.get('Tool is installed')).toMatchObject({ error: { message: expect.stringContaining('command not found') } });
    expect(byName.get('Release manager approves')).toMatchObject({ skipped: { message: expect.stringMatching(/^pending sign-off: /) } });
    expect(byName.get('Optional check')).toMatchObject({ 'system-out': 'warning (optional item): sh exited with 2' });
    expect(byName.get('Always passes')).not.toHaveProperty('failure');
  });
});
