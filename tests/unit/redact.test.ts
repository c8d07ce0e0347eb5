import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { createRedactor, maskConnectionStrings, maskUrlPasswords, redactDeep } from '../../src/util/redact.js';
import { showControls } from '../../src/util/visible.js';

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

describe('the one URL/DSN masker', () => {
  it("masks libpq's ?password= and sslpassword= in a URL, and any query parameter named like a secret", () => {
    expect(maskConnectionStrings('postgresql://app@db:5432/x?sslmode=require&password=hunter2&sslpassword=k3y')).toBe(
      'postgresql://app@db:5432/x?sslmode=require&password=***&sslpassword=***',
    );
    expect(maskConnectionStrings('https://api/x?token=abc&page=2')).toBe('https://api/x?token=***&page=2');
  });

  it('masks the password of a keyword/value connection string, quoted or not', () => {
    expect(maskConnectionStrings('host=db user=app password=hunter2 dbname=x')).toBe('host=db user=app password=*** dbname=x');
    expect(maskConnectionStrings("host=db password='two words' dbname=x")).toBe('host=db password=*** dbname=x');
  });

  it('registers those passwords from the environment, so they are masked wherever they appear alone', () => {
    const redact = createRedactor({
      DATABASE_URL: 'host=db user=app password=kvpass-991 dbname=x',
      OTHER_URL: 'postgresql://app@db/x?password=qpass-772',
    });
    expect(redact('auth failed: kvpass-991 / qpass-772')).toBe('auth failed: *** / ***');
  });

  it('registers the secret values it is given, with their URL and DSN passwords', () => {
    const redact = createRedactor({}, [], ['tok-12345', 'postgresql://app:pw-333@db/x']);
    expect(redact('echo tok-12345 and pw-333')).toBe('echo *** and ***');
  });
});

describe('control characters', () => {
  it('are shown, never passed on: escape sequences, bell, C1, bidi overrides; line feeds on request', () => {
    expect(showControls('a\x1b[2Kb\x07c\x9bd\u202ee\tf\ng\rh')).toBe('a\\x1b[2Kb\\x07c\\x9bd\\u202ee\tf\ng\\x0dh');
    expect(showControls('one\ntwo', { newlines: false })).toBe('one\\ntwo');
  });

  it('masks exactly what the three patterns and BEARER mask unguarded, though it runs them only on texts that can match', () => {
    // the patterns of src/util/redact.ts, applied without the cheap searches that guard them there
    const unguarded = (text: string): string =>
      text
        .replace(/\b([a-z][a-z0-9+.-]*:\/\/[^:/?#@\s]*:)([^@\s]+)(@)/gi, '$1***$3')
        .replace(/([?&;][\w.-]*?(?:password|passwd|pwd|token|secret|key|signature|auth|credential)[\w.-]*=)([^&#\s'"]+)/gi, '$1***')
        .replace(/(?<![?&;\w])((?:ssl)?password\s*=\s*)('(?:[^'\\]|\\.)*'|[^\s'"]+)/gi, '$1***')
        .replace(/\b(Bearer|Basic|Token)\s+[A-Za-z0-9._~+/=-]{6,}/g, '$1 ***');
    const bare = createRedactor({});
    const fragment = fc.constantFrom(
      'postgres://',
      'https://',
      ':',
      '@',
      '/',
      '?',
      '&',
      ';',
      '=',
      ' ',
      "'",
      '\\',
      '\n',
      'a',
      'Z9',
      'user',
      'pw',
      'password',
      'sslPassword',
      'token',
      'Token',
      'Bearer',
      'Basic',
      'abcdefgh',
      '=/',
      ':/',
      '//',
    );
    fc.assert(
      fc.property(fc.array(fragment, { maxLength: 24 }), (parts) => {
        const text = parts.join('');
        expect(bare(text)).toBe(unguarded(text));
      }),
      { numRuns: 3000 },
    );
  });
});

describe('a secret added while the run goes on', () => {
  it('is masked from then on, longest first, and a value too short or too plain to be a secret is not', () => {
    const redact = createRedactor({});
    expect(redact('pw is Xy7-long-secret')).toBe('pw is Xy7-long-secret');
    redact.add!('Xy7-long-secret');
    redact.add!('Xy7-long-secret-and-more');
    redact.add!('true');
    expect(redact('pw is Xy7-long-secret, Xy7-long-secret-and-more, true')).toBe('pw is ***, ***, true');
  });
});
