/**
 * The s3 probe: the bucket, its configuration, the newest object under a prefix, a write canary.
 * https://docs.aws.amazon.com/AmazonS3/latest/API/API_HeadBucket.html
 */
import { regionFrom, s3EndpointFrom } from '../../aws/region.js';
import { z } from 'zod';
import { ProbeError } from '../../errors.js';
import { untilAborted } from '../abort.js';
import { formatDuration } from '../../util/duration.js';
import { bool, int } from '../params.js';
import { defineProbe, type ProbeContext } from '../types.js';
import { createS3Client, maskAwsSecrets, type S3ClientSettings, type S3Module } from '../../aws/client.js';
import { describeS3Error, s3ErrorCode, type S3ErrorContext } from '../../aws/errors.js';
import { analysePolicy } from './policy.js';

/** Bucket configurations read only when listed in `read:`, each one request. */
export const READABLE = ['versioning', 'lifecycle', 'policy', 'encryption', 'cors'] as const;
type Readable = (typeof READABLE)[number];

const params = z.strictObject({
  bucket: z
    .string()
    .min(1, 'expected a bucket name such as socialflow-media')
    .default('${AWS_S3_BUCKET}')
    .describe('The bucket name. Default `${AWS_S3_BUCKET}`.'),
  region: z
    .string()
    .default('')
    .describe(
      "The region to call. Default: AWS_REGION, else AWS_DEFAULT_REGION, else the profile's region (AWS_PROFILE in ~/.aws/config), else us-east-1.",
    ),
  endpoint: z
    .string()
    .default('')
    .describe(
      'A custom S3 endpoint (MinIO, s3rver, LocalStack) such as http://127.0.0.1:9000. Default: AWS_ENDPOINT_URL_S3, else AWS_ENDPOINT_URL, else AWS itself.',
    ),
  force_path_style: bool()
    .optional()
    .describe('Address buckets as `endpoint/bucket` instead of `bucket.endpoint`. Default true with a custom endpoint, false for AWS.'),
  read: z
    .array(z.enum(READABLE, { error: `expected one of ${READABLE.join(', ')}` }))
    .default([])
    .describe(
      `Bucket configurations to read, one request each: ${READABLE.join(', ')}. Those the item's expect: names are read anyway. Default none.`,
    ),
  prefix: z
    .string()
    .optional()
    .describe(
      'List the objects under this key prefix (all pages) and observe the newest one: `newest.key`, `newest.age` (backup freshness).',
    ),
  max_objects: int()
    .pipe(z.int().min(1, 'expected at least 1'))
    .default(100_000)
    .describe('With `prefix`, stop listing after this many objects (a note says so). Default 100000.'),
  write_test: bool()
    .default(false)
    .describe('Put, read back and delete a small object under `canary_prefix`; observed as `canary`. Default false.'),
  canary_prefix: z.string().default('.sfdeploy-canary/').describe('Key prefix of the write-test object. Default `.sfdeploy-canary/`.'),
});

export type S3Params = z.output<typeof params>;

