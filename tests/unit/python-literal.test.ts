import { describe, expect, it } from 'vitest';
import { parseLiteral } from '../../src/probes/alembic/python-literal.js';

describe('Python string escapes in migration scripts', () => {
  it('decodes \\U code points beyond the BMP', () => {
    expect(parseLiteral(`'rev\\U0001F600'`)).toEqual({ ok: true, value: 'rev😀' });
    expect(parseLiteral(`'\\U00110000'`)).toEqual({ ok: false });
  });

  it('decodes octal escapes of one to three digits', () => {
    expect(parseLiteral(`'\\101\\102c'`)).toEqual({ ok: true, value: 'ABc' });
    expect(parseLiteral(`'a\\012b'`)).toEqual({ ok: true, value: 'a\nb' });
    expect(parseLiteral(`'\\0'`)).toEqual({ ok: true, value: '\0' });
    expect(parseLiteral(`'\\1234'`)).toEqual({ ok: true, value: 'S4' });
  });

  it('refuses \\N{name}, whose Unicode names it cannot look up, rather than guess', () => {
    expect(parseLiteral(`'\\N{BULLET}'`)).toEqual({ ok: false });
    expect(parseLiteral(`r'\\N{BULLET}'`)).toEqual({ ok: true, value: '\\N{BULLET}' });
  });

  it('decodes \\a \\b \\f \\v, keeps unknown escapes, and leaves \\u \\U \\N alone in bytes', () => {
    expect(parseLiteral(`'\\a\\b\\f\\v'`)).toEqual({ ok: true, value: '\x07\b\f\v' });
    expect(parseLiteral(`'\\q'`)).toEqual({ ok: true, value: '\\q' });
    expect(parseLiteral(`b'\\u0041\\N{X}\\x41'`)).toEqual({ ok: true, value: '\\u0041\\N{X}A' });
  });
});
