import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** sfdeploy's own package.json, found upward from this module wherever the build put it (dist/, dist/chunks/, src/). */
function findPackage(from: string): { root: string; version: string } {
  for (let dir = from; ; dir = dirname(dir)) {
    const file = join(dir, 'package.json');
    if (existsSync(file)) {
      const pkg = JSON.parse(readFileSync(file, 'utf8')) as { name?: string; version?: string };
      if (pkg.name === 'sfdeploy') return { root: dir, version: pkg.version ?? '0.0.0' };
    }
    if (dirname(dir) === dir) throw new Error(`sfdeploy's package.json was not found above ${from}`);
  }
}

const found = findPackage(dirname(fileURLToPath(import.meta.url)));

/** The folder sfdeploy is installed in (its package.json, checklists/, schema/). */
export const PACKAGE_ROOT = found.root;
export const PACKAGE_VERSION = found.version;
