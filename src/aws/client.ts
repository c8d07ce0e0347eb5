/**
 * The one S3 client setup the s3 probe and the S3 stores share: the default credential chain (or keys from the
 * environment), `endpoint` for MinIO/s3rver/LocalStack (path-style, checksums only where required), bounded
 * timeouts. The SDK is imported on first use only.
 * https://docs.aws.amazon.com/sdk-for-javascript/v3/developer-guide/setting-region.html
 */
import type { S3Client } from '@aws-sdk/client-s3';

export type S3Module = typeof import('@aws-sdk/client-s3');

/** Reads a setting (`AWS_ACCESS_KEY_ID`, ...): from the environment, or through a checklist's variables. */
export type Lookup = (name: string) => string | undefined;

export interface S3ClientSettings {
  region: string;
  /** A custom endpoint; undefined for AWS. */
  endpoint: URL | undefined;
  /** Default: true with a custom endpoint. */
  forcePathStyle?: boolean | undefined;
  /** Where the credentials come from. */
  lookup: Lookup;
  maxAttempts: number;
  connectTimeoutMs: number;
  requestTimeoutMs: number;
}

/** Imports the SDK and builds a client. */
export async function createS3Client(settings: S3ClientSettings): Promise<{ s3: S3Module; client: S3Client }> {
  const s3 = await import('@aws-sdk/client-s3');
  const { endpoint, lookup } = settings;
  const accessKeyId = lookup('AWS_ACCESS_KEY_ID');
  const secretAccessKey = lookup('AWS_SECRET_ACCESS_KEY');
  const sessionToken = lookup('AWS_SESSION_TOKEN');
  const profile = lookup('AWS_PROFILE');
  const client = new s3.S3Client({
    region: settings.region,
    ...(endpoint
      ? { endpoint: endpoint.href, requestChecksumCalculation: 'WHEN_REQUIRED', responseChecksumValidation: 'WHEN_REQUIRED' }
      : {}),
    forcePathStyle: settings.forcePathStyle ?? endpoint !== undefined,
    ...(accessKeyId && secretAccessKey
      ? { credentials: { accessKeyId, secretAccessKey, ...(sessionToken ? { sessionToken } : {}) } }
      : profile
        ? { profile }
        : {}),
    followRegionRedirects: true,
    maxAttempts: settings.maxAttempts,
    requestHandler: {
      connectionTimeout: settings.connectTimeoutMs,
      requestTimeout: settings.requestTimeoutMs,
      throwOnRequestTimeout: true,
    },
  });
  return { s3, client };
}

/** Masks the AWS secret key and session token in a message: credentials never reach output, even when an endpoint echoes them. */
export function maskAwsSecrets(text: string, lookup: Lookup): string {
  const secrets = [lookup('AWS_SECRET_ACCESS_KEY'), lookup('AWS_SESSION_TOKEN')].filter((s): s is string => !!s && s.length >= 4);
  return secrets.reduce((out, s) => out.split(s).join('***'), text);
}
