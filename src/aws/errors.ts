import { ProbeError } from '../errors.js';
import { formatDuration } from '../util/duration.js';
import { describeNetworkError } from '../util/network-error.js';

/** What an S3 error is about, for its message. */
export interface S3ErrorContext {
  bucket: string;
  /** `host[:port]` of the endpoint. */
  where: string;
  region: string;
  timeoutMs: number;
  /** The API call, shown for access errors: `GetBucketPolicy`. */
  operation?: string;
}

interface SdkError extends Error {
  Code?: string;
  code?: string;
  $metadata?: { httpStatusCode?: number };
}

const BODYLESS: Record<number, string> = { 301: 'MovedPermanently', 400: 'BadRequest', 403: 'Forbidden', 404: 'NotFound' };

/** The S3 error code (`NoSuchBucket`, `AccessDenied`), or a name from the status of a body-less HEAD error. */
export function s3ErrorCode(error: unknown): string | undefined {
  const e = error as SdkError | undefined;
  const status = e?.$metadata?.httpStatusCode;
  if (e?.Code) return e.Code;
  if (!status) return undefined;
  return e.name && e.name !== 'Unknown' && e.name !== 'Error' && e.name !== 'S3ServiceException' ? e.name : BODYLESS[status];
}

/** One line for an S3 or network error; a missing credential is a ProbeError (the check could not run). */
export function describeS3Error(error: unknown, c: S3ErrorContext): Error {
  const e = error as SdkError | undefined;
  const status = e?.$metadata?.httpStatusCode;
  const via = c.operation ? ` (${c.operation})` : '';
  const message = (e?.message ?? String(error)).split('\n')[0]!.trim();
  if (e?.name === 'CredentialsProviderError') {
    return new ProbeError(
      'no AWS credentials: set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, or AWS_PROFILE, or run with an instance or task role',
    );
  }
  switch (s3ErrorCode(e)) {
    case 'NoSuchBucket':
    case 'NotFound':
      return new Error(`bucket ${c.bucket} does not exist`);
    case 'AccessDenied':
    case 'Forbidden':
    case 'AllAccessDisabled':
      return new Error(`access denied to bucket ${c.bucket}${via}`);
    case 'InvalidAccessKeyId':
      return new Error(`the AWS access key id is not known to ${c.where} (InvalidAccessKeyId)`);
    case 'SignatureDoesNotMatch':
      return new Error(`the AWS secret access key does not match the access key id (SignatureDoesNotMatch at ${c.where})`);
    case 'ExpiredToken':
    case 'TokenRefreshRequired':
    case 'InvalidToken':
      return new Error(`the AWS session token is expired or invalid (${s3ErrorCode(e)})`);
    case 'PermanentRedirect':
    case 'MovedPermanently':
    case 'AuthorizationHeaderMalformed':
      return new Error(`bucket ${c.bucket} is not in region ${c.region}; set region: to the bucket's region (${s3ErrorCode(e)})`);
    case 'TimeoutError':
      return new Error(`${c.where} did not answer within ${formatDuration(c.timeoutMs)} (timed out)`);
    default:
      break;
  }
  if (e?.name === 'TimeoutError') return new Error(`${c.where} did not answer within ${formatDuration(c.timeoutMs)} (timed out)`);
  if (e?.code && /^E[A-Z]+$|^CERT_|^ERR_TLS|^UNABLE_TO|SELF_SIGNED|^HPE_|^ABORT_ERR$/.test(e.code))
    return new Error(describeNetworkError(e, c.where));
  if (status) return new Error(`${s3ErrorCode(e) ?? 'HTTP'} ${status} from ${c.where} for bucket ${c.bucket}${via}: ${message}`);
  return new Error(`s3 at ${c.where}: ${message}`);
}
