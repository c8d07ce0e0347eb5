import { mkdtempSync, readFileSync, rmSync, utimesSync } from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import S3rver from 's3rver';
import { startHttpServer } from './http-server.js';

process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';

/** The access key s3rver knows; its V4 signatures are not verified, so any secret key works. */
export const S3RVER_ACCESS_KEY = 'S3RVER';
export const S3RVER_SECRET_KEY = 'S3RVER';

/**
 * Makes s3rver accept another access key (it knows only S3RVER), such as a real-looking `AKIA...` key that
 * an env check requires. The registry is process-wide: the key works for every s3rver in this process.
 */
export function addS3rverAccessKey(accessKeyId: string, secretAccessKey: string): void {
  const account = createRequire(import.meta.url)('s3rver/lib/models/account.js') as {
    DUMMY_ACCOUNT: { createKeyPair(accessKeyId: string, secretAccessKey: string): void };
  };
  account.DUMMY_ACCOUNT.createKeyPair(accessKeyId, secretAccessKey);
}

export interface S3rverInstance {
  endpoint: string;
  port: number;
  dir: string;
  /** Sets an object's last-modified time (s3rver reports the stored file's mtime). */
  setModified(bucket: string, key: string, at: Date): void;
  close(): Promise<void>;
}

/** s3rver in-process on a free loopback port, storing in a temp directory, with the buckets given. */
export async function startS3rver(buckets: string[]): Promise<S3rverInstance> {
  const dir = mkdtempSync(join(tmpdir(), 'sfdeploy-s3rver-'));
  const server = new S3rver({
    port: 0,
    address: '127.0.0.1',
    directory: dir,
    silent: true,
    configureBuckets: buckets.map((name) => ({ name })),
  });
  const { port } = (await server.run()) as { port: number };
  return {
    endpoint: `http://127.0.0.1:${port}`,
    port,
    dir,
    setModified: (bucket, key, at) => {
      const parts = key.split('/');
      const name = parts.pop()!;
      utimesSync(join(dir, bucket, ...parts, `${name}._S3rver_object`), at, at);
    },
    close: async () => {
      await server.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

const FIXTURES = fileURLToPath(new URL('../fixtures/s3/', import.meta.url));

/** A fixture document: a real AWS response body (XML, or JSON for GetBucketPolicy). */
export const s3Fixture = (name: string): string => readFileSync(join(FIXTURES, name), 'utf8');

/** What the bucket-configuration server answers for one bucket. Absent documents answer AWS's "no such configuration" error. */
export interface FakeBucket {
  region?: string;
  versioning?: string;
  lifecycle?: string;
  policy?: string;
  encryption?: string;
  cors?: string;
  /** ListObjectsV2 pages, in order; the request's continuation-token picks the page. */
  listPages?: string[];
  /** Every request for the bucket fails with 403 and this code (`AccessDenied`, `InvalidAccessKeyId`, `SignatureDoesNotMatch`). */
  forbidden?: string;
}

export interface BucketConfigServer {
  endpoint: string;
  /** `METHOD /bucket?query` of every request so far. */
  requests: string[];
  close(): Promise<void>;
}

const MISSING: Record<string, [number, string, string]> = {
  lifecycle: [404, 'NoSuchLifecycleConfiguration', 'The lifecycle configuration does not exist'],
  policy: [404, 'NoSuchBucketPolicy', 'The bucket policy does not exist'],
  encryption: [404, 'ServerSideEncryptionConfigurationNotFoundError', 'The server side encryption configuration was not found'],
  cors: [404, 'NoSuchCORSConfiguration', 'The CORS configuration does not exist'],
};

const EMPTY_VERSIONING =
  '<?xml version="1.0" encoding="UTF-8"?>\n<VersioningConfiguration xmlns="http://s3.amazonaws.com/doc/2006-03-01/"/>';

/**
 * A loopback HTTP server answering the bucket-configuration calls s3rver lacks (versioning, lifecycle,
 * policy, encryption) with real AWS response documents, routed by query (`?versioning`, `?policy`...).
 */
export async function startBucketConfigServer(buckets: Record<string, FakeBucket>): Promise<BucketConfigServer> {
  const requests: string[] = [];
  const server = await startHttpServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://localhost');
    const bucketName = decodeURIComponent(url.pathname.split('/')[1] ?? '');
    const query = [...url.searchParams.keys()].filter((k) => k !== 'x-id').sort();
    requests.push(`${req.method} /${bucketName}${query.length ? `?${query.join('&')}` : ''}`);
    req.resume();
    req.on('end', () => answer(req, res, bucketName, url, buckets[bucketName]));
  });
  return { endpoint: server.url, requests, close: () => server.close() };
}

function answer(req: IncomingMessage, res: ServerResponse, bucketName: string, url: URL, bucket: FakeBucket | undefined): void {
  const headers = { 'x-amz-request-id': '4442587FB7D0A2F9', 'x-amz-id-2': 'test' };
  const error = (status: number, code: string, message: string): void => {
    res.writeHead(status, { ...headers, 'content-type': 'application/xml' });
    if (req.method === 'HEAD') {
      res.end();
      return;
    }
    res.end(
      `<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>${code}</Code><Message>${message}</Message><BucketName>${bucketName}</BucketName><RequestId>4442587FB7D0A2F9</RequestId><HostId>test</HostId></Error>`,
    );
  };
  if (!bucket) return error(404, 'NoSuchBucket', 'The specified bucket does not exist');
  if (bucket.forbidden) return error(403, bucket.forbidden, 'Access Denied');
  const region = { 'x-amz-bucket-region': bucket.region ?? 'us-east-1' };
  const send = (body: string, type = 'application/xml'): void => {
    res.writeHead(200, { ...headers, ...region, 'content-type': type });
    res.end(body);
  };
  if (req.method === 'HEAD') {
    res.writeHead(200, { ...headers, ...region });
    return void res.end();
  }
  const q = url.searchParams;
  if (req.method !== 'GET') return error(501, 'NotImplemented', 'A header you provided implies functionality that is not implemented');
  if (q.has('versioning')) return send(bucket.versioning ?? EMPTY_VERSIONING);
  for (const what of ['lifecycle', 'encryption', 'cors'] as const) {
    if (q.has(what)) {
      const doc = bucket[what];
      if (doc === undefined) return error(...MISSING[what]!);
      return send(doc);
    }
  }
  if (q.has('policy')) {
    if (bucket.policy === undefined) return error(...MISSING.policy!);
    return send(bucket.policy, 'application/json');
  }
  if (q.get('list-type') === '2' && bucket.listPages) {
    const token = q.get('continuation-token');
    const index = token ? Number(token.replace(/^page-/, '')) : 0;
    const page = bucket.listPages[index];
    if (page === undefined) return error(400, 'InvalidArgument', 'The continuation token provided is incorrect');
    return send(page);
  }
  return error(501, 'NotImplemented', 'A header you provided implies functionality that is not implemented');
}
