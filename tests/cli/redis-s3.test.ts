import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunLog } from '../../src/runner/types.js';
import { runCli } from '../support/cli.js';
import { startRedis, type RedisServer } from '../support/redis.js';
import { S3RVER_ACCESS_KEY, startS3rver, type S3rverInstance } from '../support/s3.js';
import { tempDir } from '../support/tmp.js';

const REDIS_PASSWORD = 'cli-redis-pw-51fa0c';
const SECRET_KEY = 'cli-aws-secret-key-8e3b7d';

const CHECKLIST = `
id: storage
title: Storage services
vars:
  REDIS_URL: { secret: true }
sections:
  - id: storage
    title: Storage
    items:
      - id: redis-auth
        title: Redis authentication configured
        probe:
          kind: redis
          queues: [celery]
          expect: [auth_required == true, llen.celery == 0]
      - id: redis-persistence
        title: Redis persistence enabled (AOF)
        probe:
          kind: redis
          expect: [info.persistence.aof_enabled == 1]
      - id: s3-bucket
        title: S3 bucket created
        probe: { kind: s3, write_test: true }
      - id: s3-backups
        title: Backups are fresh
        probe: { kind: s3, prefix: backups/ }
`;

let redis: RedisServer;
let s3: S3rverInstance;
const dir = tempDir({ 'storage.yaml': CHECKLIST });

beforeAll(async () => {
  [redis, s3] = await Promise.all([startRedis({ password: REDIS_PASSWORD }), startS3rver(['socialflow-media'])]);
});

afterAll(async () => {
  await Promise.all([redis?.stop(), s3?.close()]);
  dir.remove();
});

describe('sfdeploy check with redis and s3 items', () => {
  it('runs the probes from the environment, fails the gate on the failing items and never prints the secrets', async () => {
    const result = await runCli(['check', 'storage.yaml', '--ci', '--format', 'json', '--log-dir', dir.path('runs')], {
      cwd: dir.dir,
      env: {
        REDIS_URL: redis.url,
        AWS_S3_BUCKET: 'socialflow-media',
        AWS_ENDPOINT_URL: s3.endpoint,
        AWS_ACCESS_KEY_ID: S3RVER_ACCESS_KEY,
        AWS_SECRET_ACCESS_KEY: SECRET_KEY,
        AWS_REGION: 'us-east-1',
      },
    });
    expect(result.code).toBe(1);
    const log = JSON.parse(result.stdout) as RunLog;
    const byId = Object.fromEntries(log.items.map((i) => [i.id, i]));
    expect(byId['redis-auth']).toMatchObject({ status: 'pass' });
    expect(byId['redis-persistence']).toMatchObject({ status: 'fail', message: 'info.persistence.aof_enabled == 1 (got 0)' });
    expect(byId['s3-bucket']).toMatchObject({ status: 'pass', message: 'bucket socialflow-media exists; canary put/get/delete ok' });
    expect(byId['s3-backups']).toMatchObject({ status: 'fail', message: 'no objects under s3://socialflow-media/backups/' });
    for (const text of [result.stdout, result.stderr]) {
      expect(text).not.toContain(REDIS_PASSWORD);
      expect(text).not.toContain(SECRET_KEY);
    }
  });

  it('documents both probes from their schemas in `sfdeploy probes`', async () => {
    const result = await runCli(['probes', 's3', '--json']);
    expect(result.code).toBe(0);
    const doc = JSON.parse(result.stdout) as {
      kind: string;
      params: { name: string; description: string; default?: unknown }[];
      observations: Record<string, string>;
    };
    expect(doc.kind).toBe('s3');
    expect(doc.params.find((p) => p.name === 'bucket')).toMatchObject({ default: '${AWS_S3_BUCKET}' });
    expect(doc.params.every((p) => p.description !== '')).toBe(true);
    expect(Object.keys(doc.observations)).toContain('policy.public_read_prefixes');
    const redisHelp = await runCli(['probes', 'redis']);
    expect(redisHelp.code).toBe(0);
    expect(redisHelp.stdout).toContain('Default check (no expect:) PING answers PONG');
  });
});
