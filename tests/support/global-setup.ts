import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/** CLI tests spawn the built binary: make sure `npm run build` ran (npm test does it). */
export default function setup(): void {
  const cli = fileURLToPath(new URL('../../dist/cli.js', import.meta.url));
  if (!existsSync(cli)) throw new Error('dist/cli.js is missing: run `npm run build` (npm test builds first)');
}
