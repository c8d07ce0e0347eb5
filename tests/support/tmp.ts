import { mkdtempSync, rmSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';

/** A temporary directory with files; remove() when done. */
export function tempDir(files: Record<string, string> = {}): {
  dir: string;
  path: (p: string) => string;
  write: (p: string, text: string) => string;
  remove: () => void;
} {
  const dir = mkdtempSync(join(tmpdir(), 'sfdeploy-test-'));
  const write = (p: string, text: string): string => {
    const full = join(dir, p);
    mkdirSync(dirname(full), { recursive: true });
    writeFileSync(full, text);
    return full;
  };
  for (const [p, text] of Object.entries(files)) write(p, text);
  return { dir, path: (p) => join(dir, p), write, remove: () => rmSync(dir, { recursive: true, force: true }) };
}