/** Checks an S3 bucket with the AWS SDK. */
export default defineProbe({
  kind: 's3',
  summary: 'Checks an S3 bucket: it exists, its versioning, lifecycle, encryption, policy and CORS, backup freshness, a write canary.',
  docs: 'https://docs.aws.amazon.com/AmazonS3/latest/API/API_HeadBucket.html',
  params,
  example: {},
  observations: {
    exists: 'true when the bucket exists and is reachable with these credentials (false when it does not exist)',
    region: 'the bucket region S3 reports (x-amz-bucket-region)',
    versioning: 'Enabled, Suspended or Disabled (read: [versioning])',
    lifecycle_rules: 'the number of enabled lifecycle rules; 0 without a configuration (read: [lifecycle])',
    'lifecycle.**':
      'every lifecycle rule: id, status, prefix, expiration_days, noncurrent_expiration_days, transitions (read: [lifecycle])',
    encryption: 'default encryption: AES256, aws:kms, aws:kms:dsse, or none (read: [encryption])',
    'policy.exists': 'true when the bucket has a policy (read: [policy])',
    'policy.public_read_prefixes': 'key prefixes anyone may read through the policy, `*` for the whole bucket (read: [policy])',
    'policy.whole_bucket_public': 'true when the policy lets anyone read every object (read: [policy])',
    'policy.conditional_read_prefixes': 'key prefixes anyone may read only under a policy Condition (read: [policy])',
    cors_rules: 'the number of CORS rules; 0 without a configuration (read: [cors])',
    'cors.**': 'every CORS rule: allowed_origins, allowed_methods, allowed_headers, max_age_seconds (read: [cors])',
    cors_allowed_origins: 'the origins all CORS rules allow, together (read: [cors])',
    objects: 'the number of objects under `prefix` (up to max_objects)',
    'newest.key': 'the key of the most recently modified object under `prefix`',
    'newest.age': 'how long ago the newest object under `prefix` was modified, in milliseconds (`newest.age < 26h`)',
    'newest.last_modified': 'when the newest object under `prefix` was modified (ISO 8601)',
    'newest.size': 'the size of the newest object under `prefix`, in bytes',
    canary: 'true when the write test put, read back and deleted its object (write_test: true)',
    notes: 'what could not be observed, and why',
  },
  defaultCheck:
    'the bucket exists and is accessible; with `prefix`, at least one object is under it; with `write_test`, the canary round trip succeeds',
  warm: () => import('@aws-sdk/client-s3'),
  pooled: true,
  async run(p, ctx) {
    try {
      return await probeBucket(p, ctx);
    } catch (e) {
      if (ctx.signal.aborted || !(e instanceof Error)) throw e;
      e.message = maskAwsSecrets(e.message, ctx.lookup);
      throw e;
    }
  },
});

/**
 * The AWS settings an unresolved `${X}` left unset, each said as "AWS_REGION holds the unresolved reference ${X}":
 * a setting the item does not name, that no variable read before it (AWS_ENDPOINT_URL_S3, AWS_REGION) sets, and that
 * the SDK would read (AWS_PROFILE only without both keys).
 */
function unresolvedSettings(p: S3Params, ctx: ProbeContext): string[] {
  const why = ctx.unsetBecause;
  if (!why) return [];
  const first = (names: string[]): string | undefined => {
    for (const name of names) {
      if (ctx.lookup(name)) return undefined;
      const reason = why(name);
      if (reason) return reason;
    }
    return undefined;
  };
  return [
    p.endpoint ? undefined : first(['AWS_ENDPOINT_URL_S3', 'AWS_ENDPOINT_URL']),
    p.region ? undefined : first(['AWS_REGION', 'AWS_DEFAULT_REGION']),
    ...['AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY', 'AWS_SESSION_TOKEN'].map((name) => first([name])),
    // a profile is read only without both keys
    ctx.lookup('AWS_ACCESS_KEY_ID') && ctx.lookup('AWS_SECRET_ACCESS_KEY') ? undefined : first(['AWS_PROFILE']),
  ].filter((reason): reason is string => reason !== undefined);
}

