import { spawn } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The repository root (where package.json is), wherever the compiled harness lives. */
export const ROOT = ((): string => {
  let dir = dirname(fileURLToPath(import.meta.url));
  while (!existsSync(join(dir, 'package.json')) || !existsSync(join(dir, 'bin', 'sfdeploy.js'))) {
    const up = dirname(dir);
    if (up === dir) throw new Error('cannot find the sfdeploy repository root');
    dir = up;
  }
  return dir;
})();

export const SFDEPLOY = join(ROOT, 'bin', 'sfdeploy.js');
const GNU_TIME = '/usr/bin/time';

export interface Sample {
  /** Spawn to exit, measured here. */
  wallMs: number;
  /** User + system CPU of the process and every descendant it waited for (wait4 rusage via GNU time). */
  cpuMs: number;
  /** Largest resident set of any single process of the tree (ru_maxrss), in MiB. */
  maxRssMiB: number;
  /** Largest sum of the resident sets of the whole tree at one moment, sampled every 10 ms, in MiB. */
  treeRssMiB: number;
  code: number | null;
  stdout: string;
  stderr: string;
}

export interface RunSpec {
  command: string;
  args: string[];
  cwd?: string;
  env?: Record<string, string>;
}

/** Runs a command under GNU time, sampling the resident memory of its process tree. */
export function measure(spec: RunSpec): Promise<Sample> {
  if (!existsSync(GNU_TIME)) throw new Error('GNU time is missing: apt-get install -y time');
  const report = join(tmpdir(), `sfdeploy-bench-time-${process.pid}-${Math.random().toString(36).slice(2)}`);
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const child = spawn(GNU_TIME, ['-f', '%U %S %M', '-o', report, spec.command, ...spec.args], {
      cwd: spec.cwd ?? ROOT,
      env: spec.env ?? process.env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    let treePeak = 0;
    const sampler = setInterval(() => {
      if (child.pid) treePeak = Math.max(treePeak, treeRss(child.pid, true));
    }, 10);
    child.on('error', (e) => {
      clearInterval(sampler);
      reject(e);
    });
    child.on('exit', () => clearInterval(sampler));
    child.on('close', (code) => {
      const wallMs = performance.now() - started;
      try {
        const fields = readFileSync(report, 'utf8').trim().split('\n').at(-1)!.split(' ').map(Number);
        const [user = 0, sys = 0, maxKb = 0] = fields;
        resolve({ wallMs, cpuMs: (user + sys) * 1000, maxRssMiB: maxKb / 1024, treeRssMiB: treePeak / 1024 / 1024, code, stdout, stderr });
      } catch (e) {
        reject(e instanceof Error ? e : new Error(String(e)));
      } finally {
        rmSync(report, { force: true });
      }
    });
  });
}

/** Sum of the resident sets (bytes) of a process's descendants (and of itself unless skipped). */
function treeRss(pid: number, skipSelf = false): number {
  let total = skipSelf ? 0 : rssOf(pid);
  for (const kid of childrenOf(pid)) total += treeRss(kid);
  return total;
}

function rssOf(pid: number): number {
  try {
    const resident = Number(readFileSync(`/proc/${pid}/statm`, 'utf8').split(' ')[1]);
    return resident * 4096;
  } catch {
    return 0;
  }
}

function childrenOf(pid: number): number[] {
  const out: number[] = [];
  try {
    for (const task of readdirSync(`/proc/${pid}/task`)) {
      const text = readFileSync(`/proc/${pid}/task/${task}/children`, 'utf8').trim();
      if (text) out.push(...text.split(' ').map(Number));
    }
  } catch {
    // the process is gone
  }
  return out;
}

export function median(values: number[]): number {
  const s = [...values].sort((a, b) => a - b);
  if (!s.length) return NaN;
  const mid = Math.floor(s.length / 2);
  return s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
}

export interface Summary {
  wallMs: number;
  cpuMs: number;
  maxRssMiB: number;
  treeRssMiB: number;
  /** Fastest and slowest wall time, to show the noise. */
  minWallMs: number;
  maxWallMs: number;
  runs: number;
}

export function summarize(samples: Sample[]): Summary {
  return {
    wallMs: median(samples.map((s) => s.wallMs)),
    cpuMs: median(samples.map((s) => s.cpuMs)),
    maxRssMiB: median(samples.map((s) => s.maxRssMiB)),
    treeRssMiB: median(samples.map((s) => s.treeRssMiB)),
    minWallMs: Math.min(...samples.map((s) => s.wallMs)),
    maxWallMs: Math.max(...samples.map((s) => s.wallMs)),
    runs: samples.length,
  };
}

/** Runs each spec `runs` times, interleaved (a, b, c, a, b, c, ...), so load on the machine hits all alike. */
export async function interleave(
  specs: Record<string, RunSpec>,
  runs: number,
  check?: (name: string, s: Sample) => void,
): Promise<Record<string, Sample[]>> {
  const out: Record<string, Sample[]> = Object.fromEntries(Object.keys(specs).map((k) => [k, []]));
  for (let i = 0; i < runs; i++) {
    for (const [name, spec] of Object.entries(specs)) {
      const s = await measure(spec);
      check?.(name, s);
      out[name]!.push(s);
    }
  }
  return out;
}
