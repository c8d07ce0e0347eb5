/**
 * Sends a signal to every process of the group `pid` leads (a child spawned with `detached: true`); quiet when
 * the group is already gone.
 */
export function signalProcessGroup(pid: number | undefined, signal: NodeJS.Signals): void {
  if (pid === undefined) return;
  try {
    process.kill(-pid, signal);
  } catch {
    // the group has no process left
  }
}
