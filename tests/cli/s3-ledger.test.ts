import { copyFileSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { DeleteObjectCommand, GetObjectCommand, ListObjectsV2Command, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { RunLog } from '../../src/runner/types.js';
import { closedPort } from '../support/ports.js';
import { runCli, startCli, type CliResult } from '../support/cli.js';
import { S3RVER_ACCESS_KEY, S3RVER_SECRET_KEY, startS3rver, type S3rverInstance } from '../support/s3.js';
import { signoffScenario } from '../support/signoff.js';
import { tempDir } from '../support/tmp.js';
import { startWebhookReceiver } from '../support/webhook-receiver.js';

const BUCKET = 'team';
const ROLES = {
  'approval-engineering-lead': ['eng-lead', 'Carol <carol@example.com>'],
  'approval-devops-lead': ['devops-lead', 'Bob <bob@example.com>'],
  'approval-product': ['product', 'Dan <dan@example.com>'],
  'approval-cto': ['cto', 'Ana <ana@example.com>'],
} as const;
type Item = keyof typeof ROLES;
const TARGET = ['--release', 'v2.0.0', '--environment', 'production'];
const SLOW = fileURLToPath(new URL('../fixtures/checklists/slow-probes.yaml', import.meta.url));

let s3: S3rverInstance;
let client: S3Client;
beforeAll(async () => {
  s3 = await startS3rver([BUCKET]);
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
const cleanups: (() => void)[] = [];
afterEach(() => cleanups.splice(0).forEach((f) => f()));

/** A working directory with the team checklist: one approver's laptop, or the CI runner. */
function machine(): ReturnType<typeof signoffScenario> {
  const m = signoffScenario('team-release');
  cleanups.push(m.remove);
  return m;
}

const awsEnv = (endpoint = s3.endpoint, secret = S3RVER_SECRET_KEY) => ({
  AWS_ENDPOINT_URL: endpoint,
  AWS_ACCESS_KEY_ID: S3RVER_ACCESS_KEY,
  AWS_SECRET_ACCESS_KEY: secret,
  AWS_REGION: 'us-east-1',
});

const sign = (
  m: { dir: string },
  ledger: string,
  item: Item,
  extra: string[] = [],
  env: Record<string, string> = awsEnv(),
): Promise<CliResult> =>
  runCli(['signoff', 'checklist.yaml', item, '--role', ROLES[item][0], '--by', ROLES[item][1], ...TARGET, '--ledger', ledger, ...extra], {
    cwd: m.dir,
    env,
  });

const ciJson = async (m: { dir: string }, ledger: string, extra: string[] = [], env: Record<string, string> = awsEnv()) => {
  const r = await runCli(
    ['check', 'checklist.yaml', '--ci', '--format', 'json', ...TARGET, '--ledger', ledger, '--log-dir', 'runs', ...extra],
    { cwd: m.dir, env },
  );
  return { ...r, log: JSON.parse(r.stdout) as RunLog };
};

async function keys(prefix: string): Promise<string[]> {
  const r = await client.send(new ListObjectsV2Command({ Bucket: BUCKET, Prefix: prefix }));
  return (r.Contents ?? []).map((o) => o.Key!).sort();
}
const body = async (key: string): Promise<string> =>
  (await client.send(new GetObjectCommand({ Bucket: BUCKET, Key: key }))).Body!.transformToString();
const record = async (key: string) => JSON.parse(await body(key)) as { hash: string; item: string; note: string | null; seen: string[] };

describe('the team ledger on S3', () => {
  it('keeps the sign-offs of four approvers signing at once, one object each, and a fifth machine sees all four', async () => {
    const ledger = 's3://team/concurrent';
    const items = Object.keys(ROLES) as Item[];
    const laptops = items.map(() => machine());
    const results = await Promise.all(
      items.map((item, i) =>
        sign(laptops[i]!, ledger, item, ['--note', `checked, token ${'tok_sentinel_4242'}`], {
          ...awsEnv(),
          DEPLOY_TOKEN: 'tok_sentinel_4242',
        }),
      ),
    );
    expect(results.map((r) => [r.code, r.stderr])).toEqual(items.map(() => [0, '']));

    const written = await keys('concurrent/');
    expect(written).toHaveLength(4);
    for (const key of written) expect(key).toMatch(/^concurrent\/signoffs\/team\/v2\.0\.0\/production\/\d{8}T\d{9}Z-[0-9a-f]{16}\.json$/);
    const records = await Promise.all(written.map(record));
    expect(records.map((r) => r.item).sort()).toEqual([...items].sort());
    for (const r of records) expect(r.note).toBe('checked, token ***');

    const ci = await ciJson(machine(), ledger);
    expect(ci.code).toBe(0);
    expect(ci.log.items.map((i) => [i.id, i.status, i.signoff?.source])).toEqual(items.map((id) => [id, 'signed', 'ledger']));
    expect(ci.log.context.ledger).toBe(ledger);
    expect(ci.log.context.ledgerRecords).toEqual(records.map((r) => r.hash).sort());
  });

  it('verify names an object whose content was changed, and check ignores that sign-off', async () => {
    const ledger = 's3://team/edited';
    const m = machine();
    expect((await sign(m, ledger, 'approval-engineering-lead')).code).toBe(0);
    expect((await sign(m, ledger, 'approval-cto')).code).toBe(0);
    expect((await runCli(['verify', '--ledger', ledger], { cwd: m.dir, env: awsEnv() })).stdout).toContain(
      '2 records, every hash intact, no record missing',
    );

    const cto = (await Promise.all((await keys('edited/')).map(async (k) => ({ k, r: await record(k) })))).find(
      (x) => x.r.item === 'approval-cto',
    )!;
    const forged = (await body(cto.k)).replace('"note":null', '"note":"approved by the board"');
    await client.send(new PutObjectCommand({ Bucket: BUCKET, Key: cto.k, Body: forged }));

    const r = await runCli(['verify', '--ledger', ledger], { cwd: m.dir, env: awsEnv() });
    expect(r.code).toBe(1);
    expect(r.stdout).toContain(`✖ ${ledger}: ${cto.k.slice('edited/'.length)} was edited: its content no longer matches its hash`);

    const ci = await ciJson(m, ledger);
    expect(ci.code).toBe(3);
    expect(ci.log.items.find((i) => i.id === 'approval-cto')).toMatchObject({ status: 'pending', message: 'no sign-off yet' });
    expect(ci.log.items.find((i) => i.id === 'approval-engineering-lead')?.status).toBe('signed');
    expect(ci.stderr).toContain(`warning: ${ledger}: ${cto.k.slice('edited/'.length)} was edited`);
  });

  it('verify reports deleted objects: one a later record saw, and one only a run log relied on', async () => {
    const ledger = 's3://team/deleted';
    const m = machine();
    for (const item of ['approval-engineering-lead', 'approval-devops-lead', 'approval-cto'] as const)
      expect((await sign(m, ledger, item)).code).toBe(0);
    const ci = await ciJson(m, ledger);
    expect(ci.log.items.filter((i) => i.status === 'signed')).toHaveLength(3);
    const ok = await runCli(['verify', '--ledger', ledger, '--log-dir', 'runs'], { cwd: m.dir, env: awsEnv() });
    expect(ok.code).toBe(0);
    expect(ok.stdout).toContain(`✔ run ${ci.log.runId} relied on 3 records`);

    const all = await Promise.all((await keys('deleted/')).map(async (k) => ({ k, r: await record(k) })));
    const byItem = (id: string) => all.find((x) => x.r.item === id)!;
    const [first, middle, last] = [byItem('approval-engineering-lead'), byItem('approval-devops-lead'), byItem('approval-cto')];
    expect(middle.r.seen).toEqual([first.r.hash]);
    expect(last.r.seen).toEqual([middle.r.hash]);
    await client.send(new DeleteObjectCommand({ Bucket: BUCKET, Key: first.k }));
    await client.send(new DeleteObjectCommand({ Bucket: BUCKET, Key: last.k }));

    const r = await runCli(['verify', '--ledger', ledger, '--log-dir', 'runs'], { cwd: m.dir, env: awsEnv() });
    expect(r.code).toBe(1);
    expect(r.stdout).toContain(
      `✖ ${ledger}: ${middle.k.slice('deleted/'.length)} saw record ${first.r.hash.slice(0, 12)}, which is not in the ledger`,
    );
    expect(r.stdout).toContain(
      `✖ run ${ci.log.runId} relied on record ${first.r.hash.slice(0, 12)} (approval-engineering-lead, signed by Carol <carol@example.com>), which is not in ${ledger} (deleted`,
    );
    expect(r.stdout).toContain(
      `✖ run ${ci.log.runId} relied on record ${last.r.hash.slice(0, 12)} (approval-cto, signed by Ana <ana@example.com>), which is not in ${ledger} (deleted`,
    );

    const receipt = await runCli(['report', ci.log.runId, '--log-dir', 'runs', '--ledger', ledger], { cwd: m.dir, env: awsEnv() });
    expect(receipt.code).toBe(1);
    expect(receipt.stdout).toContain('approval-cto');
    expect(receipt.stderr).toContain(
      `warning: run ${ci.log.runId}: the sign-off of approval-cto by Ana <ana@example.com> (record ${last.r.hash.slice(0, 12)}) is not in ${ledger}`,
    );
    expect(receipt.stderr).not.toContain('approval-devops-lead');
  });

  it('an unreachable store: signoff fails in one line naming the endpoint, check --ci makes the manual items errors', async () => {
    const port = await closedPort();
    const secret = 'aws_secret_sentinel_Zq81';
    const env = awsEnv(`http://127.0.0.1:${port}`, secret);
    const m = machine();
    const ledger = 's3://team/unreachable';

    const r = await sign(m, ledger, 'approval-cto', [], env);
    expect(r.code).toBe(1);
    expect(r.stdout).toBe('');
    expect(r.stderr).toBe(
      `${ledger} is unreachable: connection refused at 127.0.0.1:${port}; nothing was signed (with --offline the sign-off is queued locally for \`sfdeploy sync\`)\n`,
    );
    expect(existsSync(m.path('.sfdeploy'))).toBe(false);

    const ci = await ciJson(m, ledger, [], env);
    expect(ci.code).toBe(1);
    expect(ci.log.items.map((i) => [i.status, i.message])).toEqual(
      Object.keys(ROLES).map(() => ['error', `ledger unreachable: connection refused at 127.0.0.1:${port} (${ledger})`]),
    );
    expect(ci.stderr).toContain(
      `warning: ${ledger} is unreachable: connection refused at 127.0.0.1:${port}; manual items are errors in this run`,
    );

    const status = await runCli(['status', 'checklist.yaml', ...TARGET, '--ledger', ledger], { cwd: m.dir, env });
    expect(status.code).toBe(1);
    expect(status.stderr).toBe(`${ledger} is unreachable: connection refused at 127.0.0.1:${port}\n`);
    for (const out of [r, ci, status]) expect(out.stdout + out.stderr).not.toContain(secret);
  });

  it('--offline queues the sign-off; sync uploads it once, however often it runs, and CI then sees it', async () => {
    const down = awsEnv(`http://127.0.0.1:${await closedPort()}`);
    const m = machine();
    const ledger = 's3://team/offline';
    const queued = await sign(m, ledger, 'approval-cto', ['--offline'], down);
    expect(queued.code).toBe(0);
    expect(queued.stdout).toMatch(
      /^⏸ approval-cto signed by Ana <ana@example.com> as CTO \(cto\) for v2.0.0 \(production\) · record [0-9a-f]{12} — queued, not yet in the ledger\n$/,
    );
    expect(queued.stderr).toContain('queued in .sfdeploy/outbox: run `sfdeploy sync` to upload');
    const outbox = m.path('.sfdeploy/outbox');
    const [entry] = readdirSync(outbox);
    expect(entry).toMatch(/^signoff-[0-9a-f]{24}\.json$/);
    copyFileSync(join(outbox, entry!), m.path('queued-copy.json'));

    const stillDown = await runCli(['sync'], { cwd: m.dir, env: down });
    expect(stillDown.code).toBe(1);
    expect(stillDown.stdout).toContain('still queued');
    expect(readdirSync(outbox)).toEqual([entry]);

    const first = await runCli(['sync'], { cwd: m.dir, env: awsEnv() });
    expect(first.code).toBe(0);
    expect(first.stdout).toContain('1 uploaded, 0 left in .sfdeploy/outbox');
    expect(readdirSync(outbox)).toEqual([]);
    const [key] = await keys('offline/');
    expect(await keys('offline/')).toHaveLength(1);
    expect((await record(key!)).seen).toEqual([]);

    // A sync that crashed after the upload, before removing the entry: the next one finds the record already there.
    copyFileSync(m.path('queued-copy.json'), join(outbox, entry!));
    const again = await runCli(['sync'], { cwd: m.dir, env: awsEnv() });
    expect(again.code).toBe(0);
    expect(again.stdout).toContain('0 uploaded, 1 already there, 0 left');
    expect(await keys('offline/')).toEqual([key]);
    expect((await runCli(['sync'], { cwd: m.dir, env: awsEnv() })).stdout).toBe('nothing to sync: .sfdeploy/outbox is empty\n');

    const ci = await ciJson(machine(), ledger, ['--only', 'approval-cto']);
    expect(ci.code).toBe(0);
    expect(ci.log.items.find((i) => i.id === 'approval-cto')?.status).toBe('signed');
  });
});

describe('--log-store', () => {
  it('uploads the run log when the run ends; runs and show in a fresh directory read it', async () => {
    const store = 's3://team/logs-finished';
    const m = machine();
    expect((await sign(m, 's3://team/logs-ledger', 'approval-cto')).code).toBe(0);
    const ci = await ciJson(m, 's3://team/logs-ledger', ['--log-store', store]);
    expect(ci.code).toBe(3);
    expect(await keys('logs-finished/')).toEqual([`logs-finished/runs/${ci.log.runId}.json`]);

    const fresh = tempDir();
    cleanups.push(fresh.remove);
    const runs = await runCli(['runs', '--log-store', store], { cwd: fresh.dir, env: awsEnv() });
    expect(runs.code).toBe(0);
    expect(runs.stdout).toMatch(new RegExp(`^${ci.log.runId}\\s+\\S+ \\S+\\s+team\\s+v2\\.0\\.0\\s+production\\s+pending\\s+1/4 ok$`, 'm'));
    const show = await runCli(['show', ci.log.runId.slice(0, 18), '--format', 'json'], {
      cwd: fresh.dir,
      env: { ...awsEnv(), SFDEPLOY_LOG_STORE: store },
    });
    expect(show.code).toBe(0);
    expect(JSON.parse(show.stdout)).toEqual(ci.log);
    const withoutStore = await runCli(['runs'], { cwd: fresh.dir, env: awsEnv() });
    expect(withoutStore.stdout).toMatch(/^no runs in /);
  });

  it('watch: the store copy of every run is the local run log, the watch-end notice on the last one included', async () => {
    const store = 's3://team/logs-watch';
    const hooks = await startWebhookReceiver();
    cleanups.push(() => void hooks.close());
    const w = tempDir({
      'w.yaml':
        'id: w\ntitle: Watch\nsections:\n  - id: s\n    title: S\n    items:\n      - id: node\n        title: Node\n        probe: { kind: command, run: [node, --version] }\n',
    });
    cleanups.push(w.remove);
    const r = await runCli(
      ['check', 'w.yaml', '--every', '1s', '--for', '2s', '--log-dir', 'runs', '--log-store', store, '--notify', `json=${hooks.url}/hook`],
      {
        cwd: w.dir,
        env: awsEnv(),
      },
    );
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const local = readdirSync(w.path('runs'))
      .filter((f) => f.endsWith('.json'))
      .sort()
      .map((f) => JSON.parse(readFileSync(join(w.path('runs'), f), 'utf8')) as RunLog);
    expect(local.length).toBeGreaterThanOrEqual(2);
    expect(local.at(-1)!.notifications?.map((n) => n.event)).toEqual(['watch-end']);
    const final = local.at(-1)!;
    // the store only creates: each run as uploaded when it ended, and the last one's later state beside it
    expect(await keys('logs-watch/')).toEqual(
      [...local.map((l) => `logs-watch/runs/${l.runId}.json`), `logs-watch/runs/${final.runId}.watch-end.json`].sort(),
    );
    for (const l of local.slice(0, -1)) expect(JSON.parse(await body(`logs-watch/runs/${l.runId}.json`))).toEqual(l);
    expect((JSON.parse(await body(`logs-watch/runs/${final.runId}.json`)) as RunLog).notifications ?? []).toEqual([]);
    expect(JSON.parse(await body(`logs-watch/runs/${final.runId}.watch-end.json`))).toEqual(final);
    // a reader of the store alone takes the later state, once
    const fresh = tempDir();
    cleanups.push(fresh.remove);
    const shown = await runCli(['show', final.runId, '--log-store', store, '--format', 'json'], { cwd: fresh.dir, env: awsEnv() });
    expect(shown.stderr).toBe('');
    expect(shown.code).toBe(0);
    expect(JSON.parse(shown.stdout)).toEqual(final);
    const listed = await runCli(['runs', '--log-store', store, '--json'], { cwd: fresh.dir, env: awsEnv() });
    expect(listed.stderr).toBe('');
    expect(listed.code).toBe(0);
    expect(listed.stdout.split(final.runId).length - 1).toBe(1);

    // Interrupted between runs (Ctrl-C): the same.
    rmSync(w.path('runs'), { recursive: true });
    const stopped = startCli(
      ['check', 'w.yaml', '--every', '1m', '--log-dir', 'runs', '--log-store', `${store}-stopped`, '--notify', `json=${hooks.url}/hook`],
      {
        cwd: w.dir,
        env: awsEnv(),
      },
    );
    await stopped.waitFor('1/1 ok');
    stopped.kill('SIGINT');
    expect((await stopped.done).code).toBe(130);
    const [name] = readdirSync(w.path('runs')).filter((f) => f.endsWith('.json'));
    const last = JSON.parse(readFileSync(join(w.path('runs'), name!), 'utf8')) as RunLog;
    expect(last.notifications?.map((n) => n.event)).toEqual(['watch-end']);
    expect(JSON.parse(await body(`logs-watch-stopped/runs/${last.runId}.watch-end.json`))).toEqual(last);
  });

  it('uploads an interrupted run (Ctrl-C); a second Ctrl-C during a hanging upload queues it for sync', async () => {
    const store = 's3://team/logs-interrupted';
    const check = (dir: string, env: Record<string, string>) =>
      startCli(['check', SLOW, '--ci', '--log-dir', 'runs', '--log-store', store], { cwd: dir, env, timeoutMs: 60_000 });

    const once = machine();
    const first = check(once.dir, awsEnv());
    await first.waitFor('quick');
    first.kill('SIGINT');
    expect((await first.done).code).toBe(130);
    const fresh = tempDir();
    cleanups.push(fresh.remove);
    const shown = await runCli(['show', 'latest', '--log-store', store, '--format', 'json'], { cwd: fresh.dir, env: awsEnv() });
    expect(shown.code).toBe(0);
    expect((JSON.parse(shown.stdout) as RunLog).status).toBe('interrupted');

    // A store that accepts the connection and never answers: the upload hangs until a second Ctrl-C.
    let uploading!: () => void;
    const started = new Promise<void>((resolve) => (uploading = resolve));
    const sockets: import('node:net').Socket[] = [];
    const hanging = createServer((socket) => {
      sockets.push(socket);
      uploading();
    });
    await new Promise<void>((resolve) => hanging.listen(0, '127.0.0.1', resolve));
    cleanups.push(() => {
      sockets.forEach((s) => s.destroy());
      hanging.close();
    });
    const twice = machine();
    const second = check(twice.dir, awsEnv(`http://127.0.0.1:${(hanging.address() as { port: number }).port}`));
    await second.waitFor('quick');
    second.kill('SIGINT');
    await started;
    second.kill('SIGINT');
    expect((await second.done).code).toBe(130);
    const [local] = readdirSync(twice.path('runs'));
    const runId = local!.replace(/\.json$/, '');
    expect(readdirSync(twice.path('.sfdeploy/outbox'))).toEqual([`run-${runId}.json`]);
    const synced = await runCli(['sync', '--log-dir', 'runs'], { cwd: twice.dir, env: awsEnv() });
    expect(synced.code).toBe(0);
    expect(synced.stdout).toContain(`✔ run log ${runId} → s3://team/logs-interrupted/runs/${runId}.json`);
    const uploaded = JSON.parse(await body(`logs-interrupted/runs/${runId}.json`)) as RunLog;
    expect(uploaded.status).toBe('interrupted');
    expect(uploaded).toEqual(JSON.parse(readFileSync(twice.path(`runs/${local}`), 'utf8')));
  });
});

describe('verify with a file ledger and the log store', () => {
  it('exits 1 when a run log only the store still holds recorded a head the chain no longer contains', async () => {
    const w = signoffScenario('release-notes');
    cleanups.push(w.remove);
    const store = 's3://team/verify-file-ledger';
    for (const release of ['v1', 'v2'])
      expect(
        (
          await runCli(['signoff', 'checklist.yaml', 'release-notes', '--by', 'Ana <ana@example.com>', '--release', release], {
            cwd: w.dir,
          })
        ).code,
      ).toBe(0);
    const ci = await runCli(['check', 'checklist.yaml', '--ci', '--release', 'v2', '--log-dir', 'runs', '--log-store', store], {
      cwd: w.dir,
      env: awsEnv(),
    });
    expect(ci.code).toBe(0);
    rmSync(w.path('runs'), { recursive: true, force: true });
    const ledger = w.path('.sfdeploy/signoffs.jsonl');
    writeFileSync(ledger, `${readFileSync(ledger, 'utf8').split('\n').filter(Boolean)[0]}\n`);
    expect((await runCli(['verify', '--log-dir', 'runs'], { cwd: w.dir, env: awsEnv() })).code).toBe(0);
    const r = await runCli(['verify', '--log-dir', 'runs', '--log-store', store], { cwd: w.dir, env: awsEnv() });
    expect(r.stdout).toContain('1 run log saw records this ledger no longer holds');
    expect(r.code).toBe(1);
  });
});

describe('sync refuses planted outbox entries', () => {
  it('uploads nothing but run logs of the log directory, and no run id that climbs out of its prefix', async () => {
    const m = machine();
    const credentials = m.path('home/.aws/credentials');
    mkdirSync(dirname(credentials), { recursive: true });
    writeFileSync(credentials, '[default]\naws_secret_access_key = plantedSENTINELsecret\n');
    const runId = '20261129T112656Z-3f9a1c';
    mkdirSync(m.path('runs'), { recursive: true });
    // a file of the right name outside the log directory, and a link inside it to the credentials
    const elsewhere = m.path(`elsewhere/${runId}.json`);
    mkdirSync(dirname(elsewhere), { recursive: true });
    writeFileSync(elsewhere, readFileSync(credentials));
    symlinkSync(credentials, m.path('runs/20261129T112657Z-abcdef.json'));
    const store = 's3://team/planted';
    const entry = (name: string, fields: Record<string, string>): void =>
      writeFileSync(
        m.path(`.sfdeploy/outbox/${name}`),
        JSON.stringify({ v: 1, kind: 'run', store, queuedAt: '2026-01-01T00:00:00.000Z', ...fields }),
      );
    mkdirSync(m.path('.sfdeploy/outbox'), { recursive: true });
    entry('run-a.json', { runId, file: credentials });
    entry('run-b.json', { runId: '../../signoffs/pre/forged', file: m.path(`runs/${runId}.json`) });
    entry('run-c.json', { runId, file: elsewhere });
    entry('run-d.json', { runId: '20261129T112657Z-abcdef', file: m.path('runs/20261129T112657Z-abcdef.json') });
    entry('run-e.json', { runId, file: m.path(`runs/../runs/${runId}.json`) });
    const r = await runCli(['sync', '--log-dir', 'runs'], { cwd: m.dir, env: awsEnv() });
    expect(r.code).toBe(1);
    const lines = r.stdout.trim().split('\n');
    expect(lines).toHaveLength(6);
    expect(r.stdout).toContain(
      `✖ run log ${runId}: refused: it names ${credentials}, which is not the run log ${runId}.json in the log directory runs`,
    );
    expect(r.stdout).toContain('run-b.json: not an outbox entry (runId: expected a run id such as 20261129T112656Z-3f9a1c); left in place');
    expect(r.stdout).toContain(`refused: it names ${elsewhere}, which is not the run log`);
    expect(r.stdout).toContain('refused: ');
    expect(r.stdout).toContain(`${m.path('runs/20261129T112657Z-abcdef.json')} is not a regular file`);
    expect(r.stdout).toContain('0 uploaded, 5 left in .sfdeploy/outbox');
    expect(r.stdout + r.stderr).not.toContain('SENTINEL');
    expect(await keys('planted/')).toEqual([]);
  });
});

describe('loading', () => {
  it('check with a file ledger and no log store never loads the AWS SDK', async () => {
    const m = machine();
    const trace = m.path('trace.txt');
    const r = await runCli(['check', 'checklist.yaml', '--ci', '--log-dir', 'runs'], {
      cwd: m.dir,
      env: {
        NODE_OPTIONS: `--import=${fileURLToPath(new URL('../fixtures/trace-imports.mjs', import.meta.url))}`,
        TRACE_IMPORTS_FILE: trace,
      },
    });
    expect(r.code).toBe(3);
    const loaded = readFileSync(trace, 'utf8');
    expect(loaded).toMatch(/\/dist\/chunks\/s3-ledger-[^/]+\.js/);
    expect(loaded).not.toMatch(/\/dist\/chunks\/aws-sdk-[^/]+\.js|@aws-sdk/);
  });
});

describe('check with a team ledger that lost a record an earlier run relied on', () => {
  it('does not reuse a confirmation whose later decline was deleted: exit 1, naming the run and the record', async () => {
    const ledger = 's3://team/cut';
    const m = machine();
    expect((await sign(m, ledger, 'approval-cto')).code).toBe(0);
    expect((await sign(m, ledger, 'approval-cto', ['--decline', '--reason', 'the rollback is untested'])).code).toBe(0);
    const seen = await ciJson(m, ledger);
    expect(seen.code).toBe(1);
    expect(seen.log.items.find((i) => i.id === 'approval-cto')?.status).toBe('fail');

    const all = await Promise.all((await keys('cut/')).map(async (k) => ({ k, r: await record(k), text: await body(k) })));
    const decline = all.find((x) => x.text.includes('"decision":"declined"'))!;
    await client.send(new DeleteObjectCommand({ Bucket: BUCKET, Key: decline.k }));

    const r = await ciJson(m, ledger);
    expect(r.code).toBe(1);
    expect(r.log.items.find((i) => i.id === 'approval-cto')?.status).toBe('error');
    expect(r.stderr).toContain(
      `error: run ${seen.log.runId} relied on record ${decline.r.hash.slice(0, 12)} (approval-cto, declined by Ana <ana@example.com>), which is not in ${ledger} (deleted`,
    );
    expect(r.stderr).toContain(`ledger ${ledger} no longer holds records that 1 earlier run saw`);
  });
});
