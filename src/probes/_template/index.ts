/**
 * The starting point of a new probe: `npm run new-probe -- <kind>` copies this folder to `src/probes/<kind>/`, adds the
 * registry line to `src/probes/index.ts` and a test to `tests/integration/probes/<kind>.test.ts`. The contract it
 * follows is in `../types.ts`. Replace the link below with the upstream documentation of what the probe checks.
 * https://nodejs.org/api/fs.html#fspromisesreaddirpath-options
 */
import { readdir } from 'node:fs/promises';
import { resolve } from 'node:path';
import { z } from 'zod';
import { ProbeError } from '../../errors.js';
import { untilAborted } from '../abort.js';
import { int } from '../params.js';
import { defineProbe } from '../types.js';

/** Every parameter described, defaults in the schema, strict: a misspelt key is an error. */
const params = z.strictObject({
  path: z.string().min(1, 'expected a directory such as migrations/versions').describe('The directory to count entries of (required).'),
  min_entries: int()
    .pipe(z.int().min(0, 'expected 0 or more'))
    .default(1)
    .describe('Fewest entries the built-in check accepts. Default 1.'),
});

export default defineProbe({
  kind: '_template',
  summary: 'Counts the entries of a directory (a template: copy it with `npm run new-probe -- <kind>`).',
  docs: 'https://nodejs.org/api/fs.html#fspromisesreaddirpath-options',
  params,
  example: { path: 'migrations/versions' },
  observations: {
    entries: 'the number of entries in the directory',
    names: 'the names of its entries, sorted',
  },
  defaultCheck: 'the directory has at least `min_entries` entries',
  async run(p, ctx) {
    const dir = resolve(ctx.cwd, p.path);
    let names: string[];
    try {
      names = await untilAborted(readdir(dir), ctx.signal);
    } catch (e) {
      if (ctx.signal.aborted) throw e;
      const code = (e as NodeJS.ErrnoException).code;
      // the check could not run: an `error`, not a `fail`
      if (code === 'ENOTDIR') throw new ProbeError(`${p.path} is not a directory`);
      // a plain Error: the item fails with this message
      throw new Error(code === 'ENOENT' ? `${p.path} does not exist` : `cannot read ${p.path}: ${(e as Error).message}`);
    }
    const entries = names.length;
    return {
      observations: { entries, names: names.sort() },
      problems: entries < p.min_entries ? [`${p.path} has ${entries} entries, fewer than ${p.min_entries}`] : [],
      summary: `${p.path} has ${entries} entries`,
    };
  },
});
