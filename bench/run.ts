/**
 * The benchmark: sfdeploy against the shell-script baseline on a local stack, CLI start-up, and checklists of
 * 100 / 1,000 / 5,000 cheap items. Run by hand with `npm run bench` (see bench/README.md); never in `npm test`.
 *
 *   npm run bench -- [--runs 10] [--probe-runs 3] [--only startup,stack,scale] [--sizes 100,1000,5000] [--out bench/results.json]
 *                    [--before /path/to/other/build/bin/sfdeploy.js]
 *
 * `--before` adds another build's stack runs (at its default and at --concurrency 64) to the interleaved stack
 * rounds, for before/after figures taken under the same load.
 */
import { execFileSync } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir, totalmem } from 'node:os';
import { join, resolve } from 'node:path';
import type { RunLog } from '../src/runner/types.js';
import { cheapChecklist } from './generate.js';
import { interleave, median, ROOT, SFDEPLOY, summarize, type RunSpec, type Sample, type Summary } from './measure.js';
import { startStack } from './stack.js';

interface Options {
  runs: number;
  probeRuns: number;
  parts: Set<string>;
  sizes: number[];
  out: string;
  /** Another build's bin/sfdeploy.js to run beside this one in the stack part. */
  before: string | undefined;
}

function parseArgs(argv: string[]): Options {
  const o: Options = {
    runs: 10,
    probeRuns: 3,
    parts: new Set(['startup', 'stack', 'scale']),
    sizes: [100, 1000, 5000],
    out: join(ROOT, 'bench', 'results.json'),
    before: undefined,
  };
  for (let i = 0; i < argv.length; i++) {
    const value = (): string => {
      const v = argv[++i];
      if (v === undefined) throw new Error(`${argv[i - 1]} needs a value`);
      return v;
    };
    const arg = argv[i]!;
    if (arg === '--runs') o.runs = Number(value());
    else if (arg === '--probe-runs') o.probeRuns = Number(value());
    else if (arg === '--only') o.parts = new Set(value().split(','));
    else if (arg === '--sizes') o.sizes = value().split(',').map(Number);
    else if (arg === '--out') o.out = resolve(value());
    else if (arg === '--before') o.before = resolve(value());
    else throw new Error(`unknown option ${arg}`);
  }
  return o;
}

const ms = (v: number): string =>
  v >= 10_000 ? `${(v / 1000).toFixed(1)} s` : v >= 1000 ? `${(v / 1000).toFixed(2)} s` : `${Math.round(v)} ms`;
const mib = (v: number): string => `${v.toFixed(0)} MiB`;
const ratio = (v: number): string => `${v.toFixed(2)}×`;
const log = (line = ''): void => void process.stdout.write(`${line}\n`);

function table(header: string[], rows: string[][]): void {
  log(`| ${header.join(' | ')} |`);
  log(`| ${header.map(() => '---').join(' | ')} |`);
  for (const r of rows) log(`| ${r.join(' | ')} |`);
  log();
}

function versionOf(command: string, args: string[]): string {
  try {
    return execFileSync(command, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] })
      .trim()
      .split('\n')[0]!;
  } catch {
    return 'missing';
  }
}

function machine(): Record<string, string> {
  const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { version: string };
  return {
    date: new Date().toISOString(),
    cpu: `${cpus().length} × ${cpus()[0]?.model ?? '?'}`,
    memory: `${Math.round(totalmem() / 2 ** 30)} GiB`,
    kernel: versionOf('uname', ['-sr']),
    loadAtStart: loadavg()
      .map((l) => l.toFixed(2))
      .join(' '),
    node: process.version,
    sfdeploy: pkg.version,
    gitCommit: versionOf('git', ['-C', ROOT, 'rev-parse', '--short', 'HEAD']),
    bash: versionOf('bash', ['--version']),
    psql: versionOf('psql', ['--version']),
    postgresServer: versionOf('sh', ['-c', 'ls /usr/lib/postgresql | sort -n | tail -1']),
    redisCli: versionOf('redis-cli', ['--version']),
    redisServer: versionOf('redis-server', ['--version']),
    curl: versionOf('curl', ['--version']),
    openssl: versionOf('openssl', ['version']),
    alembic: versionOf('alembic', ['--version']),
  };
}

