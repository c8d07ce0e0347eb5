import { appendFileSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

/** Processes that test scripts started, by the pids they append to one file: which still run, and ending them. */
export interface PidLog {
  /** The file the scripts append their pids to (`echo $$ >> file`). */
  file: string;
  /** The pids written so far whose process still runs (a zombie does not run). */
  running(): number[];
  /** Ends every process still running (a test's cleanup, whatever the outcome). */
  kill(): void;
}

const runs = (pid: number): boolean => {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z';
  } catch {
    return false;
  }
};

/** A pid file in `dir`; see PidLog. */
export function pidLog(dir: string, name = 'pids'): PidLog {
  const file = join(dir, name);
  appendFileSync(file, '');
  const pids = (): number[] => readFileSync(file, 'utf8').split('\n').filter(Boolean).map(Number);
  return {
    file,
    running: () => pids().filter(runs),
    kill: () => {
      for (const pid of pids().filter(runs)) {
        try {
          process.kill(pid, 'SIGKILL');
        } catch {
          // gone meanwhile
        }
      }
    },
  };
}
