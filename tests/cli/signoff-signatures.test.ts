import { readFileSync, writeFileSync } from 'node:fs';
import { GetObjectCommand, ListObjectsV2Command, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { loadChecklistFile } from '../../src/checklist/load.js';
import { canonicalJson } from '../../src/util/canonical-json.js';
import type { RunLog } from '../../src/runner/types.js';
import { hashRecord, type LedgerRecord, type RecordDraft } from '../../src/signoff/chain.js';
import { FileLedger } from '../../src/signoff/ledger.js';
import { createSshSigner, signedMessage, withSignature } from '../../src/signoff/signature.js';
import { runCli, type CliResult } from '../support/cli.js';
import { S3RVER_ACCESS_KEY, S3RVER_SECRET_KEY, startS3rver, type S3rverInstance } from '../support/s3.js';
import { readLedger, signoffScenario } from '../support/signoff.js';
import { makeSshKey, startSshAgent, writeAllowedSigners, type SshKey } from '../support/ssh-keys.js';
import { TmuxSession } from '../support/tmux.js';

const ANA = 'Ana <ana@example.com>';
const BOB = 'Bob <bob@example.com>';
const CAROL = 'Carol <carol@example.com>';
const TARGET = ['--release', 'v1.2.0', '--environment', 'production'];

let s: ReturnType<typeof signoffScenario>;
let keys: { ana: SshKey; bob: SshKey; carol: SshKey; mallory: SshKey };
const cleanups: (() => void)[] = [];
afterEach(() => {
  cleanups.splice(0).forEach((f) => f());
  s?.remove();
});

/** The signed-approvals checklist, with keys made here and an allowed_signers file naming Ana, Bob and Carol (not Mallory). */
function scenario(): void {
  s = signoffScenario('signed-approvals');
  keys = {
    ana: makeSshKey(s.dir, 'ana'),
    bob: makeSshKey(s.dir, 'bob'),
    carol: makeSshKey(s.dir, 'carol'),
    mallory: makeSshKey(s.dir, 'mallory'),
  };
  writeAllowedSigners(s.path('allowed_signers'), [
    ['ana@example.com', keys.ana],
    ['bob@example.com', keys.bob],
    ['carol@example.com', keys.carol],
  ]);
}

const run = (args: string[], env: Record<string, string> = {}): Promise<CliResult> => runCli(args, { cwd: s.dir, env });
const sign = (item: string, by: string, key: string | undefined, ...extra: string[]): Promise<CliResult> =>
  run(['signoff', 'checklist.yaml', item, '--by', by, ...TARGET, ...(key ? ['--signing-key', key] : []), ...extra]);
const ci = (...extra: string[]): Promise<CliResult> => run(['check', 'checklist.yaml', '--ci', '--log-dir', 'runs', ...TARGET, ...extra]);
const ledgerFile = (): string => s.path('.sfdeploy/signoffs.jsonl');
const verify = (...extra: string[]): Promise<CliResult> => run(['verify', '--log-dir', 'runs', ...extra]);

async function signAll(): Promise<void> {
  expect((await sign('approval-engineering-lead', CAROL, keys.carol.file)).code).toBe(0);
  expect((await sign('approval-cto', ANA, keys.ana.file)).code).toBe(0);
  expect((await sign('release-notes', BOB, undefined)).code).toBe(0);
}

/** Rewrites the ledger file as someone without the keys would: each record changed by `edit`, every hash and link recomputed. */
function rewriteLedger(edit: (records: LedgerRecord[]) => LedgerRecord[]): void {
  const records = edit(readLedger(ledgerFile()) as unknown as LedgerRecord[]);
  let prev: string | null = null;
  const lines = records.map((r, i) => {
    const { hash: _hash, ...rest } = r;
    const content = { ...rest, seq: i + 1, prev };
    const hash = hashRecord(content);
    prev = hash;
    return JSON.stringify({ ...content, hash });
  });
  writeFileSync(ledgerFile(), `${lines.join('\n')}\n`);
}

describe('signed sign-offs (ssh-keygen -Y sign / verify)', () => {
  it('counts records signed by the allowed signers of each role: check --ci passes and the run log names whose key signed', async () => {
    scenario();
    await signAll();
    const records = readLedger(ledgerFile());
    expect(records.map((r) => typeof r.signature)).toEqual(['string', 'string', 'undefined']);
    expect(String(records[1]!.signature)).toMatch(/^-----BEGIN SSH SIGNATURE-----\n/);
    const r = await ci('--format', 'json');
    expect(r.stderr).not.toContain('warning');
    expect(r.code).toBe(0);
    const log = JSON.parse(r.stdout) as RunLog;
    const cto = log.items.find((i) => i.id === 'approval-cto')!;
    expect(cto.signoff?.signature?.principal).toBe('ana@example.com');
    expect(cto.signoff?.signature?.fingerprint).toMatch(/^SHA256:/);
    expect(log.items.find((i) => i.id === 'release-notes')!.signoff?.signature).toBeUndefined();

    const receipt = await run(['report', log.runId, '--log-dir', 'runs']);
    expect(receipt.code).toBe(0);
    const ctoRow = receipt.stdout.split('\n').find((l) => l.includes('`approval-cto`') && l.includes('confirmed'))!;
    expect(ctoRow).toMatch(/`Ana <ana@example.com>` · SSH-signed by `ana@example.com` `SHA256:[^`]+`/);
    const notesRow = receipt.stdout.split('\n').find((l) => l.includes('`release-notes`') && l.includes('confirmed'))!;
    expect(notesRow).not.toContain('SSH-signed');
    const html = await run(['report', log.runId, '--log-dir', 'runs', '--format', 'html']);
    expect(html.stdout).toContain('SSH-signed by ana@example.com <code>SHA256:');

    const status = JSON.parse((await run(['status', 'checklist.yaml', ...TARGET, '--json'])).stdout) as {
      items: { id: string; status: string; signedBy: string | null }[];
    };
    expect(status.items.map((i) => [i.id, i.status, i.signedBy])).toEqual([
      ['approval-engineering-lead', 'signed', 'carol@example.com'],
      ['approval-cto', 'signed', 'ana@example.com'],
      ['release-notes', 'signed', null],
    ]);
    const v = await verify('--checklist', 'checklist.yaml');
    expect(v.stdout).toContain('3 records, chain intact');
    expect(v.stdout).toContain('2 signatures valid, 1 record unsigned');
    expect(v.code).toBe(0);
  });

  it('names the checklist setting when its allowed_signers file is missing, in one line, exit 2', async () => {
    scenario();
    const { rmSync } = await import('node:fs');
    rmSync(s.path('allowed_signers'));
    const r = await ci();
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(
      /^\S*checklist\.yaml: signatures\.allowed_signers: cannot read the allowed signers file \S*allowed_signers \(ENOENT\)\n$/,
    );
  });

  it('refuses --by alone for a role with allowed signers, with a clear message, writing nothing', async () => {
    scenario();
    const r = await sign('approval-cto', ANA, undefined);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('rejected: approval-cto: CTO (cto) accepts only signed sign-offs, and --by alone proves nothing');
    expect(r.stderr).toContain('--signing-key');
    expect(r.stderr).not.toMatch(/\n\s+at /);
    expect(() => readFileSync(ledgerFile())).toThrow();
  });

  it("refuses a signature that would not count: a key not in allowed_signers, or another person's key", async () => {
    scenario();
    const mallory = await sign('approval-cto', ANA, keys.mallory.file);
    expect(mallory.code).toBe(2);
    expect(mallory.stderr).toContain('the signature would not count: it is signed with a key that is not in the allowed signers file');
    const bob = await sign('approval-cto', ANA, keys.bob.file);
    expect(bob.code).toBe(2);
    expect(bob.stderr).toContain('it is signed with the key of bob@example.com, but names Ana <ana@example.com> as its signer');
    const notCto = await sign('approval-cto', BOB, keys.bob.file);
    expect(notCto.code).toBe(2);
    expect(notCto.stderr).toContain('Bob <bob@example.com> may not sign as CTO (cto): only ana@example.com may');
    expect(() => readFileSync(ledgerFile())).toThrow();
  });

  it('signs through ssh-agent with a public key file or a key:: literal, as git gpg.format=ssh does', async () => {
    scenario();
    const agent = await startSshAgent(s.dir, [keys.ana, keys.carol]);
    cleanups.push(agent.stop);
    const env = { SSH_AUTH_SOCK: agent.socket };
    // The public key alone, away from its private key file: only the agent can sign with it.
    const pub = s.write('public/ana.pub', readFileSync(keys.ana.pub, 'utf8'));
    const byFile = await run(['signoff', 'checklist.yaml', 'approval-cto', '--by', ANA, ...TARGET, '--signing-key', pub], env);
    expect(byFile.stderr).toBe('');
    expect(byFile.stdout).toContain("signed by ana@example.com's key SHA256:");
    const byLiteral = await run(['signoff', 'checklist.yaml', 'approval-engineering-lead', '--by', CAROL, ...TARGET], {
      ...env,
      SFDEPLOY_SIGNING_KEY: `key::${keys.carol.publicKey}`,
    });
    expect(byLiteral.code).toBe(0);
    expect((await sign('release-notes', BOB, undefined)).code).toBe(0);
    expect((await ci()).code).toBe(0);
    // Without the agent, the public key alone cannot sign.
    const noAgent = await run(['signoff', 'checklist.yaml', 'approval-cto', '--by', ANA, ...TARGET, '--signing-key', pub]);
    expect(noAgent.code).toBe(2);
    expect(noAgent.stderr).toMatch(/^cannot sign with .*ana\.pub: ssh-keygen: /m);
  });

  it('signs an answer given at the prompt of an interactive check, and refuses to ask without a key', async () => {
    scenario();
    const prompt = async (...extra: string[]): Promise<TmuxSession> => {
      const t = await TmuxSession.sfdeploy(
        ['check', 'checklist.yaml', '--only', 'approval-cto', '--signer', ANA, '--log-dir', 'runs', ...TARGET, ...extra],
        s.dir,
      );
      cleanups.push(() => void t.close());
      return t;
    };
    const unsigned = await prompt();
    await unsigned.waitFor('You cannot sign this item: CTO (cto) accepts only signed sign-offs');
    expect(await unsigned.exitCode()).toBe(3);
    const signed = await prompt('--signing-key', keys.ana.file);
    await signed.waitFor('Sign off as Ana <ana@example.com>?');
    await signed.type('y');
    await signed.waitFor('Note (optional):');
    await signed.press('Enter');
    expect(await signed.exitCode()).toBe(0);
    const [record] = readLedger(ledgerFile());
    expect(String(record!.signature)).toMatch(/^-----BEGIN SSH SIGNATURE-----/);
    const status = JSON.parse((await run(['status', 'checklist.yaml', ...TARGET, '--json'])).stdout) as {
      items: { id: string; signedBy: string | null }[];
    };
    expect(status.items.find((i) => i.id === 'approval-cto')!.signedBy).toBe('ana@example.com');
  });

  it('keeps every signed sign-off of concurrent signers in one valid chain (signing happens outside the lock)', async () => {
    scenario();
    const results = await Promise.all([1, 2, 3, 4].map((n) => sign('release-notes', BOB, keys.bob.file, '--note', `pass ${n}`)));
    expect(results.map((r) => [r.code, r.stderr])).toEqual([1, 2, 3, 4].map(() => [0, '']));
    const records = readLedger(ledgerFile());
    expect(records.map((r) => r.seq)).toEqual([1, 2, 3, 4]);
    expect(records.map((r) => r.note).sort()).toEqual(['pass 1', 'pass 2', 'pass 3', 'pass 4']);
    const v = await verify('--checklist', 'checklist.yaml');
    expect(v.stdout).toContain('4 records, chain intact');
    expect(v.stdout).toContain('4 signatures valid');
    expect(v.code).toBe(0);
  });

  it('takes the key from git config user.signingkey when gpg.format is ssh', async () => {
    scenario();
    const { execFileSync } = await import('node:child_process');
    execFileSync('git', ['init', '-q', s.dir]);
    execFileSync('git', ['-C', s.dir, 'config', 'gpg.format', 'ssh']);
    execFileSync('git', ['-C', s.dir, 'config', 'user.signingkey', keys.ana.file]);
    const r = await sign('approval-cto', ANA, undefined);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(readLedger(ledgerFile())[0]!.signature).toBeTruthy();
  });

  it('detects a rewrite of the ledger with every hash recomputed: verify names the record and check does not count it', async () => {
    scenario();
    await signAll();
    // Ana signed v1.2.0; the rewrite makes her sign-off say v1.3.0.
    rewriteLedger((rs) => rs.map((r) => (r.item === 'approval-cto' ? { ...r, release: 'v1.3.0' } : r)));
    const v = await verify('--checklist', 'checklist.yaml');
    expect(v.stdout).toContain('chain intact');
    expect(v.stdout).toMatch(
      /✖ \.sfdeploy\/signoffs\.jsonl: record 2 \(line 2\) \(approval-cto, signed by Ana <ana@example.com> as cto\): bad signature: its signature does not match it: the record was changed after ana@example.com signed it/,
    );
    expect(v.code).toBe(1);
    const r = await run(['check', 'checklist.yaml', '--ci', '--log-dir', 'runs', '--release', 'v1.3.0', '--environment', 'production']);
    expect(r.code).toBe(3);
    expect(r.stdout).toContain("Ana's sign-off does not count: its signature does not match it");
  });

  it('verify checks signatures against --allowed-signers without a checklist, and says when it could not check them', async () => {
    scenario();
    await signAll();
    const ok = await verify('--allowed-signers', 'allowed_signers');
    expect(ok.stdout).toContain('2 signatures valid, 1 record unsigned');
    expect(ok.code).toBe(0);
    rewriteLedger((rs) => rs.map((r) => (r.item === 'approval-engineering-lead' ? { ...r, decision: 'declined', reason: 'no' } : r)));
    const bad = await verify('--allowed-signers', 'allowed_signers');
    expect(bad.stdout).toContain(
      'record 1 (line 1) (approval-engineering-lead, declined by Carol <carol@example.com> as eng-lead): bad signature',
    );
    expect(bad.code).toBe(1);
    const unchecked = await verify();
    expect(unchecked.stderr).toContain('note: 2 signed records not checked: give --allowed-signers FILE or --checklist NAME');
  });

  it('detects a record deleted from the middle and the chain recomputed: the next signed record no longer verifies', async () => {
    scenario();
    expect((await sign('release-notes', BOB, undefined)).code).toBe(0);
    expect((await sign('approval-engineering-lead', CAROL, keys.carol.file)).code).toBe(0);
    expect((await sign('approval-cto', ANA, keys.ana.file)).code).toBe(0);
    rewriteLedger((rs) => rs.filter((r) => r.item !== 'release-notes'));
    const v = await verify('--checklist', 'checklist.yaml');
    expect(v.stdout).toContain(
      'record 1 (line 1) (approval-engineering-lead, signed by Carol <carol@example.com> as eng-lead): bad signature',
    );
    expect(v.stdout).toContain('record 2 (line 2) (approval-cto, signed by Ana <ana@example.com> as cto): bad signature');
    expect(v.code).toBe(1);
  });

  it('does not count an unsigned record forged for a role with signers, nor a signature stripped from one', async () => {
    scenario();
    await signAll();
    rewriteLedger((rs) => rs.map((r) => (r.item === 'approval-cto' ? (({ signature: _s, ...rest }) => rest)(r) : r)));
    const v = await verify('--checklist', 'checklist.yaml');
    expect(v.stdout).toContain(
      'record 2 (line 2) (approval-cto, signed by Ana <ana@example.com> as cto): unsigned: CTO (cto) accepts only signed sign-offs',
    );
    expect(v.code).toBe(1);
    const r = await ci();
    expect(r.code).toBe(3);
    expect(r.stdout).toContain("Ana's sign-off does not count: it is not signed, and CTO (cto) accepts only signed sign-offs");
  });

  it('verify names an unknown key and a key not allowed for the role of records written around the CLI', async () => {
    scenario();
    const checklist = await loadChecklistFile(s.checklist, { env: {} });
    const item = (id: string) => checklist.items.find((i) => i.id === id)!;
    const draft = (id: string, signer: string, role: string): RecordDraft => ({
      checklist: 'signed',
      item: id,
      definitionHash: item(id).definitionHash,
      release: 'v1.2.0',
      environment: 'production',
      decision: 'confirmed',
      signer,
      role,
      note: null,
      reason: null,
      evidence: null,
      at: new Date().toISOString(),
      host: 'laptop',
    });
    const ledger = new FileLedger(ledgerFile());
    await ledger.append(
      () => [draft('approval-engineering-lead', 'Mallory <mallory@example.com>', 'eng-lead')],
      await createSshSigner(keys.mallory.file, process.env, s.dir),
    );
    await ledger.append(() => [draft('approval-cto', CAROL, 'cto')], await createSshSigner(keys.carol.file, process.env, s.dir));
    const v = await verify('--checklist', 'checklist.yaml');
    expect(v.stdout).toContain(
      'record 1 (line 1) (approval-engineering-lead, signed by Mallory <mallory@example.com> as eng-lead): unknown key: it is signed with a key that is not in the allowed signers file',
    );
    expect(v.stdout).toContain(
      "record 2 (line 2) (approval-cto, signed by Carol <carol@example.com> as cto): key not allowed for that role: signed by carol@example.com's key, and CTO (cto) allows only ana@example.com",
    );
    expect(v.code).toBe(1);
    const r = await ci();
    expect(r.stdout).toContain("Mallory's sign-off does not count: it is signed with a key that is not in the allowed signers file");
    expect(r.stdout).toContain('Carol is no longer on the allow-list of CTO (cto)');
    expect(r.code).toBe(3);
  });

  it('signs the exact canonical content, so the same bytes verify with plain ssh-keygen', async () => {
    scenario();
    expect((await sign('approval-cto', ANA, keys.ana.file)).code).toBe(0);
    const [record] = readLedger(ledgerFile());
    const { execFileSync } = await import('node:child_process');
    writeFileSync(s.path('record.sig'), String(record!.signature));
    const message = signedMessage(record!);
    const { hash: _h, signature: _s, ...content } = record!;
    expect(message).toBe(canonicalJson(content));
    const out = execFileSync(
      'ssh-keygen',
      ['-Y', 'verify', '-f', s.path('allowed_signers'), '-I', 'ana@example.com', '-n', 'sfdeploy', '-s', s.path('record.sig')],
      { input: message, encoding: 'utf8', timeout: 10_000 },
    );
    expect(out).toContain('Good "sfdeploy" signature for ana@example.com');
    expect(hashRecord(record!)).toBe(record!.hash);
    expect(withSignature({ ...record!, hash: 'x' } as unknown as LedgerRecord, String(record!.signature)).hash).toBe(record!.hash);
  });
});

describe('signed sign-offs on the S3 team ledger (record format 2)', () => {
  let s3: S3rverInstance;
  let client: S3Client;
  beforeAll(async () => {
    s3 = await startS3rver(['team']);
    client = new S3Client({
      region: 'us-east-1',
      endpoint: s3.endpoint,
      forcePathStyle: true,
      credentials: { accessKeyId: S3RVER_ACCESS_KEY, secretAccessKey: S3RVER_SECRET_KEY },
      requestChecksumCalculation: 'WHEN_REQUIRED',
      responseChecksumValidation: 'WHEN_REQUIRED',
    });
  });
  afterAll(async () => {
    client?.destroy();
    await s3?.close();
  });

  it('counts signed v2 records, and detects one edited in place with its hash recomputed', async () => {
    scenario();
    const env = {
      AWS_ENDPOINT_URL: s3.endpoint,
      AWS_ACCESS_KEY_ID: S3RVER_ACCESS_KEY,
      AWS_SECRET_ACCESS_KEY: S3RVER_SECRET_KEY,
      AWS_REGION: 'us-east-1',
      SFDEPLOY_LEDGER: 's3://team/signed',
    };
    const signS3 = (item: string, by: string, key?: string): Promise<CliResult> =>
      run(['signoff', 'checklist.yaml', item, '--by', by, ...TARGET, ...(key ? ['--signing-key', key] : [])], env);
    expect((await signS3('approval-cto', ANA)).code).toBe(2);
    expect((await signS3('approval-engineering-lead', CAROL, keys.carol.file)).code).toBe(0);
    expect((await signS3('approval-cto', ANA, keys.ana.file)).code).toBe(0);
    expect((await signS3('release-notes', BOB)).code).toBe(0);
    const pass = await run(['check', 'checklist.yaml', '--ci', '--log-dir', 'runs', ...TARGET], env);
    expect(pass.code).toBe(0);
    const ok = await run(['verify', '--log-dir', 'runs', '--checklist', 'checklist.yaml'], env);
    expect(ok.stdout).toContain('2 signatures valid, 1 record unsigned');
    expect(ok.code).toBe(0);

    const listed = await client.send(new ListObjectsV2Command({ Bucket: 'team', Prefix: 'signed/signoffs/signed/' }));
    let edited = '';
    for (const { Key } of listed.Contents ?? []) {
      const body = await (await client.send(new GetObjectCommand({ Bucket: 'team', Key: Key! }))).Body!.transformToString();
      const record = JSON.parse(body) as Record<string, unknown>;
      if (record.item !== 'approval-cto') continue;
      const { hash: _hash, ...content }: Record<string, unknown> = { ...record, note: 'approved without reading' };
      await client.send(
        new PutObjectCommand({ Bucket: 'team', Key: Key!, Body: `${JSON.stringify({ ...content, hash: hashRecord(content) })}\n` }),
      );
      edited = Key!.slice('signed/'.length);
    }
    expect(edited).not.toBe('');
    const bad = await run(['verify', '--log-dir', 'runs', '--checklist', 'checklist.yaml'], env);
    expect(bad.stdout).toContain(`s3://team/signed: ${edited} (approval-cto, signed by Ana <ana@example.com> as cto): bad signature`);
    expect(bad.code).toBe(1);
    // without the run that relied on the original record, only the signature tells
    const blocked = await run(['check', 'checklist.yaml', '--ci', '--log-dir', 'fresh-runs', ...TARGET], env);
    expect(blocked.stdout).toContain("Ana's sign-off does not count: its signature does not match it");
    expect(blocked.code).toBe(3);
    // with it, check refuses the ledger as verify does: the record that run relied on is gone
    const refused = await run(['check', 'checklist.yaml', '--ci', '--log-dir', 'runs', ...TARGET], env);
    expect(refused.stderr).toMatch(
      /error: run \S+ relied on record [0-9a-f]{12} \(approval-cto, signed by Ana <ana@example\.com>\), which is not in s3:\/\/team\/signed/,
    );
    expect(refused.code).toBe(1);
  });
});
