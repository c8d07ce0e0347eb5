import { join } from 'node:path';
import { applyConfig, CONFIG_FILE, findConfig, loadConfig } from '../config/config.js';
import { ChecklistError } from '../errors.js';
import { displayPath, type CommandIO } from './io.js';

/**
 * The IO with sfdeploy.config.yaml found, validated and its defaults filled into the environment.
 * `replacesConfig` (`init --force`): the command rewrites the working directory's config, so when that is the one
 * found and it does not load, the command runs without it instead of stopping. Problems name the file as shown
 * (relative to the working directory when inside it).
 */
export function withConfig(io: CommandIO, replacesConfig = false): CommandIO {
  const file = findConfig(io.cwd, io.env);
  if (!file) return io;
  try {
    const config = loadConfig(file);
    return { ...io, env: applyConfig(io.env, config), config };
  } catch (e) {
    if (!(e instanceof ChecklistError)) throw e;
    if (replacesConfig && file === join(io.cwd, CONFIG_FILE)) return io;
    throw new ChecklistError(e.problems.map((p) => ({ ...p, file: displayPath(p.file, io.cwd) })));
  }
}
