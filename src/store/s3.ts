/**
 * The team stores on S3 (`--ledger s3://…`, `--log-store s3://…`): one bucket and key prefix, reached like the s3
 * probe reaches a bucket — the default credential chain, `AWS_ENDPOINT_URL` for MinIO/s3rver/LocalStack (path-style),
 * checksums only where required, short timeouts. The SDK is imported on first use only.
 * https://docs.aws.amazon.com/AmazonS3/latest/API/API_PutObject.html (conditional writes: `If-None-Match: *`)
 */
import { createHash } from 'node:crypto';
import type { S3Client } from '@aws-sdk/client-s3';
import type { Env } from '../util/env.js';
import { StoreError, UsageError } from '../errors.js';
import { createS3Client, maskAwsSecrets, type S3Module } from '../aws/client.js';
import { describeS3Error, s3ErrorCode } from '../aws/errors.js';

/** `s3://bucket/some/prefix` split up. `prefix` has no leading or trailing slash and may be empty. */
export interface S3Location {
  bucket: string;
  prefix: string;
  /** `s3://bucket/prefix`, normalised: how the store is named in messages and run logs. */
  url: string;
}

const BUCKET = /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/;

export const isS3Url = (text: string | undefined): text is string => !!text && /^s3:\/\//i.test(text);

/** Parses `s3://bucket[/prefix]`; `what` names the flag in the error (`--ledger`). */
export function parseS3Url(text: string, what: string): S3Location {
  const m = /^s3:\/\/([^/]*)(?:\/(.*))?$/i.exec(text.trim());
  const bucket = m?.[1] ?? '';
  if (!m || !BUCKET.test(bucket)) {
    throw new UsageError(
      `${what} expects s3://bucket/prefix with a valid bucket name (3-63 lowercase letters, digits, dots, hyphens), got "${text}"`,
    );
  }
  const prefix = (m[2] ?? '').split('/').filter(Boolean).join('/');
  if (prefix.split('/').some((s) => s === '.' || s === '..'))
    throw new UsageError(`${what}: the prefix of "${text}" may not contain . or .. segments`);
  return { bucket, prefix, url: `s3://${bucket}${prefix ? `/${prefix}` : ''}` };
}

/** A key under the location's prefix. */
export const keyUnder = (loc: S3Location, path: string): string => (loc.prefix ? `${loc.prefix}/${path}` : path);

export interface ListedObject {
  key: string;
  etag: string | undefined;
}

/** What `putNew` did: wrote the object, or found the key taken (the store honoured `If-None-Match: *`). */
export type PutResult = 'created' | 'exists';

const NETWORK =
  /^(?:ECONNREFUSED|ECONNRESET|ENOTFOUND|EAI_AGAIN|ETIMEDOUT|EHOSTUNREACH|ENETUNREACH|ENETDOWN|EADDRNOTAVAIL|EPIPE|ECONNABORTED)$/;

/** True when the store did not answer: a network error, a timeout, or a 5xx after the SDK's retries. */
export function isUnreachable(error: unknown): boolean {
  const e = error as { code?: string; name?: string; $metadata?: { httpStatusCode?: number }; errors?: unknown[] };
  if (e?.name === 'TimeoutError' || e?.name === 'RequestTimeout' || e?.name === 'RequestTimeoutException') return true;
  if (e?.code && NETWORK.test(e.code)) return true;
  if (Array.isArray(e?.errors) && e.errors.some(isUnreachable)) return true;
  const status = e?.$metadata?.httpStatusCode;
  return status !== undefined && status >= 500;
}

/** Settings the store reads from the environment. Timeouts are per request; each request is tried up to 3 times. */
export interface StoreSettings {
  connectTimeoutMs?: number;
  requestTimeoutMs?: number;
}

/** One bucket and prefix, with the few calls the ledger and the log store need. Every error becomes a StoreError. */
export class S3Objects {
  readonly location: S3Location;
  /** `host[:port]` of the endpoint, for messages. */
  readonly where: string;
  private readonly env: Env;
  private readonly settings: Required<StoreSettings>;
  private client: Promise<{ s3: S3Module; client: S3Client }> | undefined;

