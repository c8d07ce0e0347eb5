import { readFileSync } from 'node:fs';
import { XMLParser } from 'fast-xml-parser';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { RunLog } from '../../src/runner/types.js';
import { FileLedger } from '../../src/signoff/ledger.js';
import { loadChecklistFile } from '../../src/checklist/load.js';
import { runCli } from '../support/cli.js';
import { S3RVER_ACCESS_KEY, S3RVER_SECRET_KEY, startS3rver, type S3rverInstance } from '../support/s3.js';
import { readLedger, signoffScenario } from '../support/signoff.js';

const ANA = 'Ana <ana@example.com>';
let s: ReturnType<typeof signoffScenario>;
afterEach(() => s?.remove());

const waive = (...args: string[]) => runCli(['waive', 'checklist.yaml', ...args], { cwd: s.dir });
const ci = (...args: string[]) =>
  runCli(['check', 'checklist.yaml', '--ci', '--log-dir', 'runs', '--only', 'section:infra', ...args], { cwd: s.dir });

describe('sfdeploy waive', () => {
  it('waives a failing item for a while: it shows waived, does not block, and every report says who, why and until when', async () => {
    s = signoffScenario('waivers');
    expect((await ci('--release', 'v1.2.3')).code).toBe(1);
    const w = await waive('tls-bundle', '--reason', 'cert rotation INC-42', '--expires', '7d', '--by', ANA, '--release', 'v1.2.*');
    expect(w.code).toBe(0);
    const [record] = readLedger(s.path('.sfdeploy/signoffs.jsonl'));
    expect(record).toMatchObject({
      decision: 'waived',
      item: 'tls-bundle',
      role: 'sre',
      release: 'v1.2.*',
      reason: 'cert rotation INC-42',
    });
    const expires = record!.expires as string;
    expect(Date.parse(expires) - Date.parse(record!.at as string)).toBe(7 * 86_400_000);

    const pretty = await ci('--release', 'v1.2.3');
    expect(pretty.code).toBe(0);
    expect(pretty.stdout).toContain(`waived by ${ANA} as sre until ${expires}: cert rotation INC-42; it did not pass: missing.pem`);
    expect(pretty.stdout).toContain('1 waived');

    const json = await ci('--release', 'v1.2.3', '--format', 'json');
    const log = JSON.parse(json.stdout) as RunLog;
    expect(log.items.find((r) => r.id === 'tls-bundle')).toMatchObject({
      status: 'waived',
      waiver: { by: ANA, role: 'sre', reason: 'cert rotation INC-42', expires, record: record!.hash },
    });
    expect(log.summary).toMatchObject({ verdict: 'passed', exitCode: 0, counts: { waived: 1, pass: 1 } });

    const junit = await ci('--release', 'v1.2.3', '--format', 'junit');
    expect(junit.code).toBe(0);
    const xml = new XMLParser({ ignoreAttributes: false }).parse(junit.stdout);
    const cases = ([xml.testsuites.testsuite].flat() as { testcase: unknown }[]).flatMap((ts) => [ts.testcase].flat()) as Record<
      string,
      unknown
    >[];
    const tc = cases.find((c) => String(c['@_name']).includes('TLS bundle'))!;
    expect(tc.failure).toBeUndefined();
    expect((tc.skipped as Record<string, string>)['@_message']).toBe(`waived by ${ANA} as sre until ${expires}: cert rotation INC-42`);

    const md = await runCli(['report', 'latest', '--log-dir', 'runs'], { cwd: s.dir });
    expect(md.stdout).toContain('## Waivers');
    expect(md.stdout).toContain(
      `| TLS bundle present \`tls-bundle\` | in force until ${expires} | \`${ANA}\` | sre | \`cert rotation INC-42\``,
    );
    const html = await runCli(['report', 'latest', '--log-dir', 'runs', '--format', 'html'], { cwd: s.dir });
    expect(html.stdout).toContain('<h2>Waivers</h2>');
    expect(html.stdout).toContain('cert rotation INC-42');
    const gh = await runCli(['check', 'checklist.yaml', '--ci', '--log-dir', 'runs', '--only', 'section:infra', '--release', 'v1.2.3'], {
      cwd: s.dir,
      env: { GITHUB_ACTIONS: 'true', GITHUB_WORKSPACE: s.dir },
    });
    expect(gh.code).toBe(0);
    expect(gh.stdout).toMatch(
      /::notice file=checklist\.yaml,line=\d+,title=Infrastructure › TLS bundle present \(tls-bundle\)::waivers: waived by Ana/,
    );
    expect(gh.stdout).not.toContain('::error');

    expect((await ci('--release', 'v1.3.0')).code).toBe(1);
  });

  it('blocks again once the waiver expired, saying which waiver ran out and why it was given', async () => {
    s = signoffScenario('waivers');
    const checklist = await loadChecklistFile(s.checklist, { env: {} });
    const item = checklist.items.find((i) => i.id === 'tls-bundle')!;
    await new FileLedger(s.path('.sfdeploy/signoffs.jsonl')).append(() => [
      {
        checklist: 'waivers',
        item: 'tls-bundle',
        definitionHash: item.definitionHash,
        release: 'v1',
        environment: null,
        decision: 'waived',
        signer: ANA,
        role: 'sre',
        note: null,
        reason: 'cert rotation INC-42',
        evidence: null,
        expires: new Date(Date.now() - 3 * 3_600_000).toISOString(),
        at: new Date(Date.now() - 5 * 3_600_000).toISOString(),
        host: 'h',
      },
    ]);
    const r = await ci('--release', 'v1', '--format', 'json');
    expect(r.code).toBe(1);
    const log = JSON.parse(r.stdout) as RunLog;
    const tls = log.items.find((i) => i.id === 'tls-bundle')!;
    expect(tls.status).toBe('fail');
    expect(tls.message).toMatch(/\(the waiver by Ana <ana@example\.com> as sre expired 3h( \d+m)? ago: cert rotation INC-42\)$/);
    expect(tls.waiver).toMatchObject({ expired: true, reason: 'cert rotation INC-42' });
    const md = await runCli(['report', 'latest', '--log-dir', 'runs'], { cwd: s.dir });
    expect(md.stdout).toContain('**EXPIRED at');
  });

  it('no longer applies once the item definition changes', async () => {
    s = signoffScenario('waivers');
    expect((await waive('tls-bundle', '--reason', 'r', '--expires', '1d', '--by', ANA, '--release', 'v1')).code).toBe(0);
    expect((await ci('--release', 'v1')).code).toBe(0);
    const text = readFileSync(s.checklist, 'utf8');
    await import('node:fs').then((fs) => fs.writeFileSync(s.checklist, text.replace('missing.pem', 'other.pem')));
    expect((await ci('--release', 'v1')).code).toBe(1);
  });

  it('can be withdrawn: the item blocks again', async () => {
    s = signoffScenario('waivers');
    expect((await waive('tls-bundle', '--reason', 'r', '--expires', '1d', '--by', ANA, '--release', 'v1')).code).toBe(0);
    const status = async () => (await runCli(['status', 'checklist.yaml', '--release', 'v1'], { cwd: s.dir })).stdout;
    expect(await status()).toMatch(/⊘ tls-bundle {2}waived by Ana <ana@example\.com> as SRE \(sre\) until \S+: r\n/);
    const w = await waive('tls-bundle', '--withdraw', '--reason', 'fixed properly', '--by', ANA, '--release', 'v1');
    expect(w.code).toBe(0);
    expect(readLedger(s.path('.sfdeploy/signoffs.jsonl'))[1]).toMatchObject({ decision: 'withdrawn', reason: 'fixed properly' });
    expect((await ci('--release', 'v1')).code).toBe(1);
    expect(await status()).not.toContain('tls-bundle');
  });

  it.each([
    [
      'a role that may not waive',
      ['tls-bundle', '--reason', 'r', '--expires', '1d', '--by', ANA, '--role', 'dev'],
      'rejected: Developer (dev) may not waive tls-bundle; SRE (sre) may',
    ],
    [
      'a signer off the allow-list',
      ['tls-bundle', '--reason', 'r', '--expires', '1d', '--by', 'Bob <bob@example.com>'],
      'rejected: Bob <bob@example.com> may not waive tls-bundle',
    ],
    [
      'an item no role may waive',
      ['readme-present', '--reason', 'r', '--expires', '1d', '--by', ANA],
      'rejected: no role of checklist waivers may waive readme-present',
    ],
    ['no reason', ['tls-bundle', '--expires', '1d', '--by', ANA], 'a waiver needs --reason'],
    ['no expiry', ['tls-bundle', '--reason', 'r', '--by', ANA], 'a waiver needs --expires'],
    [
      'an expiry too long',
      ['tls-bundle', '--reason', 'r', '--expires', '1000d', '--by', ANA],
      '--expires expects a duration from 1s to 90d',
    ],
    ['a manual item', ['nope', '--reason', 'r', '--expires', '1d', '--by', ANA], 'unknown item "nope"'],
  ])('refuses %s, exit 2, writing nothing', async (_name, args, message) => {
    s = signoffScenario('waivers');
    const r = await waive(...args, '--release', 'v1');
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(message);
    expect(r.stderr).not.toContain('    at ');
    await import('node:fs').then((fs) => expect(fs.existsSync(s.path('.sfdeploy/signoffs.jsonl'))).toBe(false));
  });
});