async function probeBucket(given: S3Params, ctx: ProbeContext) {
  const unresolved = unresolvedSettings(given, ctx);
  if (unresolved.length) throw new Error(unresolved.join('; '));
  const p = { ...given, region: given.region || regionFrom(ctx.lookup), endpoint: given.endpoint || s3EndpointFrom(ctx.lookup) };
  const endpoint = parseEndpoint(p.endpoint);
  const where = endpoint ? endpoint.host : `s3.${p.region}.amazonaws.com`;
  const errorContext: S3ErrorContext = { bucket: p.bucket, where, region: p.region, timeoutMs: ctx.timeoutMs };
  const { s3, client, own } = await s3Client(
    {
      region: p.region,
      endpoint,
      forcePathStyle: p.force_path_style,
      lookup: ctx.lookup,
      maxAttempts: 1,
      connectTimeoutMs: ctx.timeoutMs,
      requestTimeoutMs: ctx.timeoutMs,
    },
    ctx,
  );
  const options = { abortSignal: ctx.signal };
  const raw = <T>(work: () => Promise<T>): Promise<T> => untilAborted(work(), ctx.signal);
  const call = async <T>(operation: string, work: () => Promise<T>): Promise<T> => {
    try {
      return await raw(work);
    } catch (e) {
      if (ctx.signal.aborted) throw e;
      throw describeS3Error(e, { ...errorContext, operation });
    }
  };
  const notes: string[] = [];
  const problems: string[] = [];
  const observations: Record<string, unknown> = { notes };
  /** A configuration read: null when the bucket has none, undefined when the endpoint does not implement it. */
  const readConfig = async <T>(
    what: Readable,
    operation: string,
    missing: string | undefined,
    work: () => Promise<T>,
  ): Promise<T | null | undefined> => {
    try {
      return await raw(work);
    } catch (e) {
      if (ctx.signal.aborted) throw e;
      const code = s3ErrorCode(e);
      if (missing !== undefined && code === missing) return null;
      if (code === 'NotImplemented' || code === 'MethodNotAllowed') {
        notes.push(`${what} not observed: ${where} does not implement ${operation}`);
        return undefined;
      }
      throw describeS3Error(e, { ...errorContext, operation });
    }
  };

  try {
    let head: { BucketRegion?: string | undefined };
    try {
      head = await raw(() => client.send(new s3.HeadBucketCommand({ Bucket: p.bucket }), options));
    } catch (e) {
      if (ctx.signal.aborted) throw e;
      const code = s3ErrorCode(e);
      if (code === 'NotFound' || code === 'NoSuchBucket') {
        return { observations: { exists: false, notes }, problems: [`bucket ${p.bucket} does not exist`] };
      }
      if (code === 'Forbidden') {
        // A HEAD error has no body: ask once more with a GET to learn why (InvalidAccessKeyId, SignatureDoesNotMatch...).
        await call('HeadBucket', () => client.send(new s3.ListObjectsV2Command({ Bucket: p.bucket, MaxKeys: 1 }), options));
      }
      throw describeS3Error(e, { ...errorContext, operation: 'HeadBucket' });
    }
    observations.exists = true;
    observations.region = head.BucketRegion;
    const wanted = new Set<Readable>(p.read);
    for (const path of ctx.wants ?? []) {
      const root = path.split('.')[0]!;
      const config = READABLE.find((r) => root === r || root.startsWith(`${r}_`) || (r === 'lifecycle' && root === 'lifecycle_rules'));
      if (config) wanted.add(config);
    }

    await Promise.all(
      READABLE.filter((what) => wanted.has(what)).map(async (what) => {
        const config = CONFIG_READS[what] as ConfigRead<unknown>;
        const r = await readConfig(what, config.operation, config.missing, () =>
          client.send(config.command(s3, p.bucket) as never, options),
        );
        if (r !== undefined) Object.assign(observations, config.observe(r, p.bucket));
      }),
    );

    const summary = [`bucket ${p.bucket} exists${head.BucketRegion ? ` in ${head.BucketRegion}` : ''}`];

    if (p.prefix !== undefined) {
      const listing = await listNewest(p, (token) =>
        call('ListObjectsV2', () =>
          client.send(new s3.ListObjectsV2Command({ Bucket: p.bucket, Prefix: p.prefix, ContinuationToken: token }), options),
        ),
      );
      observations.objects = listing.count;
      if (listing.truncated)
        notes.push(
          `listed only the first ${listing.count} objects under ${p.prefix || 'the bucket'} (max_objects); newest.* may miss later pages`,
        );
      const where = `s3://${p.bucket}/${p.prefix}`;
      if (listing.newest?.LastModified) {
        const modified = listing.newest.LastModified;
        const age = Math.max(0, Date.now() - modified.getTime());
        observations.newest = { key: listing.newest.Key, age, last_modified: modified.toISOString(), size: listing.newest.Size };
        summary.push(`newest under ${where} is ${formatDuration(age)} old`);
      } else {
        problems.push(`no objects under ${where}`);
      }
    }

    if (p.write_test) {
      const result = await canary(p, client, s3, options, raw, errorContext);
      observations.canary = result === undefined;
      if (result) problems.push(result);
      else summary.push('canary put/get/delete ok');
    }

    return { observations, problems, summary: summary.join('; ') };
  } finally {
    if (own) client.destroy();
  }
}

/**
 * The run's client for these settings and credentials (its keep-alive connections and resolved credentials serve
 * every s3 item of the run), or the item's own outside a run.
 */
