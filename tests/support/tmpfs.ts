import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface Tmpfs {
  dir: string;
  remove(): void;
}

/**
 * A small tmpfs mounted at a fresh directory (needs root, as CI and the developer machines run): a disk that fills up
 * at `sizeKb`, or one mounted read-only.
 */
export function mountTmpfs(o: { sizeKb: number; readOnly?: boolean }): Tmpfs {
  const dir = mkdtempSync(join(tmpdir(), 'sfdeploy-tmpfs-'));
  mkdirSync(dir, { recursive: true });
  const options = `size=${o.sizeKb}k${o.readOnly ? ',ro' : ''}`;
  const r = spawnSync('mount', ['-t', 'tmpfs', '-o', options, 'tmpfs', dir], { encoding: 'utf8' });
  if (r.status !== 0) {
    rmSync(dir, { recursive: true, force: true });
    throw new Error(`mount -t tmpfs failed (the test needs root): ${r.stderr || r.error?.message}`);
  }
  return {
    dir,
    remove: () => {
      spawnSync('umount', [dir]);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
