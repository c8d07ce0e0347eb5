// Two builds of sfdeploy side by side: `validate` and `check` of the bundled and the generated checklists, runs
// interleaved (bare node, before, after, bare node, ...) so the load of a shared machine falls on both alike, and,
// with --callgrind, the instructions each executes under valgrind, which the load does not change.
//   npm run bench:compare -- --before /tmp/before [--runs 7] [--big-runs 3] [--callgrind]
// `--before` is a checkout of the other commit with node_modules and `npm run build` done.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { cheapChecklist } from './generate.js';
import { interleave, ROOT, summarize, type RunSpec, type Sample } from './measure.js';

interface Options {
  before: string;
  after: string;
  runs: number;
  bigRuns: number;
  callgrind: boolean;
}

function parseArgs(argv: string[]): Options {
  const o: Options = { before: '', after: ROOT, runs: 7, bigRuns: 3, callgrind: false };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const value = (): string => argv[++i] ?? '';
    if (a === '--before') o.before = value();
    else if (a === '--after') o.after = value();
    else if (a === '--runs') o.runs = Number(value());
    else if (a === '--big-runs') o.bigRuns = Number(value());
    else if (a === '--callgrind') o.callgrind = true;
    else throw new Error(`unknown option ${a}`);
  }
  if (!o.before || !existsSync(join(o.before, 'bin', 'sfdeploy.js'))) throw new Error('--before <checkout with a build> is required');
  return o;
}

const ms = (v: number): string => (v >= 1000 ? `${(v / 1000).toFixed(2)} s` : `${Math.round(v)} ms`);
const load = (): string =>
  loadavg()
    .map((l) => l.toFixed(2))
    .join(' ');

/** Instructions executed by the command and its threads under callgrind (`Collected` of its summary). */
function instructions(spec: RunSpec): number {
  const out = join(tmpdir(), `sfdeploy-callgrind-${process.pid}`);
  const r = spawnSync('valgrind', ['--tool=callgrind', `--callgrind-out-file=${out}`, spec.command, ...spec.args], {
    cwd: spec.cwd,
    env: spec.env,
    encoding: 'utf8',
    maxBuffer: 64 * 1024 * 1024,
  });
  rmSync(out, { force: true });
  const m = /Collected : (\d+)/.exec(r.stderr);
  if (!m) throw new Error(`callgrind gave no count for ${spec.args.join(' ')}: ${r.stderr.slice(-500)}`);
  return Number(m[1]);
}

function main(): Promise<void> {
  const o = parseArgs(process.argv.slice(2));
  const scratch = mkdtempSync(join(tmpdir(), 'sfdeploy-compare-'));
  const env = { PATH: process.env.PATH ?? '/usr/bin:/bin', NO_COLOR: '1', BENCH_VAR: 'a-long-enough-value' };
  writeFileSync(join(scratch, 'bench-file.txt'), 'present\n');
  for (const n of [1000, 10000]) writeFileSync(join(scratch, `generated-${n}.yaml`), cheapChecklist(n));
  // each build validates its own bundled checklists: a newer checklist may use keys an older build does not know
  const bundled = (root: string): string[] => ['pre', 'deploy', 'post', 'rollback'].map((c) => join(root, 'checklists', `${c}.yaml`));
  const cases: Record<string, { args: (root: string) => string[]; runs: number }> = {
    'validate (bundled)': { args: (root) => ['validate', ...bundled(root)], runs: o.runs },
    'validate 1,000': { args: () => ['validate', join(scratch, 'generated-1000.yaml')], runs: o.runs },
    'check 1,000': {
      args: () => ['check', join(scratch, 'generated-1000.yaml'), '--ci', '--log-dir', join(scratch, 'runs')],
      runs: o.runs,
    },
    'check 10,000': {
      args: () => ['check', join(scratch, 'generated-10000.yaml'), '--ci', '--log-dir', join(scratch, 'runs')],
      runs: o.bigRuns,
    },
  };
  const spec = (root: string, args: (root: string) => string[]): RunSpec => ({
    command: process.execPath,
    args: [join(root, 'bin', 'sfdeploy.js'), ...args(root)],
    cwd: scratch,
    env,
  });
  const expectPass = (name: string, s: Sample): void => {
    if (s.code !== 0) throw new Error(`${name} exited ${s.code}: ${s.stderr.slice(-500)}`);
  };
  return (async () => {
    try {
      console.log(`Node ${process.version}; before ${o.before}, after ${o.after}; load average at the start ${load()}\n`);
      console.log('| measure | bare node | before | after | after / before | CPU before → after | RSS before → after | load |');
      console.log('| --- | --- | --- | --- | --- | --- | --- | --- |');
      const bare: RunSpec = { command: process.execPath, args: ['-e', '0'], cwd: scratch, env };
      for (const [name, c] of Object.entries(cases)) {
        mkdirSync(join(scratch, 'runs'), { recursive: true });
        const at = load();
        const samples = await interleave({ bare, before: spec(o.before, c.args), after: spec(o.after, c.args) }, c.runs, expectPass);
        const [n, b, a] = [summarize(samples.bare!), summarize(samples.before!), summarize(samples.after!)];
        rmSync(join(scratch, 'runs'), { recursive: true, force: true });
        console.log(
          `| ${name} (${c.runs} rounds) | ${ms(n.wallMs)} | ${ms(b.wallMs)} = ${(b.wallMs / n.wallMs).toFixed(1)}× | ` +
            `${ms(a.wallMs)} = ${(a.wallMs / n.wallMs).toFixed(1)}× | ${(a.wallMs / b.wallMs).toFixed(2)} | ` +
            `${ms(b.cpuMs)} → ${ms(a.cpuMs)} | ${Math.round(b.maxRssMiB)} → ${Math.round(a.maxRssMiB)} MiB | ${at} |`,
        );
      }
      if (o.callgrind) {
        console.log('\n| measure (callgrind, one run each) | bare node | before | after | after / before |');
        console.log('| --- | --- | --- | --- | --- |');
        const bareCount = instructions(bare);
        for (const name of ['validate (bundled)', 'validate 1,000', 'check 1,000']) {
          const args = cases[name]!.args;
          const [b, a] = [instructions(spec(o.before, args)), instructions(spec(o.after, args))];
          const g = (v: number): string => `${(v / 1e9).toFixed(2)} G`;
          console.log(`| ${name} | ${g(bareCount)} | ${g(b)} | ${g(a)} | ${(a / b).toFixed(2)} |`);
        }
      }
      console.log(
        `\nload average at the end ${load()}; the machine: ${readFileSync('/proc/cpuinfo', 'utf8').match(/model name\s*: (.*)/)?.[1] ?? '?'}`,
      );
    } finally {
      rmSync(scratch, { recursive: true, force: true });
    }
  })();
}

main().catch((e: unknown) => {
  console.error(e instanceof Error ? e.message : e);
  process.exitCode = 1;
});