function expectExit(want: number): (name: string, s: Sample) => void {
  return (name, s) => {
    if (s.code !== want) throw new Error(`${name} exited ${s.code}, expected ${want}:\n${s.stdout.slice(-3000)}\n${s.stderr.slice(-3000)}`);
  };
}

/** Timed runs go on when a check fails (a loaded machine can break a latency check); the failures are counted and shown. */
function countFailures(failures: Record<string, number>): (name: string, s: Sample) => void {
  return (name, s) => {
    if (s.code === 0) return;
    failures[name] = (failures[name] ?? 0) + 1;
    const why = s.stdout
      .split('\n')
      .filter((l) => /^FAIL |✖/.test(l.trim()))
      .join('; ');
    log(`(a run of ${name} exited ${s.code}: ${why || s.stderr.trim().split('\n').at(-1)})`);
  };
}

function summaryRow(name: string, s: Summary): string[] {
  return [name, ms(s.wallMs), `${ms(s.minWallMs)} – ${ms(s.maxWallMs)}`, ms(s.cpuMs), mib(s.maxRssMiB), mib(s.treeRssMiB)];
}
const SUMMARY_HEADER = ['run', 'wall (median)', 'wall (min – max)', 'CPU user+sys', 'peak RSS, largest process', 'peak RSS, whole tree'];

async function startup(o: Options): Promise<Record<string, unknown>> {
  log(`## CLI start-up (${o.runs * 2} runs each, interleaved)\n`);
  const samples = await interleave(
    {
      'node -e 0': { command: process.execPath, args: ['-e', '0'] },
      'sfdeploy --version': { command: process.execPath, args: [SFDEPLOY, '--version'] },
      'sfdeploy --help': { command: process.execPath, args: [SFDEPLOY, '--help'] },
    },
    o.runs * 2,
    expectExit(0),
  );
  const s = Object.fromEntries(Object.entries(samples).map(([k, v]) => [k, summarize(v)]));
  table(
    SUMMARY_HEADER,
    Object.entries(s).map(([k, v]) => summaryRow(k, v)),
  );
  const versionRatio = s['sfdeploy --version']!.wallMs / s['node -e 0']!.wallMs;
  log(`sfdeploy --version / node -e 0 = **${ratio(versionRatio)}** (target ≤ 1.30×)\n`);
  return { summaries: s, versionRatio };
}

/** The baseline's tools and the stack's servers, with the Debian package of each. */
const TOOLS: [command: string, pkg: string][] = [
  ['psql', 'postgresql-client'],
  ['redis-cli', 'redis-tools'],
  ['curl', 'curl'],
  ['openssl', 'openssl'],
  ['alembic', 'alembic python3-psycopg2'],
  ['git', 'git'],
  ['redis-server', 'redis-server'],
  ['/usr/bin/time', 'time'],
];

function preflight(): void {
  const missing = TOOLS.filter(([command]) => versionOf('sh', ['-c', `command -v ${command}`]) === 'missing').map(([, pkg]) => pkg);
  if (versionOf('sh', ['-c', 'ls /usr/lib/postgresql/*/bin/initdb || command -v initdb']) === 'missing') missing.push('postgresql');
  if (missing.length) throw new Error(`missing tools: apt-get install -y ${missing.join(' ')}`);
}

