import { Chalk } from 'chalk';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { loadChecklistFile } from '../checklist/load.js';
import { ChecklistError, formatProblem } from '../errors.js';
import { buildEnv } from './env-files.js';
import { BUNDLED_DIR, BUNDLED_NAMES, displayPath, resolveChecklist, type CommandIO } from './io.js';

/** `sfdeploy validate [files...]`: every problem of every file, located; exit 0 or 2. */
export async function validate(files: string[], opts: { envFile: string[]; var: string[] }, io: CommandIO): Promise<number> {
  const c = new Chalk({ level: io.color ? 1 : 0 });
  const paths = files.length ? files.map((f) => resolveChecklist(f, io.cwd, io.config?.checklists)) : defaultChecklists(io);
  const env = buildEnv(io.env, io.cwd, opts.envFile, opts.var);
  let bad = 0;
  for (const file of paths) {
    const shown = displayPath(file, io.cwd);
    try {
      const checklist = await loadChecklistFile(file, { cwd: io.cwd, env, aliases: io.config?.vars });
      const manual = checklist.items.filter((it) => it.manual).length;
      io.stdout.write(
        `${c.green('✔')} ${shown} ${c.dim(`${checklist.definition.id}: ${checklist.items.length} items, ${checklist.items.length - manual} automated, ${manual} manual`)}\n`,
      );
      for (const d of checklist.dropped) io.stdout.write(c.dim(`  dropped ${d.id}: ${d.reason}\n`));
    } catch (e) {
      if (!(e instanceof ChecklistError)) throw e;
      bad++;
      io.stdout.write(`${c.red('✖')} ${shown} ${c.dim(`${e.problems.length} problem${e.problems.length === 1 ? '' : 's'}`)}\n`);
      for (const p of e.problems) io.stderr.write(`${formatProblem({ ...p, file: displayPath(p.file, io.cwd) })}\n`);
    }
  }
  return bad ? 2 : 0;
}

/** The team's checklists (the config's `checklists` folder) when there is one, else the bundled ones. */
function defaultChecklists(io: CommandIO): string[] {
  const dir = io.config?.checklists;
  const own = dir ? readdirSafe(dir).filter((f) => /\.ya?ml$/.test(f)) : [];
  return own.length ? own.sort().map((f) => join(dir!, f)) : BUNDLED_NAMES.map((n) => join(BUNDLED_DIR, `${n}.yaml`));
}

function readdirSafe(dir: string): string[] {
  try {
    return readdirSync(dir);
  } catch {
    return [];
  }
}
