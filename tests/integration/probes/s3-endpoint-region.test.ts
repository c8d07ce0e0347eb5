/** Where the s3 probe's endpoint and region come from when the checklist names neither (AWS conventions). */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { regionFrom } from '../../../src/aws/region.js';
import { runProbe } from '../../support/probe-run.js';
import { S3RVER_ACCESS_KEY, S3RVER_SECRET_KEY, startS3rver, type S3rverInstance } from '../../support/s3.js';
import { tempDir } from '../../support/tmp.js';

let s3rver: S3rverInstance;
const dir = tempDir();
beforeAll(async () => {
  s3rver = await startS3rver(['socialflow-media']);
});
afterAll(async () => {
  await s3rver?.close();
  dir.remove();
});

describe('s3 endpoint and region', () => {
  it('AWS_ENDPOINT_URL_S3 wins over AWS_ENDPOINT_URL', async () => {
    const env = {
      AWS_ACCESS_KEY_ID: S3RVER_ACCESS_KEY,
      AWS_SECRET_ACCESS_KEY: S3RVER_SECRET_KEY,
      AWS_ENDPOINT_URL_S3: s3rver.endpoint,
      AWS_ENDPOINT_URL: 'http://127.0.0.1:1',
    };
    const out = await runProbe('s3', { bucket: 'socialflow-media' }, { env });
    expect(out.problems).toEqual([]);
    expect(out.observations).toMatchObject({ exists: true });
  });

  it('the region comes from AWS_REGION, AWS_DEFAULT_REGION or the profile, as the SDKs read it', () => {
    const config = dir.write('config', '[default]\nregion = eu-west-1\n\n[profile prod]\noutput = json\nregion=eu-central-1\n');
    const lookup = (env: Record<string, string>) => (n: string) => env[n];
    expect(regionFrom(lookup({ AWS_REGION: 'us-west-2', AWS_DEFAULT_REGION: 'eu-north-1' }))).toBe('us-west-2');
    expect(regionFrom(lookup({ AWS_DEFAULT_REGION: 'eu-north-1', AWS_CONFIG_FILE: config }))).toBe('eu-north-1');
    expect(regionFrom(lookup({ AWS_CONFIG_FILE: config }))).toBe('eu-west-1');
    expect(regionFrom(lookup({ AWS_CONFIG_FILE: config, AWS_PROFILE: 'prod' }))).toBe('eu-central-1');
    expect(regionFrom(lookup({ AWS_CONFIG_FILE: dir.path('missing') }))).toBe('us-east-1');
  });
});