async function stackPart(o: Options, scratch: string): Promise<Record<string, unknown>> {
  log('## Local stack: sfdeploy against the bash baseline\n');
  preflight();
  const t0 = performance.now();
  const stack = await startStack();
  log(`stack started in ${ms(performance.now() - t0)} (PostgreSQL, Redis, s3rver, HTTP, HTTPS, alembic project at head)\n`);
  try {
    const checklist = join(ROOT, 'bench', 'stack-checklist.yaml');
    const logDir = join(scratch, 'stack-runs');
    const sfdeploy = (extra: string[], bin = SFDEPLOY): RunSpec => ({
      command: process.execPath,
      args: [bin, 'check', checklist, '--ci', '--log-dir', logDir, ...extra],
      cwd: stack.repo,
      env: stack.env,
    });
    const baseline: RunSpec = { command: 'bash', args: [join(ROOT, 'bench', 'baseline.sh')], cwd: stack.repo, env: stack.env };

    // both must pass every check before anything is timed
    const first = await interleave({ sfdeploy: sfdeploy(['--format', 'json']), baseline }, 1);
    const runLog = JSON.parse(first.sfdeploy![0]!.stdout) as RunLog;
    const notPassing = runLog.items.filter((i) => i.status !== 'pass');
    if (first.sfdeploy![0]!.code !== 0 || notPassing.length) {
      throw new Error(
        `sfdeploy did not pass the stack checks:\n${notPassing.map((i) => `${i.id}: ${i.status} ${i.message}`).join('\n')}\n${first.sfdeploy![0]!.stderr}`,
      );
    }
    if (first.baseline![0]!.code !== 0)
      throw new Error(`the baseline did not pass:\n${first.baseline![0]!.stdout}\n${first.baseline![0]!.stderr}`);
    const checks = runLog.items.length;
    const baselineChecks = first.baseline![0]!.stdout.split('\n').filter((l) => l.startsWith('PASS ')).length;
    if (baselineChecks !== checks) throw new Error(`the baseline ran ${baselineChecks} checks, the checklist has ${checks}`);
    log(`${checks} checks, all passing in both\n`);

    log(`### Side by side (${o.runs} interleaved runs each)\n`);
    const failures: Record<string, number> = {};
    const samples = await interleave(
      {
        'node -e 0': { command: process.execPath, args: ['-e', '0'] },
        'sfdeploy check (default --concurrency auto)': sfdeploy([]),
        'sfdeploy check (--concurrency 8)': sfdeploy(['--concurrency', '8']),
        'sfdeploy check (--concurrency 64)': sfdeploy(['--concurrency', '64']),
        ...(o.before
          ? {
              'before: sfdeploy check (its default --concurrency 8)': sfdeploy([], o.before),
              'before: sfdeploy check (--concurrency 64)': sfdeploy(['--concurrency', '64'], o.before),
            }
          : {}),
        'bash baseline': baseline,
      },
      o.runs,
      countFailures(failures),
    );
    const s = Object.fromEntries(Object.entries(samples).map(([k, v]) => [k, summarize(v)]));
    table(
      SUMMARY_HEADER,
      Object.entries(s).map(([k, v]) => summaryRow(k, v)),
    );
    const sf = s['sfdeploy check (default --concurrency auto)']!;
    const sf8 = s['sfdeploy check (--concurrency 8)']!;
    const sf64 = s['sfdeploy check (--concurrency 64)']!;
    const bash = s['bash baseline']!;
    const speedup = bash.wallMs / sf.wallMs;
    const speedup8 = bash.wallMs / sf8.wallMs;
    // the same ratio run by run (each sfdeploy run against the baseline run next to it)
    const pairRatios = samples['bash baseline']!.map(
      (b, i) => b.wallMs / samples['sfdeploy check (default --concurrency auto)']![i]!.wallMs,
    );
    const pairs = (a: string, b: string): number => median(samples[a]!.map((x, i) => x.wallMs / samples[b]![i]!.wallMs));
    log(
      `baseline / sfdeploy wall: **${ratio(speedup)}** (median of pairs ${ratio(median(pairRatios))}; at --concurrency 8 ${ratio(speedup8)}; target ≥ 4×)`,
    );
    log(
      `--concurrency 64 / 8 wall: ${ratio(sf64.wallMs / sf8.wallMs)} (median of pairs ${ratio(pairs('sfdeploy check (--concurrency 64)', 'sfdeploy check (--concurrency 8)'))}; target ≤ 1×)`,
    );
    if (o.before) {
      const b8 = 'before: sfdeploy check (its default --concurrency 8)';
      const b64 = 'before: sfdeploy check (--concurrency 64)';
      log(
        `after / before wall: default ${ratio(sf.wallMs / s[b8]!.wallMs)} (median of pairs ${ratio(pairs('sfdeploy check (default --concurrency auto)', b8))}), ` +
          `--concurrency 64 ${ratio(sf64.wallMs / s[b64]!.wallMs)} (median of pairs ${ratio(pairs('sfdeploy check (--concurrency 64)', b64))}); ` +
          `before: 64 / 8 ${ratio(s[b64]!.wallMs / s[b8]!.wallMs)}`,
      );
    }
    log(`baseline / sfdeploy CPU: ${ratio(bash.cpuMs / sf.cpuMs)}\n`);
    log(
      `load average after these rounds: ${loadavg()
        .map((l) => l.toFixed(2))
        .join(' ')}\n`,
    );
    if (Object.keys(failures).length) log(`runs with a failed check: ${JSON.stringify(failures)}\n`);

    log(`### Where sfdeploy's time goes (${o.runs} interleaved runs each)\n`);
    const clients = ['pg', 'ioredis', '@aws-sdk/client-s3', 'execa'];
    const parts = await interleave(
      {
        'node -e 0': { command: process.execPath, args: ['-e', '0'] },
        'sfdeploy validate (start, load the CLI, parse and check the 43 items)': {
          command: process.execPath,
          args: [SFDEPLOY, 'validate', checklist],
          cwd: stack.repo,
          env: stack.env,
        },
        [`node: import ${clients.join(', ')}`]: {
          command: process.execPath,
          args: ['--input-type=module', '-e', clients.map((c) => `await import('${c}');`).join(' ')],
        },
      },
      o.runs,
      expectExit(0),
    );
    const p = Object.fromEntries(Object.entries(parts).map(([k, v]) => [k, summarize(v)]));
    table(
      SUMMARY_HEADER,
      Object.entries(p).map(([k, v]) => summaryRow(k, v)),
    );

    log(`### Each check alone (\`--only <id>\`, ${o.probeRuns} runs each; durationMs from the run log)\n`);
    const perItem: Record<string, number[]> = {};
    for (let r = 0; r < o.probeRuns; r++) {
      for (const item of runLog.items) {
        const one = await interleave({ [item.id]: sfdeploy(['--only', item.id, '--format', 'json']) }, 1, (name, x) => {
          if (x.code !== 0 && x.code !== 1) expectExit(0)(name, x);
        });
        const result = (JSON.parse(one[item.id]![0]!.stdout) as RunLog).items.find((i) => i.id === item.id)!;
        (perItem[item.id] ??= []).push(result.durationMs);
      }
    }
    const medians = Object.entries(perItem)
      .map(([id, v]) => ({ id, kind: runLog.items.find((i) => i.id === id)!.kind, ms: median(v) }))
      .sort((a, b) => b.ms - a.ms);
    table(
      ['check', 'kind', 'durationMs alone (median)'],
      medians.slice(0, 8).map((m) => [m.id, m.kind, ms(m.ms)]),
    );
    const slowest = medians[0]!;
    const nodeStart = s['node -e 0']!.wallMs;
    const ideal = nodeStart + slowest.ms;
    const wallRatio = sf.wallMs / ideal;
    log(
      `node start ${ms(nodeStart)} + slowest check (${slowest.id}) ${ms(slowest.ms)} = ${ms(ideal)}; sfdeploy wall ${ms(sf.wallMs)} → **${ratio(wallRatio)}** (target ≤ 1.30×)\n`,
    );
    return {
      checks,
      summaries: s,
      failures,
      breakdown: p,
      speedup,
      speedupConcurrency8: speedup8,
      concurrency64Over8: sf64.wallMs / sf8.wallMs,
      pairRatios,
      cpuRatio: bash.cpuMs / sf.cpuMs,
      perCheck: medians,
      nodeStart,
      slowest,
      wallRatio,
    };
  } finally {
    await stack.stop();
  }
}

