import { describe, expect, it } from 'vitest';
import { buildEnv, loadEnv } from '../../src/commands/env-files.js';
import { tempDir } from '../support/tmp.js';

const files = tempDir();
/** What a run sees from one env file (through the CLI's own env-file reader). */
const parse = (text: string) => buildEnv({}, files.dir, [files.write('t.env', text)], []);

describe('.env files read as dotenv reads them', () => {
  it('a byte-order mark does not hide the first variable', () => {
    expect(parse('\uFEFFSECRET_KEY=abc\nB=2\n')).toEqual({ SECRET_KEY: 'abc', B: '2' });
  });

  it('a line without = is skipped and does not swallow the next', () => {
    expect(parse('JUST_A_WORD\nDATABASE_URL=postgres://db/x\n"quoted junk\nREDIS_URL=redis://r\n')).toEqual({
      DATABASE_URL: 'postgres://db/x',
      REDIS_URL: 'redis://r',
    });
  });

  it('\\" inside double quotes does not end the value; \\n expands there only', () => {
    expect(parse('A="say \\"hi\\" # not a comment"\nB=next\n')).toEqual({ A: 'say "hi" # not a comment', B: 'next' });
    expect(parse('M="line1\\nline2"\nS=\'raw\\n\'\nU=raw\\n')).toEqual({ M: 'line1\nline2', S: 'raw\\n', U: 'raw\\n' });
  });

  it('KEY: value lines, export, comments, trimming, multi-line quotes, CRLF, last one wins', () => {
    expect(
      parse(
        'DEBUG: false\r\nexport ENVIRONMENT=production\r\n# comment\r\n  PAD =  spaced value   # trailing\r\nQ="  kept  "\r\nMULTI="a\nb"\r\nAFTER=1\r\nPAD=again\r\nEMPTY=\r\n',
      ),
    ).toEqual({ DEBUG: 'false', ENVIRONMENT: 'production', PAD: 'again', Q: '  kept  ', MULTI: 'a\nb', AFTER: '1', EMPTY: '' });
  });
});

describe('${VAR} expansion in env files and --var', () => {
  const dir = tempDir();
  const load = (files: Record<string, string>, o: { env?: Record<string, string>; vars?: string[] } = {}) => {
    for (const [name, text] of Object.entries(files)) dir.write(name, text);
    return loadEnv(o.env ?? {}, dir.dir, Object.keys(files), o.vars ?? []);
  };

  it('expands references to earlier variables, the process environment and defaults; single quotes stay literal', () => {
    const { env, unresolved } = load(
      {
        'a.env':
          "SECRET_KEY=k\nJWT_SECRET_KEY=${SECRET_KEY}\nURL=redis://${REDIS_HOST}:${REDIS_PORT:-6379}/0\nLIT='${SECRET_KEY}'\nPW=pa$word\nESC=\\${SECRET_KEY}\n",
      },
      { env: { REDIS_HOST: 'cache.internal' } },
    );
    expect(unresolved).toEqual([]);
    expect(env).toMatchObject({
      JWT_SECRET_KEY: 'k',
      URL: 'redis://cache.internal:6379/0',
      LIT: '${SECRET_KEY}',
      PW: 'pa$word',
      ESC: '${SECRET_KEY}',
    });
  });

  it('an unresolved reference is reported as such and never counted as a value', () => {
    const { env, unresolved } = load({ 'b.env': 'A=1\nJWT_SECRET_KEY=${MISSING_SECRET}\n' });
    expect(env.JWT_SECRET_KEY).toBeUndefined();
    expect(unresolved).toEqual(['JWT_SECRET_KEY (b.env:2) refers to ${MISSING_SECRET}, which is not set: JWT_SECRET_KEY is left unset']);
  });

  it("--var A='${B}' expands from the environment; an unresolved one leaves A unset and is reported like a file's", () => {
    expect(load({ 'c.env': 'STRIPE_SECRET_KEY=sk\n' }, { vars: ['STRIPE_API_KEY=${STRIPE_SECRET_KEY}'] }).env.STRIPE_API_KEY).toBe('sk');
    const { env, unresolved, references } = load({ 'c.env': 'STRIPE_API_KEY=from-file\n' }, { vars: ['STRIPE_API_KEY=${NOPE}'] });
    expect(env.STRIPE_API_KEY).toBeUndefined();
    expect(unresolved).toEqual(['--var STRIPE_API_KEY refers to ${NOPE}, which is not set: STRIPE_API_KEY is left unset']);
    expect(references).toEqual({ STRIPE_API_KEY: '${NOPE}' });
  });

  it('keeps the unresolved references of the variables left unset only', () => {
    const { references } = load({ 'd.env': 'A=${NOPE}\nB=${NOPE}, ${NADA}\nA=later\n' }, { env: { C: 'set' }, vars: ['C=${NOPE}'] });
    expect(references).toEqual({ B: '${NOPE}, ${NADA}', C: '${NOPE}' });
  });
});
