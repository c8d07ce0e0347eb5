import { describe, expect, it } from 'vitest';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { parseChecklist } from '../../../src/checklist/load.js';
import { ProbeError } from '../../../src/errors.js';
import commandProbe from '../../../src/probes/command/index.js';
import { runChecklist } from '../../../src/runner/run.js';
import { createPendingProvider } from '../../support/pending-signoff.js';
import { createRedactor } from '../../../src/util/redact.js';
import { tempDir } from '../../support/tmp.js';

const ctx = (cwd = process.cwd(), env: Record<string, string> = {}, signal = new AbortController().signal) => ({
  signal,
  timeoutMs: 5000,
  env: { PATH: process.env.PATH!, ...env },
  lookup: (n: string) => env[n],
  cwd,
});

describe('command probe', () => {
  it('observes exit code, stdout and stderr', async () => {
    const out = await commandProbe.run(
      commandProbe.params.parse({ run: ['node', '-e', 'console.log("out"); console.error("err"); process.exit(4)'] }),
      ctx(),
    );
    expect(out.observations).toMatchObject({ exit_code: 4, stdout: 'out', stderr: 'err' });
    expect(out.problems).toEqual(['node exited with 4: err']);
  });

  it('reason: stdout fails with the lines the command printed, and with its exit code when it printed nothing', async () => {
    const run = async (script: string) =>
      (await commandProbe.run(commandProbe.params.parse({ shell: script, reason: 'stdout' }), ctx())).problems;
    expect(await run('echo "AWS access key in a.py b.py"; echo; echo "private key in k.pem"; echo noise >&2; exit 1')).toEqual([
      'AWS access key in a.py b.py',
      'private key in k.pem',
    ]);
    expect(await run('echo oops >&2; exit 2')).toEqual(['/bin/sh exited with 2: oops']);
    expect(await run('echo all good')).toEqual([]);
  });

  it('reports a missing executable as an error that names it', async () => {
    await expect(commandProbe.run(commandProbe.params.parse({ run: ['no-such-tool-xyz', 'status'] }), ctx())).rejects.toThrow(
      new ProbeError('command not found: no-such-tool-xyz (is it installed and on PATH?)'),
    );
  });

  it('requires exactly one of run and shell', () => {
    expect(commandProbe.params.safeParse({}).success).toBe(false);
    expect(commandProbe.params.safeParse({ run: ['a'], shell: 'b' }).success).toBe(false);
  });

  it('kills the command when the item is aborted', async () => {
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 100);
    await expect(
      commandProbe.run(
        commandProbe.params.parse({ run: ['node', '-e', 'setTimeout(() => {}, 30000)'] }),
        ctx(process.cwd(), {}, controller.signal),
      ),
    ).rejects.toThrow();
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
});
