import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REPO_ROOT, runCli } from '../support/cli.js';
import { sendJson, startHttpServer, type TestHttpServer } from '../support/http-server.js';
import { tempDir } from '../support/tmp.js';

const exec = promisify(execFile);

interface Ran {
  code: number;
  stdout: string;
  stderr: string;
}

const CHECKLIST = `id: sea
title: Single executable
sections:
  - id: s
    title: S
    items:
      - id: api
        title: API healthy
        probe:
          kind: http
          url: \${API_BASE_URL}/api/v1/health/ready
          expect:
            - status == 200
            - json.checks.*.status == "healthy"
      - id: api-down
        title: A dependency is down
        probe:
          kind: http
          url: \${API_BASE_URL}/api/v1/health/detailed
          expect:
            - json.checks.*.status == "healthy"
      - id: secret
        title: The secret is set
        probe:
          kind: env
          vars: [SEA_SECRET]
      - id: shell
        title: A command runs
        probe:
          kind: command
          run: [sh, -c, 'echo ok']
          expect:
            - stdout == "ok"
`;

/**
 * `npm run build:sea` (scripts/build-sea.mjs): the single executable runs the same checks as the bundle, with the
 * same results, on a PATH without Node.
 */
describe('the single executable', () => {
  const t = tempDir({ 'sea.yaml': CHECKLIST });
  const out = t.path('dist-sea');
  let api: TestHttpServer;

  const sea = async (args: string[], env: Record<string, string> = {}): Promise<Ran> => {
    try {
      const r = await exec(join(out, 'sfdeploy'), args, {
        cwd: t.dir,
        env: { PATH: '/usr/bin:/bin', HOME: t.dir, NO_COLOR: '1', ...env },
        timeout: 30_000,
      });
      return { code: 0, stdout: r.stdout, stderr: r.stderr };
    } catch (e) {
      const f = e as { code?: number; stdout?: string; stderr?: string };
      return { code: f.code ?? -1, stdout: f.stdout ?? '', stderr: f.stderr ?? '' };
    }
  };

  beforeAll(async () => {
    api = await startHttpServer((req, res) => {
      if (req.url === '/api/v1/health/ready') sendJson(res, 200, { status: 'ready', checks: { database: { status: 'healthy' } } });
      else sendJson(res, 200, { status: 'degraded', checks: { database: { status: 'healthy' }, redis: { status: 'unhealthy' } } });
    });
    await exec(process.execPath, [join(REPO_ROOT, 'scripts/build-sea.mjs'), out], { cwd: REPO_ROOT, timeout: 120_000 });
  }, 150_000);

  afterAll(async () => {
    await api.close();
    t.remove();
  });

  it('answers --version with the package version, without Node on PATH', async () => {
    const version = (JSON.parse(readFileSync(join(REPO_ROOT, 'package.json'), 'utf8')) as { version: string }).version;
    const r = await sea(['--version'], { PATH: '/nonexistent' });
    expect(r).toMatchObject({ code: 0, stdout: `${version}\n` });
  });

  it('validates the bundled checklists as the bundle does', async () => {
    const args = ['validate', ...['pre', 'deploy', 'post', 'rollback'].map((c) => join(REPO_ROOT, 'checklists', `${c}.yaml`))];
    const [bundle, single] = [await runCli(args, { cwd: t.dir }), await sea(args)];
    expect(bundle.code).toBe(0);
    expect(single).toEqual({ code: bundle.code, stdout: bundle.stdout, stderr: bundle.stderr });
  });

  it('runs a checklist with the same results and exit code as the bundle', async () => {
    const env = { API_BASE_URL: api.url, SEA_SECRET: '' };
    const args = ['check', 'sea.yaml', '--ci', '--format', 'json', '--log-dir', 'runs'];
    const bundle = await runCli(args, { cwd: t.dir, env });
    const single = await sea(args, env);
    const items = (r: { stdout: string }) =>
      (JSON.parse(r.stdout) as { items: { id: string; status: string; message?: string }[] }).items.map((i) => [
        i.id,
        i.status,
        i.message?.replace(/\d+ms/g, 'N ms'),
      ]);
    expect(bundle.code).toBe(1);
    expect(single.code).toBe(bundle.code);
    expect(items(single)).toEqual(items(bundle));
    expect(items(single).map(([id, status]) => [id, status])).toEqual([
      ['api', 'pass'],
      ['api-down', 'fail'],
      ['secret', 'fail'],
      ['shell', 'pass'],
    ]);
  });
});
