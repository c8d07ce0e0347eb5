import { describe, expect, it } from 'vitest';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { parseChecklist } from '../../../src/checklist/load.js';
import { ProbeError } from '../../../src/errors.js';
import commandProbe from '../../../src/probes/command/index.js';
import { runChecklist } from '../../../src/runner/run.js';
import { createPendingProvider } from '../../support/pending-signoff.js';
import { createRedactor } from '../../../src/util/redact.js';
import { probeError, runProbe } from '../../support/probe-run.js';
import { tempDir } from '../../support/tmp.js';

const env = (extra: Record<string, string> = {}) => ({ PATH: process.env.PATH!, ...extra });

describe('command probe', () => {
  it('observes exit code, stdout and stderr', async () => {
    const out = await runProbe(
      commandProbe,
      { run: ['node', '-e', 'console.log("out"); console.error("err"); process.exit(4)'] },
      { env: env() },
    );
    expect(out.observations).toMatchObject({ exit_code: 4, stdout: 'out', stderr: 'err' });
    expect(out.problems).toEqual(['node exited with 4: err']);
  });

  it('reason: stdout fails with the lines the command printed, and with its exit code when it printed nothing', async () => {
    const run = async (script: string) => (await runProbe(commandProbe, { shell: script, reason: 'stdout' }, { env: env() })).problems;
    expect(await run('echo "AWS access key in a.py b.py"; echo; echo "private key in k.pem"; echo noise >&2; exit 1')).toEqual([
      'AWS access key in a.py b.py',
      'private key in k.pem',
    ]);
    expect(await run('echo oops >&2; exit 2')).toEqual(['/bin/sh exited with 2: oops']);
    expect(await run('echo all good')).toEqual([]);
  });

  it('reports a missing executable as an error that names it', async () => {
    const { error } = await probeError(commandProbe, { run: ['no-such-tool-xyz', 'status'] }, { env: env() });
    expect(error).toEqual(new ProbeError('command not found: no-such-tool-xyz (is it installed and on PATH?)'));
    expect(error).toBeInstanceOf(ProbeError);
  });

  it('requires exactly one of run and shell', () => {
    expect(commandProbe.params.safeParse({}).success).toBe(false);
    expect(commandProbe.params.safeParse({ run: ['a'], shell: 'b' }).success).toBe(false);
  });

  it('kills the command when the item is aborted', async () => {
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 100);
    const { error } = await probeError(
      commandProbe,
      { run: ['node', '-e', 'setTimeout(() => {}, 30000)'] },
      {
        env: env(),
        signal: controller.signal,
        timeoutMs: 60_000,
      },
    );
    expect(error.message).toBe('node was cancelled');
  });

  it('never lets an interpolated value reach a shell: $(...) and ; stay literal text', async () => {
    const t = tempDir();
    try {
      const env = { PATH: process.env.PATH!, EVIL: `$(touch ${join(t.dir, 'pwned')}); touch ${join(t.dir, 'pwned2')}` };
      const checklist = parseChecklist(
        `id: c\ntitle: C\nsections:\n  - id: s\n    title: S\n    items:\n      - id: argv\n        title: argv\n        probe: { kind: command, run: [node, -e, "console.log(process.argv[1])", "\${EVIL}"] }\n      - id: shell\n        title: shell\n        probe: { kind: command, shell: 'echo "\${EVIL}"' }\n`,
        'c.yaml',
        { env },
      );
      const log = await runChecklist({
        runId: 'r',
        checklist,
        context: { release: null, environment: null, gitSha: null, gitDirty: null, host: 'h', user: 'u', sfdeployVersion: '0' },
        concurrency: 2,
        signoff: createPendingProvider(),
        signal: new AbortController().signal,
        env,
        cwd: t.dir,
        redact: createRedactor({}),
        listeners: [],
      });
      expect(log.items.map((i) => i.status)).toEqual(['pass', 'pass']);
      expect(log.items[0]!.observations.stdout).toBe(env.EVIL);
      expect(log.items[1]!.observations.stdout).toBe(env.EVIL);
      expect(existsSync(join(t.dir, 'pwned'))).toBe(false);
      expect(existsSync(join(t.dir, 'pwned2'))).toBe(false);
    } finally {
      t.remove();
    }
  });

  it('masks a secret before its output is cut to its first and last 32 KiB: no part of it is kept', async () => {
    const token = 'tok_live_9f8e7d6c5b4a39281706';
    // the token starts 8 bytes before the end of the first 32 KiB and 8 bytes before the start of the last 32 KiB
    const shell = `printf '%32760s' '' | tr ' ' a; printf '%s' "$DEPLOY_TOKEN"; printf '%40000s' '' | tr ' ' b; printf '%s' "$DEPLOY_TOKEN"; printf '%32760s' '' | tr ' ' c`;
    const out = await runProbe(
      commandProbe,
      { shell },
      { env: env({ DEPLOY_TOKEN: token }), redact: createRedactor({ DEPLOY_TOKEN: token }) },
    );
    expect(out.observations).toMatchObject({ exit_code: 0, truncated: true });
    const stdout = String(out.observations.stdout);
    expect(stdout).toMatch(/^[ab*]+\n… \(\d+ bytes not kept\) …\n[bc*]+$/);
  });
});