async function scale(o: Options, scratch: string): Promise<Record<string, unknown>> {
  log(`## Checklists of ${o.sizes.join(' / ')} cheap items (env and file probes; ${o.runs} interleaved runs each)\n`);
  const dir = join(scratch, 'scale');
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'bench-file.txt'), 'present\n');
  const env = { PATH: process.env.PATH ?? '/usr/bin:/bin', NO_COLOR: '1', BENCH_VAR: 'a-long-enough-value' };
  const specs: Record<string, RunSpec> = {};
  for (const n of o.sizes) {
    const file = join(dir, `generated-${n}.yaml`);
    writeFileSync(file, cheapChecklist(n));
    specs[`validate ${n}`] = { command: process.execPath, args: [SFDEPLOY, 'validate', file], cwd: dir, env };
    specs[`check ${n}`] = {
      command: process.execPath,
      args: [SFDEPLOY, 'check', file, '--ci', '--log-dir', join(dir, 'runs')],
      cwd: dir,
      env,
    };
  }
  const samples = await interleave(specs, o.runs, expectExit(0));
  const s = Object.fromEntries(Object.entries(samples).map(([k, v]) => [k, summarize(v)]));
  table(
    SUMMARY_HEADER,
    Object.entries(s).map(([k, v]) => summaryRow(k, v)),
  );
  const growth: Record<string, string>[] = [];
  for (const what of ['validate', 'check']) {
    for (let i = 1; i < o.sizes.length; i++) {
      const [a, b] = [o.sizes[i - 1]!, o.sizes[i]!];
      const [sa, sb] = [s[`${what} ${a}`]!, s[`${what} ${b}`]!];
      growth.push({
        step: `${what} ${a} → ${b}`,
        wallPerItem: `${((sb.wallMs - sa.wallMs) / (b - a)).toFixed(3)} ms`,
        cpuPerItem: `${((sb.cpuMs - sa.cpuMs) / (b - a)).toFixed(3)} ms`,
        rssPerItem: `${(((sb.maxRssMiB - sa.maxRssMiB) * 1024) / (b - a)).toFixed(1)} KiB`,
      });
    }
  }
  log('Cost of each added item between sizes (equal steps mean linear growth):\n');
  table(
    ['step', 'wall per item', 'CPU per item', 'RSS per item'],
    growth.map((g) => [g.step!, g.wallPerItem!, g.cpuPerItem!, g.rssPerItem!]),
  );
  return { summaries: s, growth };
}

