import { renderChecklistJsonSchema } from '../checklist/json-schema.js';
import { type CommandIO, writeOutputFile } from './io.js';

/** `sfdeploy schema`: the checklist JSON Schema (draft-07) for editors, on stdout or into a file. */
export async function schema(opts: { output?: string | undefined }, io: CommandIO): Promise<number> {
  const text = renderChecklistJsonSchema();
  if (!opts.output) {
    io.stdout.write(text);
    return 0;
  }
  const shown = await writeOutputFile(opts.output, text, io.cwd);
  io.stderr.write(`wrote ${shown}\n`);
  return 0;
}
