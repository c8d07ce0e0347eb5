import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { describe, expect, it } from 'vitest';
import { REPO_ROOT, runCli } from '../support/cli.js';

const doc = readFileSync(join(REPO_ROOT, 'docs/ci.md'), 'utf8');
const yamlBlocks = [...doc.matchAll(/```yaml\n([\s\S]*?)```/g)].map((m) => parse(m[1]!) as Record<string, unknown>);
const github = yamlBlocks.find((b) => 'jobs' in b) as {
  jobs: Record<
    string,
    {
      needs?: string;
      if?: string;
      outputs?: Record<string, string>;
      environment?: string;
      steps: { id?: string; run?: string; uses?: string; if?: string; with?: Record<string, string | boolean> }[];
    }
  >;
};
const gitlab = yamlBlocks.find((b) => 'stages' in b) as Record<
  string,
  {
    script?: string[];
    needs?: string[];
    when?: string;
    allow_failure?: { exit_codes: number[] };
    artifacts?: { when: string; paths: string[]; reports: { junit: string } };
  }
> & { variables: Record<string, string> };

/** The long options `sfdeploy <command> --help` documents, each command asked once. */
const helped = new Map<string, Promise<Set<string>>>();
const optionsOf = (command: string): Promise<Set<string>> => {
  if (!helped.has(command))
    helped.set(
      command,
      runCli([command, '--help']).then((r) => new Set(r.stdout.match(/--[a-z-]+/g))),
    );
  return helped.get(command)!;
};

describe('docs/ci.md', () => {
  it('has a GitHub Actions workflow that runs the gate, uploads the JUnit file and the run log, and gates the deploy job on it', () => {
    const gate = github.jobs.gate!;
    const step = gate.steps.find((s) => s.id === 'gate')!;
    expect(step.run).toContain(
      'npx sfdeploy check pre --ci --environment production --format junit --output .sfdeploy/reports/sfdeploy-pre.xml',
    );
    expect(step.run).toMatch(/^set \+e$/m);
    expect(step.run).toMatch(/3\) echo "verdict=pending"/);
    expect(gate.outputs!.verdict).toBe('${{ steps.gate.outputs.verdict }}');
    const upload = gate.steps.find((s) => s.uses?.startsWith('actions/upload-artifact'))!;
    expect(upload.if).toBe('always()');
    expect(upload.with!['include-hidden-files']).toBe(true);
    expect((upload.with!.path as string).split('\n').filter(Boolean)).toEqual(['.sfdeploy/reports/', '.sfdeploy/runs/']);
    const deploy = github.jobs.deploy!;
    expect(deploy.needs).toBe('gate');
    expect(deploy.if).toBe("needs.gate.outputs.verdict == 'passed' || needs.gate.outputs.verdict == 'pending'");
    expect(deploy.steps.map((s) => s.run).filter(Boolean)).toEqual([
      'npm ci',
      'npx sfdeploy check pre --ci --environment production',
      './scripts/deploy.sh',
    ]);
  });

  it('has a GitLab CI job that reports JUnit, keeps the run log, lets exit 3 through as a warning, and a deploy job that needs it', () => {
    const gate = gitlab['sfdeploy-pre']!;
    expect(gate.script).toContain(
      'npx sfdeploy check pre --ci --environment production --format junit --output .sfdeploy/reports/sfdeploy-pre.xml',
    );
    expect(gate.allow_failure).toEqual({ exit_codes: [3] });
    expect(gate.artifacts).toMatchObject({
      when: 'always',
      paths: ['.sfdeploy/reports/', '.sfdeploy/runs/'],
      reports: { junit: '.sfdeploy/reports/sfdeploy-pre.xml' },
    });
    expect(gitlab.variables.SFDEPLOY_LOG_DIR).toBeUndefined();
    const deploy = gitlab['deploy-production']!;
    expect(deploy).toMatchObject({ needs: ['sfdeploy-pre'], when: 'manual' });
    expect(deploy.script![1]).toMatch(/^npx sfdeploy check pre --ci /);
  });

  it('uses only options the CLI has, here and in docs/reports.md', async () => {
    const both = doc + readFileSync(join(REPO_ROOT, 'docs/reports.md'), 'utf8');
    const invocations = [...both.matchAll(/sfdeploy (check|report|diff|watch|schema|import) ([^\n`#]*)/g)];
    expect(invocations.length).toBeGreaterThan(10);
    for (const [, command, rest] of invocations) {
      const known = await optionsOf(command!);
      for (const flag of rest!.match(/--[a-z-]+/g) ?? []) expect(known, `sfdeploy ${command} ${flag}`).toContain(flag);
    }
  });
});
