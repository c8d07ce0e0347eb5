/** A variable an unresolved `${OTHER}` left unset: every item reading it says so, never "is not set". */
import { afterAll, describe, expect, it } from 'vitest';
import type { RunLog } from '../../src/runner/types.js';
import { runCli } from '../support/cli.js';
import { tempDir } from '../support/tmp.js';

const dir = tempDir({
  'gate.yaml': `
id: gate
title: Gate
vars:
  JWT_SECRET_KEY: { from: [SECRET_KEY] }
sections:
  - id: config
    title: Config
    items:
      - id: db-url-set
        title: DATABASE_URL set
        probe: { kind: env, vars: [DATABASE_URL] }
      - id: db-connect
        title: Database reachable
        probe: { kind: postgres }
      - id: db-url-explicit
        title: Database reachable (url written out)
        probe: { kind: postgres, url: "\${DATABASE_URL}" }
      - id: jwt-secret
        title: JWT secret
        probe: { kind: env, vars: [JWT_SECRET_KEY] }
      - id: migrations
        title: Migrations at head
        probe: { kind: alembic, mode: native, script_location: migrations }
      - id: k8s-rollout
        title: Rollout done
        when: \${K8S_NAMESPACE}
        probe: { kind: command, run: [kubectl, rollout, status, deploy/api] }
      - id: api
        title: API up
        probe: { kind: http, url: "\${API_URL}/health" }
`,
  'prod.env': 'DATABASE_URL=${DB_PARTS_URL}\nSECRET_KEY="${VAULT_SECRET}"\nK8S_NAMESPACE=${NS}\n',
  'migrations/versions/.keep': '',
  's3.yaml': `
id: s3
title: S3
sections:
  - id: storage
    title: Storage
    items:
      - id: media
        title: Media bucket
        timeout: 3s
        probe: { kind: s3, bucket: media }
      - id: media-named
        title: Media bucket (endpoint and region written out)
        timeout: 3s
        probe: { kind: s3, bucket: media, endpoint: "http://127.0.0.1:1", region: eu-west-1 }
`,
  'pg.yaml': `
id: pg
title: PG
sections:
  - id: db
    title: Database
    items:
      - id: db-connect
        title: Database reachable
        timeout: 3s
        probe: { kind: postgres }
`,
  'pg-host.env': 'PGHOST=${DB_HOST}\nPGPASSWORD=${VAULT_DB_PASSWORD}\n',
  'pg-password.env': 'PGHOST=127.0.0.1\nPGPORT=1\nPGPASSWORD=${VAULT_DB_PASSWORD}\n',
  'aws-keys.env':
    'AWS_ACCESS_KEY_ID=AKIDTEST\nAWS_SECRET_ACCESS_KEY=not-a-real-secret\nAWS_SESSION_TOKEN=${VAULT_TOKEN}\nAWS_PROFILE=${VAULT_PROFILE}\n',
  'aws.env':
    'AWS_ENDPOINT_URL=${MINIO_URL}\nAWS_REGION=${BUCKET_REGION}\nAWS_ACCESS_KEY_ID=${VAULT_KEY_ID}\nAWS_SECRET_ACCESS_KEY=${VAULT_SECRET}\n',
});
afterAll(() => dir.remove());

