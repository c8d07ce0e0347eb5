import { ListObjectsV2Command, PutBucketCorsCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { readdirSync, readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import s3Probe from '../../../src/probes/s3/index.js';
import { freePort, startSilentServer, type SilentServer } from '../../support/ports.js';
import { probeError, runProbe } from '../../support/probe-run.js';
import { runChecklistText } from '../../support/run-checklist.js';
import {
  S3RVER_ACCESS_KEY,
  S3RVER_SECRET_KEY,
  s3Fixture,
  startBucketConfigServer,
  startS3rver,
  type BucketConfigServer,
  type S3rverInstance,
} from '../../support/s3.js';

/** s3rver does not verify V4 signatures, so a distinctive secret key still works against it. */
const SECRET_KEY = 'wJalrXUtnFEMI/K7MDENG+bPxRfiCY-sfdeploy-9d2e';
const credentials = (secret = SECRET_KEY) => ({ AWS_ACCESS_KEY_ID: S3RVER_ACCESS_KEY, AWS_SECRET_ACCESS_KEY: secret });

let s3rver: S3rverInstance;
let fake: BucketConfigServer;
let silent: SilentServer;
let admin: S3Client;

beforeAll(async () => {
  [s3rver, silent] = await Promise.all([startS3rver(['socialflow-media', 'socialflow-backups']), startSilentServer()]);
  fake = await startBucketConfigServer({
    'socialflow-media': {
      region: 'eu-west-1',
      versioning: s3Fixture('versioning-enabled.xml'),
      lifecycle: s3Fixture('lifecycle-one-enabled-one-disabled.xml'),
      encryption: s3Fixture('encryption-kms.xml'),
      policy: s3Fixture('policy-public-prefix.json'),
    },
    'bare-bucket': {},
    'suspended-bucket': { versioning: s3Fixture('versioning-suspended.xml') },
    'socialflow-everything': { policy: s3Fixture('policy-whole-bucket.json') },
    'socialflow-exports': { policy: s3Fixture('policy-public-minus-deny.json') },
    'socialflow-private': { policy: s3Fixture('policy-not-public.json') },
    'socialflow-office': { policy: s3Fixture('policy-public-from-office-ip.json') },
    'socialflow-backups': { listPages: [s3Fixture('list-backups-page-1.xml'), s3Fixture('list-backups-page-2.xml')] },
    'locked-bucket': { forbidden: 'AccessDenied' },
    'bad-signature': { forbidden: 'SignatureDoesNotMatch' },
  });
  admin = new S3Client({
    endpoint: s3rver.endpoint,
    region: 'us-east-1',
    forcePathStyle: true,
    credentials: { accessKeyId: S3RVER_ACCESS_KEY, secretAccessKey: S3RVER_SECRET_KEY },
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
  });
  const now = Date.now();
  const objects: [string, number][] = [
    ['db/backup_1.sql', 3 * 86_400_000],
    ['db/backup_2.sql', 3_600_000],
    ['db/backup_0.sql', 2 * 86_400_000],
    ['media/newer-but-elsewhere.png', 60_000],
  ];
  for (const [key, age] of objects) {
    await admin.send(new PutObjectCommand({ Bucket: 'socialflow-backups', Key: key, Body: `contents of ${key}` }));
    s3rver.setModified('socialflow-backups', key, new Date(now - age));
  }
  await admin.send(
    new PutBucketCorsCommand({
      Bucket: 'socialflow-media',
      CORSConfiguration: {
        CORSRules: [{ AllowedOrigins: ['https://app.socialflow.com'], AllowedMethods: ['GET', 'PUT'], MaxAgeSeconds: 3000 }],
      },
    }),
  );
});

afterAll(async () => {
  admin?.destroy();
  await Promise.all([s3rver?.close(), fake?.close(), silent?.close()]);
});

const onS3rver = (params: Record<string, unknown>, o: { secret?: string; timeoutMs?: number } = {}) =>
  runProbe(
    's3',
    { endpoint: s3rver.endpoint, ...params },
    { env: credentials(o.secret), timeoutMs: o.timeoutMs ?? 5000, abortAtTimeout: false },
  );
const onFake = (params: Record<string, unknown>) => runProbe('s3', { endpoint: fake.endpoint, ...params }, { env: credentials() });
const onFakeError = async (params: Record<string, unknown>) =>
  (await probeError('s3', { endpoint: fake.endpoint, ...params }, { env: credentials() })).error.message;

describe('s3 probe against s3rver', () => {
  it('passes for an existing bucket', async () => {
    const out = await onS3rver({ bucket: 'socialflow-media' });
    expect(out.problems).toEqual([]);
    expect(out.observations.exists).toBe(true);
    expect(out.summary).toBe('bucket socialflow-media exists');
  });

  it('reports a missing bucket as exists == false with a failing default check', async () => {
    const out = await onS3rver({ bucket: 'socialflow-missing' });
    expect(out.observations.exists).toBe(false);
    expect(out.problems).toEqual(['bucket socialflow-missing does not exist']);
  });

  it('finds the newest object under a prefix for backup freshness', async () => {
    const out = await onS3rver({ bucket: 'socialflow-backups', prefix: 'db/' });
    expect(out.problems).toEqual([]);
    expect(out.observations.objects).toBe(3);
    const newest = out.observations.newest as { key: string; age: number; last_modified: string; size: number };
    expect(newest.key).toBe('db/backup_2.sql');
    expect(newest.age).toBeGreaterThan(3_500_000);
    expect(newest.age).toBeLessThan(3_700_000);
    expect(newest.size).toBe('contents of db/backup_2.sql'.length);
    expect(Date.parse(newest.last_modified)).not.toBeNaN();
  });

  it('fails its default check when nothing is under the prefix', async () => {
    const out = await onS3rver({ bucket: 'socialflow-backups', prefix: 'nightly/' });
    expect(out.observations.objects).toBe(0);
    expect(out.observations.newest).toBeUndefined();
    expect(out.problems).toEqual(['no objects under s3://socialflow-backups/nightly/']);
  });

  it('puts, reads back and deletes a canary object when write_test is true, leaving nothing behind', async () => {
    const out = await onS3rver({ bucket: 'socialflow-media', write_test: true, canary_prefix: 'healthchecks/' });
    expect(out.problems).toEqual([]);
    expect(out.observations.canary).toBe(true);
    const left = await admin.send(new ListObjectsV2Command({ Bucket: 'socialflow-media', Prefix: 'healthchecks/' }));
    expect(left.Contents ?? []).toEqual([]);
  });

  it('reads CORS rules, and counts 0 rules for a bucket without CORS', async () => {
    const withCors = await onS3rver({ bucket: 'socialflow-media', read: ['cors'] });
    expect(withCors.observations).toMatchObject({
      cors_rules: 1,
      cors_allowed_origins: ['https://app.socialflow.com'],
      cors: [{ allowed_origins: ['https://app.socialflow.com'], allowed_methods: ['GET', 'PUT'], max_age_seconds: 3000 }],
    });
    const without = await onS3rver({ bucket: 'socialflow-backups', read: ['cors'] });
    expect(without.observations).toMatchObject({ cors_rules: 0, cors: [], cors_allowed_origins: [] });
  });

  it('notes configurations the endpoint does not implement instead of failing', async () => {
    const out = await onS3rver({ bucket: 'socialflow-media', read: ['lifecycle', 'encryption'] });
    expect(out.problems).toEqual([]);
    expect(out.observations.lifecycle_rules).toBeUndefined();
    expect(out.observations.notes).toEqual([
      `lifecycle not observed: 127.0.0.1:${s3rver.port} does not implement GetBucketLifecycleConfiguration`,
      `encryption not observed: 127.0.0.1:${s3rver.port} does not implement GetBucketEncryption`,
    ]);
  });

  it('says the access key is unknown, and never shows the secret key', async () => {
    const message = (
      await probeError(
        's3',
        { bucket: 'socialflow-media', endpoint: s3rver.endpoint },
        { env: { AWS_ACCESS_KEY_ID: 'AKIAUNKNOWNKEY000000', AWS_SECRET_ACCESS_KEY: SECRET_KEY } },
      )
    ).error.message;
    expect(message).toBe(`the AWS access key id is not known to 127.0.0.1:${s3rver.port} (InvalidAccessKeyId)`);
  });

  it('never puts the secret key in observations, summaries or problems', async () => {
    const out = await onS3rver({ bucket: 'socialflow-backups', prefix: 'db/', read: ['cors', 'versioning'], write_test: true });
    expect(out.observations.canary).toBe(true);
    expect(JSON.stringify(out)).not.toContain(SECRET_KEY);
    expect(JSON.stringify(out)).not.toContain('sfdeploy-9d2e');
  });

  it('fails with "connection refused at host:port" when nothing listens', async () => {
    const port = await freePort();
    const message = (await probeError('s3', { bucket: 'b', endpoint: `http://127.0.0.1:${port}` }, { env: credentials() })).error.message;
    expect(message).toBe(`connection refused at 127.0.0.1:${port}`);
  });

  it('gives up on an endpoint that accepts and never answers, with a "timed out" message', async () => {
    const started = Date.now();
    const message = (
      await probeError(
        's3',
        { bucket: 'b', endpoint: `http://127.0.0.1:${silent.port}` },
        { env: credentials(), timeoutMs: 300, abortAtTimeout: false },
      )
    ).error.message;
    expect(message).toBe(`127.0.0.1:${silent.port} did not answer within 300ms (timed out)`);
    expect(Date.now() - started).toBeLessThan(5000);
  });

  it('stops as soon as the signal aborts', async () => {
    const controller = new AbortController();
    setTimeout(() => controller.abort(new Error('interrupted by test')), 100);
    const started = Date.now();
    const message = (
      await probeError(
        's3',
        { bucket: 'b', endpoint: `http://127.0.0.1:${silent.port}` },
        { env: credentials(), timeoutMs: 60_000, signal: controller.signal },
      )
    ).error.message;
    expect(message).toBe('interrupted by test');
    expect(Date.now() - started).toBeLessThan(5000);
  });
});

describe('s3 probe on AWS bucket-configuration documents', () => {
  it('checks a plain bucket with one HEAD request and reports the bucket region', async () => {
    const before = fake.requests.length;
    const out = await onFake({ bucket: 'socialflow-media' });
    expect(fake.requests.slice(before)).toEqual(['HEAD /socialflow-media']);
    expect(out.observations).toMatchObject({ exists: true, region: 'eu-west-1' });
    expect(out.observations.versioning).toBeUndefined();
  });

  it('reads versioning, lifecycle, encryption and the policy when asked', async () => {
    const out = await onFake({ bucket: 'socialflow-media', read: ['versioning', 'lifecycle', 'encryption', 'policy'] });
    expect(out.problems).toEqual([]);
    expect(out.observations).toMatchObject({
      versioning: 'Enabled',
      encryption: 'aws:kms',
      lifecycle_rules: 1,
      lifecycle: [
        {
          id: 'expire-tmp-uploads',
          status: 'Enabled',
          prefix: 'tmp/',
          expiration_days: 7,
          abort_incomplete_multipart_days: 2,
          transitions: [],
        },
        {
          id: 'archive-backups',
          status: 'Disabled',
          prefix: 'backups/',
          noncurrent_expiration_days: 90,
          transitions: [{ days: 30, storage_class: 'GLACIER' }],
        },
      ],
      policy: { exists: true, public_read_prefixes: ['public/'], whole_bucket_public: false, conditional_read_prefixes: [] },
    });
  });

  it('reports missing configurations as observations: Disabled, 0 rules, none, no policy', async () => {
    const out = await onFake({ bucket: 'bare-bucket', read: ['versioning', 'lifecycle', 'encryption', 'policy', 'cors'] });
    expect(out.problems).toEqual([]);
    expect(out.observations).toMatchObject({
      versioning: 'Disabled',
      lifecycle_rules: 0,
      lifecycle: [],
      encryption: 'none',
      policy: { exists: false, public_read_prefixes: [], whole_bucket_public: false },
      cors_rules: 0,
    });
    const suspended = await onFake({ bucket: 'suspended-bucket', read: ['versioning'] });
    expect(suspended.observations.versioning).toBe('Suspended');
  });

  it.each([
    ['socialflow-everything', ['*'], true, []],
    ['socialflow-exports', ['public/'], false, []],
    ['socialflow-private', [], false, []],
    ['socialflow-office', [], false, ['*']],
  ])('analyses the policy of %s', async (bucket, prefixes, whole, conditional) => {
    const out = await onFake({ bucket, read: ['policy'] });
    expect(out.observations.policy).toEqual({
      exists: true,
      public_read_prefixes: prefixes,
      whole_bucket_public: whole,
      conditional_read_prefixes: conditional,
    });
  });

  it('follows list pages to the newest object', async () => {
    const before = fake.requests.length;
    const out = await onFake({ bucket: 'socialflow-backups', prefix: 'db/' });
    expect(fake.requests.slice(before).filter((r) => r.includes('list-type'))).toHaveLength(2);
    expect(out.observations.objects).toBe(3);
    expect(out.observations.newest).toMatchObject({
      key: 'db/backup_20250115.sql',
      last_modified: '2025-01-15T02:00:03.000Z',
      size: 1052000,
    });
  });

  it('stops listing at max_objects and says so', async () => {
    const out = await onFake({ bucket: 'socialflow-backups', prefix: 'db/', max_objects: 2 });
    expect(out.observations.objects).toBe(2);
    expect(out.observations.newest).toMatchObject({ key: 'db/backup_20250114.sql' });
    expect(out.observations.notes).toEqual(['listed only the first 2 objects under db/ (max_objects); newest.* may miss later pages']);
  });

  it('fails with "access denied to bucket" when S3 answers 403', async () => {
    expect(await onFakeError({ bucket: 'locked-bucket' })).toBe('access denied to bucket locked-bucket (HeadBucket)');
  });

  it('names a wrong secret key without showing it', async () => {
    const message = await onFakeError({ bucket: 'bad-signature' });
    expect(message).toBe(
      `the AWS secret access key does not match the access key id (SignatureDoesNotMatch at ${new URL(fake.endpoint).host})`,
    );
    expect(message).not.toContain(SECRET_KEY);
  });
});

describe('s3 probe through the runner', () => {
  const checklist = `
id: s3-e2e
title: S3 end to end
sections:
  - id: storage
    title: Storage
    items:
      - id: s3-bucket
        title: S3 bucket created
        probe: { kind: s3 }
      - id: s3-policy
        title: S3 bucket policy configured (public read for media only)
        probe:
          kind: s3
          read: [policy]
          expect:
            - 'policy.public_read_prefixes == ["public/"]'
            - policy.whole_bucket_public == false
      - id: s3-versioning
        title: S3 bucket versioning enabled
        probe:
          kind: s3
          bucket: bare-bucket
          read: [versioning, lifecycle]
          expect: ['versioning == "Enabled"', lifecycle_rules > 0]
      - id: s3-hung
        title: An endpoint that never answers
        timeout: 400ms
        probe:
          kind: s3
          endpoint: http://127.0.0.1:\${HUNG_PORT}
`;

  it('uses AWS_S3_BUCKET, AWS_ENDPOINT_URL and the credential variables, and ends a hung item with "timed out"', async () => {
    const started = Date.now();
    const log = await runChecklistText(checklist, {
      AWS_S3_BUCKET: 'socialflow-media',
      AWS_ENDPOINT_URL: fake.endpoint,
      HUNG_PORT: String(silent.port),
      ...credentials(),
    });
    const byId = Object.fromEntries(log.items.map((i) => [i.id, i]));
    expect(byId['s3-bucket']).toMatchObject({ status: 'pass', message: 'bucket socialflow-media exists in eu-west-1' });
    expect(byId['s3-policy']!.status).toBe('pass');
    expect(byId['s3-versioning']).toMatchObject({
      status: 'fail',
      message: 'versioning == "Enabled" (got "Disabled"); lifecycle_rules > 0 (got 0)',
    });
    expect(byId['s3-hung']).toMatchObject({ status: 'fail', message: 'timed out after 400ms' });
    expect(Date.now() - started).toBeLessThan(10_000);
    expect(JSON.stringify(log)).not.toContain(SECRET_KEY);
  });
});

describe('s3 probe reads what the conditions name', () => {
  it('reads versioning and the policy when expect: names them, without a read: list', async () => {
    const log = await runChecklistText(
      `id: t\ntitle: T\nsections:\n  - id: s\n    title: S\n    items:\n      - id: media\n        title: Media bucket\n        probe:\n          kind: s3\n          expect: ['versioning == "Enabled"', 'policy.public_read_prefixes == ["public/"]']\n`,
      { AWS_S3_BUCKET: 'socialflow-media', AWS_ENDPOINT_URL: fake.endpoint, ...credentials() },
    );
    expect(log.items[0]).toMatchObject({
      status: 'pass',
      observations: { versioning: 'Enabled', policy: { public_read_prefixes: ['public/'] } },
    });
  });
});

describe('s3 probe module', () => {
  it('imports @aws-sdk/client-s3 only inside run(), so other commands do not load it', () => {
    for (const folder of [new URL('../../../src/probes/s3/', import.meta.url), new URL('../../../src/aws/', import.meta.url)]) {
      for (const file of readdirSync(folder)) {
        const source = readFileSync(new URL(file, folder), 'utf8');
        expect(source, file).not.toMatch(/^import (?!type )[^;]*from '@aws-sdk\/client-s3'/m);
      }
    }
    expect(readFileSync(new URL('../../../src/aws/client.ts', import.meta.url), 'utf8')).toContain("await import('@aws-sdk/client-s3')");
    expect(readFileSync(new URL('../../../src/probes/s3/index.ts', import.meta.url), 'utf8')).toContain('await createS3Client(');
  });

  it('describes every parameter and defaults to the AWS variables', () => {
    for (const [name, field] of Object.entries(s3Probe.params.shape)) expect(field.description, name).toBeTruthy();
    expect(s3Probe.params.parse({})).toMatchObject({
      bucket: '${AWS_S3_BUCKET}',
      // resolved at run time: AWS_REGION, AWS_DEFAULT_REGION, the profile; AWS_ENDPOINT_URL_S3, AWS_ENDPOINT_URL
      region: '',
      endpoint: '',
      read: [],
      write_test: false,
    });
  });
});
