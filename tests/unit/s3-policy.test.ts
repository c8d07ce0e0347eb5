import { describe, expect, it } from 'vitest';
import { analysePolicy } from '../../src/probes/s3/policy.js';

const BUCKET = 'socialflow-media';
const policy = (...Statement: Record<string, unknown>[]): string => JSON.stringify({ Version: '2012-10-17', Statement });
const allowAll = (extra: Record<string, unknown>) => ({
  Effect: 'Allow',
  Principal: '*',
  Action: 's3:GetObject',
  Resource: `arn:aws:s3:::${BUCKET}/*`,
  ...extra,
});
const publicPrefixes = (text: string): string[] => analysePolicy(text, BUCKET).public_read_prefixes;

describe('bucket policy analysis', () => {
  it('cuts Resource ARNs at the first wildcard and shows the whole bucket as *', () => {
    expect(publicPrefixes(policy(allowAll({ Resource: `arn:aws:s3:::${BUCKET}/public/*` })))).toEqual(['public/']);
    expect(publicPrefixes(policy(allowAll({})))).toEqual(['*']);
    expect(publicPrefixes(policy(allowAll({ Resource: '*' })))).toEqual(['*']);
    expect(publicPrefixes(policy(allowAll({ Resource: `arn:aws:s3:::${BUCKET}/media/*.jpg` })))).toEqual(['media/']);
    expect(publicPrefixes(policy(allowAll({ Resource: `arn:aws:s3:::${BUCKET}/robots.txt` })))).toEqual(['robots.txt']);
    expect(publicPrefixes(policy(allowAll({ Resource: `arn:aws:s3:::${BUCKET}/home/\${aws:username}/*` })))).toEqual(['home/']);
  });

  it('matches wildcards in the bucket part of the ARN, which can also span the slash', () => {
    expect(publicPrefixes(policy(allowAll({ Resource: 'arn:aws:s3:::socialflow-*/*' })))).toEqual(['*']);
    expect(publicPrefixes(policy(allowAll({ Resource: 'arn:aws:s3:::socialflow-*' })))).toEqual(['*']);
    expect(publicPrefixes(policy(allowAll({ Resource: 'arn:aws:s3:::*/public/*' })))).toEqual(['public/']);
  });

  it('ignores other buckets and the bucket ARN itself (no object access)', () => {
    expect(publicPrefixes(policy(allowAll({ Resource: 'arn:aws:s3:::socialflow-backups/*' })))).toEqual([]);
    expect(publicPrefixes(policy(allowAll({ Resource: `arn:aws:s3:::${BUCKET}` })))).toEqual([]);
  });

  it('counts any principal list containing * and NotPrincipal as everyone', () => {
    expect(publicPrefixes(policy(allowAll({ Principal: { AWS: ['arn:aws:iam::111122223333:root', '*'] } })))).toEqual(['*']);
    expect(
      publicPrefixes(
        policy({
          Effect: 'Allow',
          NotPrincipal: { AWS: 'arn:aws:iam::111122223333:root' },
          Action: 's3:GetObject',
          Resource: `arn:aws:s3:::${BUCKET}/*`,
        }),
      ),
    ).toEqual(['*']);
    expect(publicPrefixes(policy(allowAll({ Principal: { AWS: 'arn:aws:iam::111122223333:root' } })))).toEqual([]);
  });

  it('matches actions case-insensitively with wildcards, and understands NotAction', () => {
    expect(publicPrefixes(policy(allowAll({ Action: '*' })))).toEqual(['*']);
    expect(publicPrefixes(policy(allowAll({ Action: 'S3:getobj*' })))).toEqual(['*']);
    expect(publicPrefixes(policy(allowAll({ Action: ['s3:PutObject', 's3:ListBucket'] })))).toEqual([]);
    expect(publicPrefixes(policy(allowAll({ Action: undefined, NotAction: 's3:PutObject' })))).toEqual(['*']);
    expect(publicPrefixes(policy(allowAll({ Action: undefined, NotAction: 's3:Get*' })))).toEqual([]);
  });

  it('subtracts an unconditional public Deny only where it covers the whole allowed prefix', () => {
    const deny = (resource: string, extra: Record<string, unknown> = {}) => ({
      Effect: 'Deny',
      Principal: '*',
      Action: 's3:*',
      Resource: resource,
      ...extra,
    });
    expect(publicPrefixes(policy(allowAll({ Resource: `arn:aws:s3:::${BUCKET}/public/*` }), deny(`arn:aws:s3:::${BUCKET}/*`)))).toEqual([]);
    expect(publicPrefixes(policy(allowAll({}), deny(`arn:aws:s3:::${BUCKET}/private/*`)))).toEqual(['*']);
    const conditionalDeny = deny(`arn:aws:s3:::${BUCKET}/*`, { Condition: { Bool: { 'aws:SecureTransport': 'false' } } });
    expect(publicPrefixes(policy(allowAll({}), conditionalDeny))).toEqual(['*']);
  });

  it('lists conditional public reads apart and keeps only the widest prefixes', () => {
    const result = analysePolicy(
      policy(
        allowAll({
          Resource: [`arn:aws:s3:::${BUCKET}/public/img/*`, `arn:aws:s3:::${BUCKET}/public/*`, `arn:aws:s3:::${BUCKET}/avatars/*`],
        }),
        allowAll({ Resource: `arn:aws:s3:::${BUCKET}/internal/*`, Condition: { StringEquals: { 'aws:SourceVpce': 'vpce-1a2b3c4d' } } }),
      ),
      BUCKET,
    );
    expect(result).toEqual({
      public_read_prefixes: ['avatars/', 'public/'],
      whole_bucket_public: false,
      conditional_read_prefixes: ['internal/'],
      statements: 2,
    });
  });

  it('says so when the policy is not JSON', () => {
    expect(() => analysePolicy('{"Statement": [', BUCKET)).toThrow('the policy of bucket socialflow-media is not valid JSON');
  });
});
