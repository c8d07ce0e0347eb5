import { mkdir, writeFile } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { renderChecklistJsonSchema } from '../checklist/json-schema.js';
import { displayPath, type CommandIO } from './io.js';

/** `sfdeploy schema`: the checklist JSON Schema (draft-07) for editors, on stdout or into a file. */
export async function schema(opts: { output?: string | undefined }, io: CommandIO): Promise<number> {
  const text = renderChecklistJsonSchema();
  if (!opts.output) {
    io.stdout.write(text);
    return 0;
  }
  const out = resolve(io.cwd, opts.output);
  await mkdir(dirname(out), { recursive: true });
  await writeFile(out, text);
  io.stderr.write(`wrote ${displayPath(out, io.cwd)}\n`);
  return 0;
}