describe('an unresolved ${} reference', () => {
  it('is named by each item that reads the variable it left unset (env file and --var alike)', async () => {
    const r = await runCli(
      [
        'check',
        'gate.yaml',
        '--ci',
        '--format',
        'json',
        '--env-file',
        'prod.env',
        '--var',
        'API_URL=${API_BASE}',
        '--log-dir',
        dir.path('runs'),
      ],
      { cwd: dir.dir },
    );
    expect(r.code).toBe(1);
    const messages = Object.fromEntries((JSON.parse(r.stdout) as RunLog).items.map((i) => [i.id, `${i.status}: ${i.message}`]));
    expect(messages).toEqual({
      'db-url-set': 'fail: DATABASE_URL holds the unresolved reference ${DB_PARTS_URL}',
      'db-connect': 'fail: DATABASE_URL holds the unresolved reference ${DB_PARTS_URL}',
      'db-url-explicit': 'fail: DATABASE_URL holds the unresolved reference ${DB_PARTS_URL}',
      'jwt-secret': 'fail: SECRET_KEY (read as JWT_SECRET_KEY) holds the unresolved reference ${VAULT_SECRET}',
      migrations: 'fail: native mode reads the database from database_url, and DATABASE_URL holds the unresolved reference ${DB_PARTS_URL}',
      'k8s-rollout': 'skip: K8S_NAMESPACE holds the unresolved reference ${NS}',
      api: 'fail: API_URL holds the unresolved reference ${API_BASE}',
    });
    expect(r.stderr).toContain('warning: --var API_URL refers to ${API_BASE}, which is not set: API_URL is left unset');
    expect(r.stderr).toContain(
      'warning: DATABASE_URL (prod.env:1) refers to ${DB_PARTS_URL}, which is not set: DATABASE_URL is left unset',
    );
  });

  it('is named by the s3 probe for the AWS settings it left unset, not a generic region or credential error', async () => {
    const r = await runCli(['check', 's3.yaml', '--ci', '--format', 'json', '--env-file', 'aws.env', '--log-dir', dir.path('runs')], {
      cwd: dir.dir,
      env: { HOME: dir.path('home'), AWS_CONFIG_FILE: dir.path('none'), AWS_SHARED_CREDENTIALS_FILE: dir.path('none') },
    });
    expect(r.code).toBe(1);
    const messages = Object.fromEntries((JSON.parse(r.stdout) as RunLog).items.map((i) => [i.id, `${i.status}: ${i.message}`]));
    const credentials =
      'AWS_ACCESS_KEY_ID holds the unresolved reference ${VAULT_KEY_ID}; AWS_SECRET_ACCESS_KEY holds the unresolved reference ${VAULT_SECRET}';
    expect(messages).toEqual({
      media:
        'fail: AWS_ENDPOINT_URL holds the unresolved reference ${MINIO_URL}; AWS_REGION holds the unresolved reference ${BUCKET_REGION}; ' +
        credentials,
      'media-named': `fail: ${credentials}`,
    });
    const keys = await runCli(
      [
        'check',
        's3.yaml',
        '--ci',
        '--format',
        'json',
        '--only',
        'media-named',
        '--env-file',
        'aws-keys.env',
        '--log-dir',
        dir.path('runs'),
      ],
      { cwd: dir.dir, env: { HOME: dir.path('home') } },
    );
    const item = (JSON.parse(keys.stdout) as RunLog).items.find((i) => i.id === 'media-named');
    // the profile is not read when both keys are given: only the session token is said
    expect(`${item?.status}: ${item?.message}`).toBe('fail: AWS_SESSION_TOKEN holds the unresolved reference ${VAULT_TOKEN}');
    expect(keys.stdout).not.toContain('not-a-real-secret');
  });

  it('is named by the postgres probe for the libpq variables it left unset', async () => {
    const run = async (envFile: string): Promise<string> => {
      const r = await runCli(['check', 'pg.yaml', '--ci', '--format', 'json', '--env-file', envFile, '--log-dir', dir.path('runs')], {
        cwd: dir.dir,
        env: { HOME: dir.path('home') },
      });
      const item = (JSON.parse(r.stdout) as RunLog).items[0]!;
      return `${item.status}: ${item.message}`;
    };
    expect(await run('pg-host.env')).toBe(
      'fail: DATABASE_URL is not set; PGHOST holds the unresolved reference ${DB_HOST}; PGPASSWORD holds the unresolved reference ${VAULT_DB_PASSWORD}',
    );
    expect(await run('pg-password.env')).toMatch(/; PGPASSWORD holds the unresolved reference \$\{VAULT_DB_PASSWORD\}$/);
  });

  it('a reference resolved later in the environment is a value like any other', async () => {
    const r = await runCli(
      ['check', 'gate.yaml', '--ci', '--format', 'json', '--only', 'db-url-set', '--env-file', 'prod.env', '--log-dir', dir.path('runs')],
      { cwd: dir.dir, env: { DB_PARTS_URL: 'postgresql://app:pw@127.0.0.1:1/app' } },
    );
    expect((JSON.parse(r.stdout) as RunLog).items.find((i) => i.id === 'db-url-set')).toMatchObject({ status: 'pass' });
  });
});