async function s3Client(
  settings: S3ClientSettings,
  ctx: ProbeContext,
): Promise<Awaited<ReturnType<typeof createS3Client>> & { own: boolean }> {
  const shared = ctx.shared && !ctx.shared.closed ? ctx.shared : undefined;
  if (!shared) return { ...(await createS3Client(settings)), own: true };
  const credentials = ['AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY', 'AWS_SESSION_TOKEN', 'AWS_PROFILE'].map((name) =>
    settings.lookup(name),
  );
  const key = `s3 ${JSON.stringify({ ...settings, endpoint: settings.endpoint?.href, lookup: credentials })}`;
  const entry = shared.get(
    key,
    () => createS3Client(settings),
    (made) => void made.then((m) => m.client.destroy()).catch(() => undefined),
  );
  try {
    return { ...(await entry), own: false };
  } catch (e) {
    shared.drop(key, entry);
    throw e;
  }
}

/** How one bucket configuration is read: its API call, the error code that means "none", what it observes. */
interface ConfigRead<T> {
  operation: string;
  /** The error code of a bucket without this configuration; undefined when the call always answers. */
  missing: string | undefined;
  command(s3: S3Module, bucket: string): unknown;
  /** Observations from the answer; null when the bucket has no such configuration. */
  observe(answer: T | null, bucket: string): Record<string, unknown>;
}

const configRead = <T>(read: ConfigRead<T>): ConfigRead<T> => read;

/** The configurations `read:` may name, one request each. */
const CONFIG_READS: { [K in Readable]: ConfigRead<never> } = {
  versioning: configRead<{ Status?: string | undefined }>({
    operation: 'GetBucketVersioning',
    missing: undefined,
    command: (s3, Bucket) => new s3.GetBucketVersioningCommand({ Bucket }),
    observe: (r) => ({ versioning: r?.Status ?? 'Disabled' }),
  }),
  lifecycle: configRead<import('@aws-sdk/client-s3').GetBucketLifecycleConfigurationOutput>({
    operation: 'GetBucketLifecycleConfiguration',
    missing: 'NoSuchLifecycleConfiguration',
    command: (s3, Bucket) => new s3.GetBucketLifecycleConfigurationCommand({ Bucket }),
    observe: (r) => {
      const rules = (r?.Rules ?? []).map((rule) => ({
        id: rule.ID,
        status: rule.Status,
        prefix: rule.Filter?.Prefix ?? rule.Filter?.And?.Prefix ?? rule.Prefix ?? '',
        expiration_days: rule.Expiration?.Days,
        noncurrent_expiration_days: rule.NoncurrentVersionExpiration?.NoncurrentDays,
        abort_incomplete_multipart_days: rule.AbortIncompleteMultipartUpload?.DaysAfterInitiation,
        transitions: (rule.Transitions ?? []).map((t) => ({ days: t.Days, storage_class: t.StorageClass })),
      }));
      return { lifecycle: rules, lifecycle_rules: rules.filter((rule) => rule.status === 'Enabled').length };
    },
  }),
  policy: configRead<{ Policy?: string | undefined }>({
    operation: 'GetBucketPolicy',
    missing: 'NoSuchBucketPolicy',
    command: (s3, Bucket) => new s3.GetBucketPolicyCommand({ Bucket }),
    observe: (r, bucket) => {
      if (!r?.Policy)
        return { policy: { exists: false, public_read_prefixes: [], whole_bucket_public: false, conditional_read_prefixes: [] } };
      const { statements: _statements, ...analysis } = analysePolicy(r.Policy, bucket);
      return { policy: { exists: true, ...analysis } };
    },
  }),
  encryption: configRead<import('@aws-sdk/client-s3').GetBucketEncryptionOutput>({
    operation: 'GetBucketEncryption',
    missing: 'ServerSideEncryptionConfigurationNotFoundError',
    command: (s3, Bucket) => new s3.GetBucketEncryptionCommand({ Bucket }),
    observe: (r) => ({
      encryption: r?.ServerSideEncryptionConfiguration?.Rules?.[0]?.ApplyServerSideEncryptionByDefault?.SSEAlgorithm ?? 'none',
    }),
  }),
  cors: configRead<import('@aws-sdk/client-s3').GetBucketCorsOutput>({
    operation: 'GetBucketCors',
    missing: 'NoSuchCORSConfiguration',
    command: (s3, Bucket) => new s3.GetBucketCorsCommand({ Bucket }),
    observe: (r) => {
      const rules = (r?.CORSRules ?? []).map((rule) => ({
        allowed_origins: rule.AllowedOrigins ?? [],
        allowed_methods: rule.AllowedMethods ?? [],
        allowed_headers: rule.AllowedHeaders ?? [],
        max_age_seconds: rule.MaxAgeSeconds,
      }));
      return { cors: rules, cors_rules: rules.length, cors_allowed_origins: [...new Set(rules.flatMap((rule) => rule.allowed_origins))] };
    },
  }),
};

