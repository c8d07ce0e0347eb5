import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { cliCommand } from './cli.js';

/**
 * A command running in a real pseudo-terminal: a private tmux server, one detached 120x50 window, the pane
 * kept after the command exits so its last screen and exit status can be read.
 */
export class TmuxSession {
  private constructor(
    private readonly socket: string,
    private readonly home: string,
  ) {}

  /**
   * Starts `sfdeploy <args>` (the built binary) in `cwd` with NO_COLOR and no CI variable. With `stdoutTo`, its
   * stdout goes through a pipe into that file (`sfdeploy … | cat > file`); with `stderrTo`, stderr goes to that file;
   * `env` sets variables for the command, a null value unsets one (`{ NO_COLOR: null }` for colour).
   */
  static async sfdeploy(
    args: string[],
    cwd: string,
    o: { stdoutTo?: string; stderrTo?: string; env?: Record<string, string | null> } = {},
  ): Promise<TmuxSession> {
    const home = mkdtempSync(join(tmpdir(), 'sfdeploy-tmux-'));
    const conf = join(home, 'tmux.conf');
    writeFileSync(conf, 'set -g remain-on-exit on\nset -g history-limit 10000\nset -g default-terminal xterm-256color\n');
    const session = new TmuxSession(join(home, 'tmux.sock'), home);
    // The exit status is printed by the shell: tmux's #{pane_dead_status} is not always filled in.
    const prefix = Object.entries(o.env ?? {}).flatMap(([k, v]) => (v === null ? ['-u', k] : [`${k}=${v}`]));
    const argv = [...(prefix.length ? ['env', ...prefix] : []), ...cliCommand(args)];
    const sfdeploy = `${argv.map(shellQuote).join(' ')}${o.stderrTo ? ` 2>${shellQuote(o.stderrTo)}` : ''}`;
    const command = o.stdoutTo
      ? `{ ${sfdeploy}; echo "${EXIT_MARKER}$?" >&2; } | cat > ${shellQuote(o.stdoutTo)}`
      : `${sfdeploy}; echo "${EXIT_MARKER}$?"`;
    await session.tmux(['-f', conf, 'new-session', '-d', '-s', 'sfdeploy', '-x', '120', '-y', '50', '-c', cwd, command]);
    return session;
  }

  /** The whole pane including scrollback, wrapped lines joined. */
  screen(): Promise<string> {
    return this.tmux(['capture-pane', '-p', '-J', '-S', '-', '-t', 'sfdeploy']);
  }

  /** The same with the escape sequences of text and background attributes (colours), as `capture-pane -e` gives. */
  styledScreen(): Promise<string> {
    return this.tmux(['capture-pane', '-p', '-e', '-J', '-S', '-', '-t', 'sfdeploy']);
  }

  /** Polls the screen until it contains `text` (the `nth` occurrence); throws with the screen at the deadline. */
  async waitFor(text: string, { nth = 1, timeoutMs = 10_000 } = {}): Promise<string> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const screen = await this.screen();
      if (screen.split(text).length - 1 >= nth) return screen;
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${JSON.stringify(text)} on the screen:\n${screen}`);
      await new Promise((r) => setTimeout(r, 40));
    }
  }

  /** Presses keys by tmux name: Enter, Down, C-c… */
  async press(...keys: string[]): Promise<void> {
    for (const key of keys) await this.tmux(['send-keys', '-t', 'sfdeploy', key]);
  }

  /** Types text literally. */
  async type(text: string): Promise<void> {
    await this.tmux(['send-keys', '-t', 'sfdeploy', '-l', text]);
  }

  /** Waits for the command to exit and returns its exit status. */
  async exitCode(timeoutMs = 15_000): Promise<number> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const marker = new RegExp(`${EXIT_MARKER}(\\d+)`).exec(await this.screen());
      if (marker) return Number(marker[1]);
      if (Date.now() > deadline) throw new Error(`the command did not exit within ${timeoutMs}ms:\n${await this.screen()}`);
      await new Promise((r) => setTimeout(r, 40));
    }
  }

  async close(): Promise<void> {
    await this.tmux(['kill-server']).catch(() => undefined);
    rmSync(this.home, { recursive: true, force: true });
  }

  private tmux(args: string[]): Promise<string> {
    const env = { PATH: process.env.PATH, HOME: this.home, LANG: 'C.UTF-8', NO_COLOR: '1', TERM: 'xterm-256color' };
    return new Promise((resolve, reject) => {
      execFile('tmux', ['-u', '-S', this.socket, ...args], { env, timeout: 10_000 }, (err, stdout, stderr) => {
        if (err) reject(new Error(`tmux ${args[0]} failed: ${stderr || err.message}`));
        else resolve(stdout);
      });
    });
  }
}

const EXIT_MARKER = 'sfdeploy-exit-status=';

function shellQuote(s: string): string {
  return /^[\w@%+=:,./-]+$/.test(s) ? s : `'${s.replace(/'/g, `'\\''`)}'`;
}
