import { applyConfig, findConfig, loadConfig } from '../config/config.js';
import type { CommandIO } from './io.js';

/** The IO with sfdeploy.config.yaml found, validated and its defaults filled into the environment. */
export function withConfig(io: CommandIO): CommandIO {
  const file = findConfig(io.cwd, io.env);
  if (!file) return io;
  const config = loadConfig(file);
  return { ...io, env: applyConfig(io.env, config), config };
}
