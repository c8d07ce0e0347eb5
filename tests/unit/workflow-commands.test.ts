import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { escapeCommandData, escapeCommandProperty, workflowCommand } from '../../src/reporters/github.js';

const unescape = (s: string): string =>
  s.replace(/%3A/g, ':').replace(/%2C/g, ',').replace(/%0D/g, '\r').replace(/%0A/g, '\n').replace(/%25/g, '%');

describe('GitHub workflow command escaping', () => {
  it('escapes %, CR and LF in messages and additionally : and , in properties', () => {
    expect(escapeCommandData('50% done:\r\nnext, then')).toBe('50%25 done:%0D%0Anext, then');
    expect(escapeCommandProperty('50% done:\r\nnext, then')).toBe('50%25 done%3A%0D%0Anext%2C then');
    expect(workflowCommand('error', { file: 'a,b.yaml', line: 3, title: 'x: y' }, 'boom\n')).toBe(
      '::error file=a%2Cb.yaml,line=3,title=x%3A y::boom%0A\n',
    );
    expect(workflowCommand('warning', { file: undefined, title: '' }, 'm')).toBe('::warning::m\n');
  });

  it('round-trips any text and never leaves a separator or line break in a property', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary' }), (text) => {
        const p = escapeCommandProperty(text);
        expect(p).not.toMatch(/[:,\r\n]/);
        expect(unescape(p)).toBe(text);
        expect(unescape(escapeCommandData(text))).toBe(text);
      }),
    );
  });
});
