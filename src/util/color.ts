/**
 * Whether sfdeploy colours its output, by the common conventions, strongest first: `--no-color`; `FORCE_COLOR`
 * (`0` or `false` turns colour off, any other value on, even into a pipe); `NO_COLOR` set and not empty
 * (https://no-color.org); `TERM=dumb`; otherwise colour only on a terminal.
 */
export function wantsColor(env: Record<string, string | undefined>, isTTY: boolean, noColorFlag = false): boolean {
  if (noColorFlag) return false;
  const force = env.FORCE_COLOR;
  if (force !== undefined && force !== '') return force !== '0' && force.toLowerCase() !== 'false';
  if (env.NO_COLOR !== undefined && env.NO_COLOR !== '') return false;
  if (env.TERM === 'dumb') return false;
  return isTTY;
}