  constructor(location: S3Location, env: Env, settings: StoreSettings = {}) {
    this.location = location;
    this.env = env;
    this.settings = { connectTimeoutMs: settings.connectTimeoutMs ?? 5000, requestTimeoutMs: settings.requestTimeoutMs ?? 20_000 };
    const endpoint = this.endpoint();
    this.where = endpoint ? endpoint.host : `s3.${this.region()}.amazonaws.com`;
  }

  /** Every object under `prefix` (a full key prefix), all pages. */
  async list(prefix: string): Promise<ListedObject[]> {
    const { s3, client } = await this.connect();
    const out: ListedObject[] = [];
    let token: string | undefined;
    do {
      const page = await this.call('ListObjectsV2', () =>
        client.send(new s3.ListObjectsV2Command({ Bucket: this.location.bucket, Prefix: prefix, ContinuationToken: token })),
      );
      for (const o of page.Contents ?? []) if (o.Key) out.push({ key: o.Key, etag: o.ETag });
      token = page.IsTruncated ? page.NextContinuationToken : undefined;
    } while (token);
    return out;
  }

  /** The object's text; undefined when there is no such key. */
  async get(key: string): Promise<string | undefined> {
    const { s3, client } = await this.connect();
    try {
      const r = await this.call('GetObject', () => client.send(new s3.GetObjectCommand({ Bucket: this.location.bucket, Key: key })), [
        'NoSuchKey',
        'NotFound',
      ]);
      return await r.Body!.transformToString('utf8');
    } catch (e) {
      if (e instanceof ExpectedS3Error) return undefined;
      throw e;
    }
  }

  /**
   * Creates `key` only if it does not exist (`If-None-Match: *`): 'exists' when the store says it does. A store that
   * ignores the condition (s3rver, old MinIO) overwrites instead — callers use keys that are unique per record.
   */
  async putNew(key: string, body: string, contentType = 'application/json'): Promise<PutResult> {
    const { s3, client } = await this.connect();
    const bytes = Buffer.from(body, 'utf8');
    try {
      await this.call(
        'PutObject',
        () =>
          client.send(
            new s3.PutObjectCommand({
              Bucket: this.location.bucket,
              Key: key,
              Body: bytes,
              ContentType: contentType,
              // Object Lock buckets require an integrity header on every put.
              ContentMD5: createHash('md5').update(bytes).digest('base64'),
              IfNoneMatch: '*',
            }),
          ),
        ['PreconditionFailed', 'ConditionalRequestConflict'],
      );
      return 'created';
    } catch (e) {
      if (e instanceof ExpectedS3Error) return 'exists';
      throw e;
    }
  }

  private endpoint(): URL | undefined {
    const text = this.env.AWS_ENDPOINT_URL_S3 || this.env.AWS_ENDPOINT_URL;
    if (!text) return undefined;
    try {
      return new URL(text);
    } catch {
      throw new UsageError(`AWS_ENDPOINT_URL must be a URL such as http://127.0.0.1:9000, got "${text}"`);
    }
  }

  private region(): string {
    return this.env.AWS_REGION || this.env.AWS_DEFAULT_REGION || 'us-east-1';
  }

  private connect(): Promise<{ s3: S3Module; client: S3Client }> {
    this.client ??= createS3Client({
      region: this.region(),
      endpoint: this.endpoint(),
      lookup: (name) => this.env[name],
      maxAttempts: 3,
      connectTimeoutMs: this.settings.connectTimeoutMs,
      requestTimeoutMs: this.settings.requestTimeoutMs,
    });
    return this.client;
  }

  /** Runs one SDK call; `expected` error codes reject with ExpectedS3Error, anything else with a one-line StoreError. */
  private async call<T>(operation: string, work: () => Promise<T>, expected: string[] = []): Promise<T> {
    try {
      return await work();
    } catch (e) {
      const code = s3ErrorCode(e);
      if (code && expected.includes(code)) throw new ExpectedS3Error(code);
      const described = describeS3Error(e, {
        bucket: this.location.bucket,
        where: this.where,
        region: this.region(),
        timeoutMs: this.settings.requestTimeoutMs,
        operation,
      });
      throw new StoreError(
        this.location.url,
        maskAwsSecrets(described.message, (name) => this.env[name]),
        isUnreachable(e),
      );
    }
  }
}

/** Rejection for an expected error code (no such key, key already taken): the caller turns it into a result. */
class ExpectedS3Error extends Error {}
