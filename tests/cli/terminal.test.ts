import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../support/cli.js';
import { TmuxSession } from '../support/tmux.js';
import { tempDir } from '../support/tmp.js';
import { wantsColor } from '../../src/util/color.js';

const CHECKLIST = `id: colours
title: Colours
sections:
  - id: s
    title: Section
    items:
      - id: slow
        title: Slow enough to show the spinner
        probe: { kind: command, run: [node, -e, "setTimeout(() => {}, 2500)"] }
      - id: broken
        title: Fails in red
        probe: { kind: command, run: [node, -e, "process.exit(3)"] }
`;

let ws: ReturnType<typeof tempDir>;
beforeAll(() => {
  ws = tempDir({ 'c.yaml': CHECKLIST });
});
afterAll(() => ws.remove());

const SGR = '\x1b[';

/** Runs the checklist in a pseudo-terminal; returns the styled screen while the spinner runs and at the end. */
async function inTerminal(env: Record<string, string | null>, extra: string[] = []): Promise<{ spinning: string; done: string }> {
  const t = await TmuxSession.sfdeploy(['check', 'c.yaml', '--ci', '--log-dir', 'runs', ...extra], ws.dir, { env });
  try {
    await t.waitFor('running slow');
    const spinning = await t.styledScreen();
    await t.exitCode();
    return { spinning, done: await t.styledScreen() };
  } finally {
    await t.close();
  }
}

describe('colour conventions', () => {
  it('colours a terminal by default, the spinner included (the control case)', async () => {
    const { spinning, done } = await inTerminal({ NO_COLOR: null });
    expect(spinning.split('\n').find((l) => l.includes('running') && l.includes('slow'))).toContain(SGR);
    expect(done).toContain(SGR);
  }, 30_000);

  const off: [string, Record<string, string | null>, string[]][] = [
    ['NO_COLOR=1', { NO_COLOR: '1' }, []],
    ['FORCE_COLOR=0', { NO_COLOR: null, FORCE_COLOR: '0' }, []],
    ['TERM=dumb', { NO_COLOR: null, TERM: 'dumb' }, []],
    ['--no-color', { NO_COLOR: null }, ['--no-color']],
  ];
  it.each(off)(
    '%s: no colour at all, not even the spinner',
    async (_name, env, extra) => {
      const { spinning, done } = await inTerminal(env, extra);
      expect(spinning).not.toContain(SGR);
      expect(done).not.toContain(SGR);
      expect(done).toContain('Fails in red');
    },
    30_000,
  );

  it('FORCE_COLOR colours a pipe; --no-color wins over it, before or after the command', async () => {
    const forced = await runCli(['list'], { env: { NO_COLOR: undefined, FORCE_COLOR: '1' } });
    expect(forced.stdout).toContain(SGR);
    for (const args of [
      ['list', '--no-color'],
      ['--no-color', 'list'],
    ]) {
      const r = await runCli(args, { env: { NO_COLOR: undefined, FORCE_COLOR: '1' } });
      expect(r.code).toBe(0);
      expect(r.stdout).not.toContain(SGR);
    }
  });

  it('decides by the conventions, strongest first', () => {
    expect(wantsColor({}, true)).toBe(true);
    expect(wantsColor({}, false)).toBe(false);
    expect(wantsColor({ NO_COLOR: '' }, true)).toBe(true);
    expect(wantsColor({ NO_COLOR: '1' }, true)).toBe(false);
    expect(wantsColor({ TERM: 'dumb' }, true)).toBe(false);
    expect(wantsColor({ FORCE_COLOR: 'false' }, true)).toBe(false);
    expect(wantsColor({ FORCE_COLOR: '1', NO_COLOR: '1', TERM: 'dumb' }, false)).toBe(true);
    expect(wantsColor({ FORCE_COLOR: '1' }, true, true)).toBe(false);
  });
});

describe('bare sfdeploy', () => {
  it('prints the help on stderr and exits 1, as commander does; --help and help exit 0', async () => {
    const bare = await runCli([]);
    expect(bare.code).toBe(1);
    expect(bare.stderr).toContain('Usage: sfdeploy');
    expect(bare.stdout).toBe('');
    expect((await runCli(['--help'])).code).toBe(0);
    const help = await runCli(['help']);
    expect(help.code).toBe(0);
    expect(help.stdout).toContain('Usage: sfdeploy');
  });
});
