import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { isPlaceholder, placeholderReason } from '../../src/util/placeholder.js';

const random = (n: number, enc: BufferEncoding) => randomBytes(n).toString(enc);

describe('placeholder detection', () => {
  it("recognises the target's template values and vendors' documented example keys", () => {
    const templates = [
      'sk_live_your-stripe-secret-key',
      'whsec_your-stripe-webhook-secret',
      'whsec_your-webhook-secret',
      'SG.your-sendgrid-api-key',
      'AKIAIOSFODNN7EXAMPLE',
      'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY',
      'changeme',
      'CHANGE_ME',
      '<your key>',
      '<token>',
      'xxx',
      'xxxxxxxxxxxxxxxx',
      'sk_live_xxxxxxxxxxxxxxxxxxxxxxxx',
      '${OTHER}',
      '$OTHER',
      '{{ stripe_key }}',
      'your-super-secret-key-change-this-in-production',
      'your-jwt-secret-key-change-this',
      'postgresql+asyncpg://postgres:your-database-password@postgres:5432/socialflow',
      'redis://:your-redis-password@redis:6379/0',
      'https://your-sentry-dsn@sentry.io/project-id',
      'arn:aws:iam::123456789012:role/MediaConvertRole',
      'replace-with-a-real-key',
      'REPLACE_ME',
      '0000000000000000',
      '********',
      'sk_live_...',
      'ca_your-connect-client-id',
      'yourapikey',
    ];
    expect(templates.filter((v) => !isPlaceholder(v))).toEqual([]);
  });

  it('says why: an unresolved reference is named as such, a documented key as an example', () => {
    expect(placeholderReason('${SECRET_KEY}')).toBe('holds the unresolved reference ${SECRET_KEY}');
    expect(placeholderReason('AKIAIOSFODNN7EXAMPLE')).toBe('is an example value from vendor documentation');
    expect(placeholderReason('sk_live_your-stripe-secret-key')).toBe('looks like a placeholder');
  });

  it('does not take real-looking values for placeholders', () => {
    const real = [
      random(32, 'hex'),
      random(32, 'base64url'),
      `sk_live_51${random(40, 'base64url').replace(/[-_]/g, 'a')}`,
      `whsec_${random(24, 'base64url')}`,
      `SG.${random(16, 'base64url')}.${random(32, 'base64url')}`,
      `AKIA${random(10, 'hex').toUpperCase().slice(0, 16)}`,
      'https://app.socialflow.com,https://socialflow.com',
      '["https://app.socialflow.com"]',
      'postgresql+asyncpg://socialflow:Zk3pQ9vL2m@db.internal:5432/socialflow',
      'redis://:n8Vb2qLx7@cache.internal:6379/0',
      'production',
      'HS256',
      'us-east-1',
      'socialflow-media-production',
      'false',
      '0',
    ];
    expect(real.filter((v) => isPlaceholder(v))).toEqual([]);
  });
});
