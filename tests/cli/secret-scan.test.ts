/** code-no-secrets of checklists/pre.yaml: names each kind of secret with its files; test fixtures can be allowed. */
import { afterAll, describe, expect, it } from 'vitest';
import type { RunLog } from '../../src/runner/types.js';
import { REPO_ROOT, runCli } from '../support/cli.js';
import { gitSandbox, GIT_ENV } from '../support/git-repo.js';
import { tempDir } from '../support/tmp.js';

const sandbox = gitSandbox();
const logs = tempDir();
afterAll(() => {
  sandbox.remove();
  logs.remove();
});

// assembled at run time so that this file itself holds no key
const FAKE_AWS = ['AKIA', 'Z7QW4RT9YB2KX5MN'].join('');
const FAKE_STRIPE = ['sk_', 'live_', '51HxQ2eK9vLmN4pR7sT1uW3y'].join('');

async function scan(cwd: string) {
  const r = await runCli(['check', 'pre', '--only', 'code-no-secrets', '--ci', '--format', 'json', '--log-dir', logs.dir], {
    cwd,
    env: GIT_ENV,
  });
  return (JSON.parse(r.stdout) as RunLog).items.find((i) => i.id === 'code-no-secrets')!;
}

describe('the secret scan', () => {
  it('names the kind of secret and the files, never the text', async () => {
    const repo = sandbox.repo('leaky', { 'app/settings.py': `AWS_KEY = "${FAKE_AWS}"\n`, 'app/pay.py': `KEY = "${FAKE_STRIPE}"\n` });
    const item = await scan(repo.dir);
    expect(item.status).toBe('fail');
    expect(item.message).toBe('AWS access key in app/settings.py; Stripe live key in app/pay.py');
    expect(JSON.stringify(item)).not.toContain(FAKE_AWS);
  });

  it('skips the globs of .sfdeploy-secrets-allow and lines marked sfdeploy:allow-secret, and still finds the rest', async () => {
    const repo = sandbox.repo('fixtures', {
      '.sfdeploy-secrets-allow': '# fake keys of the tests\ntests/**\n',
      'tests/fixtures/aws.env': `AWS_ACCESS_KEY_ID=${FAKE_AWS}\n`,
      'docs/example.md': `key: ${FAKE_AWS} <!-- sfdeploy:allow-secret -->\n`,
    });
    expect((await scan(repo.dir)).status).toBe('pass');
    repo.write('app/config.py', `KEY = "${FAKE_AWS}"\n`);
    repo.commit('a real leak');
    expect((await scan(repo.dir)).message).toContain('AWS access key in app/config.py');
  });

  it('passes on the sfdeploy repository itself (its test fixtures are allowed)', async () => {
    expect((await scan(REPO_ROOT)).status).toBe('pass');
  });
});
