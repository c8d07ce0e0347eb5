import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { TestProject } from 'vitest/node';

declare module 'vitest' {
  export interface ProvidedContext {
    /** A folder for this test run's throwaway servers (the PostgreSQL template cluster lives here); deleted at the end. */
    sfdeployTestRunDir: string;
  }
}

/** CLI tests spawn the built binary: make sure `npm run build` ran (npm test does it). */
export default function setup(project: TestProject): () => void {
  const cli = fileURLToPath(new URL('../../dist/cli.js', import.meta.url));
  if (!existsSync(cli)) throw new Error('dist/cli.js is missing: run `npm run build` (npm test builds first)');
  const runDir = mkdtempSync(join(tmpdir(), 'sfdeploy-run-'));
  project.provide('sfdeployTestRunDir', runDir);
  return () => {
    stopLeftoverClusters(runDir);
    rmSync(runDir, { recursive: true, force: true });
  };
}

/** A test that crashed before its afterAll may leave a PostgreSQL server running: stop it before deleting its files. */
function stopLeftoverClusters(runDir: string): void {
  if (!existsSync(runDir)) return;
  for (const name of readdirSync(runDir)) {
    const pid = join(runDir, name, 'postmaster.pid');
    if (!existsSync(pid)) continue;
    try {
      const first = Number(readFileSync(pid, 'utf8').split('\n')[0]);
      if (first > 0) process.kill(first, 'SIGQUIT');
    } catch {
      // already gone
    }
  }
}