type Listed = { Key?: string | undefined; LastModified?: Date | undefined; Size?: number | undefined };
type Page = { Contents?: Listed[] | undefined; IsTruncated?: boolean | undefined; NextContinuationToken?: string | undefined };

async function listNewest(p: S3Params, page: (token: string | undefined) => Promise<Page>) {
  let token: string | undefined;
  let count = 0;
  let newest: Listed | undefined;
  let truncated = false;
  do {
    const result = await page(token);
    for (const object of result.Contents ?? []) {
      count++;
      if (object.LastModified && (!newest?.LastModified || object.LastModified.getTime() > newest.LastModified.getTime())) newest = object;
    }
    token = result.IsTruncated ? result.NextContinuationToken : undefined;
    if (token && count >= p.max_objects) {
      truncated = true;
      break;
    }
  } while (token);
  return { count, newest, truncated };
}

/** Puts, reads back and deletes a small object; undefined when all worked, else what failed. */
async function canary(
  p: S3Params,
  client: InstanceType<S3Module['S3Client']>,
  s3: S3Module,
  options: { abortSignal: AbortSignal },
  raw: <T>(work: () => Promise<T>) => Promise<T>,
  errorContext: S3ErrorContext,
): Promise<string | undefined> {
  const { randomBytes } = await import('node:crypto');
  const key = `${p.canary_prefix}${new Date().toISOString().replace(/[:.]/g, '-')}-${randomBytes(4).toString('hex')}.txt`;
  const body = `sfdeploy write test ${key}\n`;
  const target = `s3://${p.bucket}/${key}`;
  const step = async <T>(operation: string, work: () => Promise<T>): Promise<T> => {
    try {
      return await raw(work);
    } catch (e) {
      if (options.abortSignal.aborted) throw e;
      throw new CanaryError(`write test ${operation} of ${target} failed: ${describeS3Error(e, { ...errorContext, operation }).message}`);
    }
  };
  let stored = false;
  try {
    await step('PutObject', () =>
      client.send(new s3.PutObjectCommand({ Bucket: p.bucket, Key: key, Body: body, ContentType: 'text/plain' }), options),
    );
    stored = true;
    const got = await step('GetObject', async () => {
      const res = await client.send(new s3.GetObjectCommand({ Bucket: p.bucket, Key: key }), options);
      return (await res.Body?.transformToString()) ?? '';
    });
    if (got !== body) return `write test read back ${got.length} bytes from ${target}, not the ${body.length} written`;
    await step('DeleteObject', () => client.send(new s3.DeleteObjectCommand({ Bucket: p.bucket, Key: key }), options));
    stored = false;
    return undefined;
  } catch (e) {
    if (e instanceof CanaryError) return e.message;
    throw e;
  } finally {
    if (stored && !options.abortSignal.aborted) {
      await client.send(new s3.DeleteObjectCommand({ Bucket: p.bucket, Key: key }), options).catch(() => undefined);
    }
  }
}

class CanaryError extends Error {}

function parseEndpoint(text: string): URL | undefined {
  const value = text.trim();
  if (value === '') return undefined;
  if (!/^https?:\/\//i.test(value)) throw new ProbeError(`endpoint must be an http:// or https:// URL, got "${value}"`);
  try {
    return new URL(value);
  } catch {
    throw new ProbeError(`endpoint is not a valid URL: "${value}"`);
  }
}