describe('waivers on the S3 team ledger', () => {
  let s3: S3rverInstance;
  beforeAll(async () => {
    s3 = await startS3rver(['team']);
  });
  afterAll(async () => {
    await s3?.close();
  });

  it('records the waiver as its own object (format 2) that check --ci applies and verify accepts', async () => {
    s = signoffScenario('waivers');
    const env = {
      AWS_ENDPOINT_URL: s3.endpoint,
      AWS_ACCESS_KEY_ID: S3RVER_ACCESS_KEY,
      AWS_SECRET_ACCESS_KEY: S3RVER_SECRET_KEY,
      AWS_REGION: 'us-east-1',
      SFDEPLOY_LEDGER: 's3://team/ledger',
    };
    const w = await runCli(
      ['waive', 'checklist.yaml', 'tls-bundle', '--reason', 'INC-7', '--expires', '2d', '--by', ANA, '--release', '*'],
      {
        cwd: s.dir,
        env,
      },
    );
    expect(w.code).toBe(0);
    const r = await runCli(
      ['check', 'checklist.yaml', '--ci', '--release', 'v9', '--only', 'section:infra', '--format', 'json', '--log-dir', 'runs'],
      {
        cwd: s.dir,
        env,
      },
    );
    expect(r.code).toBe(0);
    const log = JSON.parse(r.stdout) as RunLog;
    expect(log.items.find((i) => i.id === 'tls-bundle')).toMatchObject({ status: 'waived', waiver: { reason: 'INC-7', release: '*' } });
    expect(log.context.ledgerRecords).toEqual([log.items.find((i) => i.id === 'tls-bundle')!.waiver!.record]);
    const v = await runCli(['verify'], { cwd: s.dir, env });
    expect(v.code).toBe(0);
  });
});
