import { writeFile } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { renderChecklistJsonSchema } from '../checklist/json-schema.js';
import { UsageError } from '../errors.js';
import { makeDirectory } from '../util/make-directory.js';
import { displayPath, type CommandIO } from './io.js';

/** `sfdeploy schema`: the checklist JSON Schema (draft-07) for editors, on stdout or into a file. */
export async function schema(opts: { output?: string | undefined }, io: CommandIO): Promise<number> {
  const text = renderChecklistJsonSchema();
  if (!opts.output) {
    io.stdout.write(text);
    return 0;
  }
  const out = resolve(io.cwd, opts.output);
  try {
    await makeDirectory(dirname(out));
    await writeFile(out, text);
  } catch (e) {
    throw new UsageError(`cannot write ${displayPath(out, io.cwd)}: ${(e as Error).message}`);
  }
  io.stderr.write(`wrote ${displayPath(out, io.cwd)}\n`);
  return 0;
}