async function main(): Promise<void> {
  const o = parseArgs(process.argv.slice(2));
  const scratch = mkdtempSync(join(tmpdir(), 'sfdeploy-bench-'));
  chmodSync(scratch, 0o755); // the PostgreSQL cluster runs as the postgres user under it
  process.env.TMPDIR = scratch;
  const results: Record<string, unknown> = { machine: machine(), options: { runs: o.runs, probeRuns: o.probeRuns, sizes: o.sizes } };
  log(`# sfdeploy benchmark — ${String((results.machine as Record<string, string>).date)}\n`);
  log(
    `${(results.machine as Record<string, string>).cpu}, load average at start ${(results.machine as Record<string, string>).loadAtStart}\n`,
  );
  try {
    if (o.parts.has('startup')) results.startup = await startup(o);
    if (o.parts.has('stack')) results.stack = await stackPart(o, scratch);
    if (o.parts.has('scale')) results.scale = await scale(o, scratch);
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
  (results.machine as Record<string, string>).loadAtEnd = loadavg()
    .map((l) => l.toFixed(2))
    .join(' ');
  writeFileSync(o.out, `${JSON.stringify(results, null, 2)}\n`);
  log(`load average at end ${(results.machine as Record<string, string>).loadAtEnd}; results written to ${o.out}`);
}

await main();
