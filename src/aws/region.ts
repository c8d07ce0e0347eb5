/**
 * Where the region and the S3 endpoint come from when a checklist does not name them, as the AWS SDKs and CLI
 * resolve them: https://docs.aws.amazon.com/sdkref/latest/guide/feature-region.html ·
 * https://docs.aws.amazon.com/sdkref/latest/guide/feature-ss-endpoints.html
 */
import { readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';

type Lookup = (name: string) => string | undefined;

/** AWS_ENDPOINT_URL_S3 wins over AWS_ENDPOINT_URL; empty for AWS itself. */
export function s3EndpointFrom(lookup: Lookup): string {
  return lookup('AWS_ENDPOINT_URL_S3') || lookup('AWS_ENDPOINT_URL') || '';
}

/** AWS_REGION, then AWS_DEFAULT_REGION, then the profile's `region` in the shared config file, else us-east-1. */
export function regionFrom(lookup: Lookup): string {
  return lookup('AWS_REGION') || lookup('AWS_DEFAULT_REGION') || profileRegion(lookup) || 'us-east-1';
}

function profileRegion(lookup: Lookup): string | undefined {
  const file = lookup('AWS_CONFIG_FILE') || join(lookup('HOME') || homedir(), '.aws', 'config');
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch {
    return undefined;
  }
  const profile = lookup('AWS_PROFILE') || 'default';
  const wanted =
    profile === 'default'
      ? /^\[\s*(?:profile\s+)?default\s*\]$/
      : new RegExp(`^\\[\\s*profile\\s+${profile.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}\\s*\\]$`);
  let inSection = false;
  for (const raw of text.split(/\r?\n/)) {
    const line = raw.trim();
    if (line.startsWith('[')) inSection = wanted.test(line);
    else if (inSection) {
      const m = /^region\s*=\s*(\S+)/.exec(line);
      if (m) return m[1];
    }
  }
  return undefined;
}
