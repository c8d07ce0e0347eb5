import { describe, expect, it } from 'vitest';
import { createRedactor, maskUrlPasswords, redactDeep } from '../../src/util/redact.js';

describe('redaction', () => {
  const redact = createRedactor(
    {
      DATABASE_URL: 'postgresql://app:s3cr%40t-pw@db.internal:5432/socialflow',
      STRIPE_API_KEY: 'sk_live_abcdef123456',
      JWT_SECRET_KEY: 'jwt-very-secret-value-1234567890',
      CUSTOM: 'custom-secret-value',
      DEBUG: 'false',
      AUTH_ENABLED: 'true',
      REGION: 'us-east-1',
    },
    ['CUSTOM'],
  );

  it('masks passwords in any URL, even ones not from the environment', () => {
    expect(redact('redis://:other-pass@127.0.0.1:6379/0 and amqp://u:p4ss@h/')).toBe('redis://:***@127.0.0.1:6379/0 and amqp://u:***@h/');
  });

  it('masks values of variables whose names look secret and of variables marked secret', () => {
    expect(redact('key sk_live_abcdef123456, jwt jwt-very-secret-value-1234567890, custom custom-secret-value')).toBe(
      'key ***, jwt ***, custom ***',
    );
  });

  it('masks a URL password wherever it appears alone, also decoded', () => {
    expect(redact('auth failed for s3cr@t-pw')).toBe('auth failed for ***');
  });

  it('masks bearer and basic credentials', () => {
    expect(redact('Authorization: Bearer abc.def.ghi-123')).toBe('Authorization: Bearer ***');
  });

  it('leaves ordinary values alone: booleans and non-secret names are not masked', () => {
    expect(redact('DEBUG is false, auth is true, region us-east-1')).toBe('DEBUG is false, auth is true, region us-east-1');
  });

  it('redacts strings anywhere inside observations', () => {
    expect(redactDeep({ a: ['sk_live_abcdef123456'], b: { c: 'x custom-secret-value' }, n: 3 }, redact)).toEqual({
      a: ['***'],
      b: { c: 'x ***' },
      n: 3,
    });
  });
});

describe('the one URL-password masker', () => {
  it('masks every URL password in a text, also one with a slash, the same way for every probe', () => {
    const text = 'redis://:pa/ss@cache:6379/0 failed; then postgresql://app:s3cret@db:5432/x and https://u:tok@host/p';
    const masked = 'redis://:***@cache:6379/0 failed; then postgresql://app:***@db:5432/x and https://u:***@host/p';
    expect(maskUrlPasswords(text)).toBe(masked);
    expect(createRedactor({})(text)).toBe(masked);
  });

  it('leaves URLs without a password alone', () => {
    expect(maskUrlPasswords('http://127.0.0.1:9090/api/v1/query and redis://cache:6379')).toBe(
      'http://127.0.0.1:9090/api/v1/query and redis://cache:6379',
    );
  });
});
