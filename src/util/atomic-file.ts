import { closeSync, fsyncSync, openSync, renameSync, rmSync, writeSync } from 'node:fs';
import { open, readdir, rename, rm } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { isProcessAlive } from './process-alive.js';

/**
 * Atomic file replacement (write a temp file beside the target, fsync, rename over it) whose temp files carry the
 * writer's pid: `.<name>.<pid>.tmp`. A process killed mid-write (SIGKILL) leaves one behind; removeStaleTempFiles
 * removes those of processes that no longer run. write-file-atomic names its temp files by a hash that hides the pid,
 * so its leftovers cannot be told apart from a live writer's: that is why this is written here.
 */
const TEMP = /^\.(.+)\.(\d+)\.tmp$/;

const tempPath = (file: string, pid: number): string => join(dirname(file), `.${basename(file)}.${pid}.tmp`);

export async function writeFileAtomic(file: string, data: string, pid = process.pid): Promise<void> {
  const tmp = tempPath(file, pid);
  const handle = await open(tmp, 'w', 0o644);
  try {
    await handle.writeFile(data);
    await handle.sync();
  } finally {
    await handle.close();
  }
  try {
    await rename(tmp, file);
  } catch (e) {
    await rm(tmp, { force: true });
    throw e;
  }
}

export function writeFileAtomicSync(file: string, data: string, pid = process.pid): void {
  const tmp = tempPath(file, pid);
  const fd = openSync(tmp, 'w', 0o644);
  try {
    writeSync(fd, data);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  try {
    renameSync(tmp, file);
  } catch (e) {
    rmSync(tmp, { force: true });
    throw e;
  }
}

/** Removes temp files in `dir` left by writers that were killed mid-write; returns their names. */
export async function removeStaleTempFiles(dir: string): Promise<string[]> {
  let names: string[];
  try {
    names = await readdir(dir);
  } catch {
    return [];
  }
  const stale = names.filter((n) => {
    const m = TEMP.exec(n);
    return m !== null && Number(m[2]) !== process.pid && !isProcessAlive(Number(m[2]));
  });
  await Promise.all(stale.map((n) => rm(join(dir, n), { force: true })));
  return stale;
}
