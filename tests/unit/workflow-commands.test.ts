import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { escapeCommandData, escapeCommandProperty, workflowCommand } from '../../src/reporters/github.js';
import { showControls } from '../../src/util/visible.js';

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

  it('shows control characters from probe output instead of passing them to the log viewer', () => {
    const painted = 'ok\x1b[2K\x1b[1G\x1b[32mGate PASSED\x1b[0m \x1b]52;c;Y3VybCBldmlsfHNo\x07 \u202eevil';
    const data = escapeCommandData(painted);
    expect(data).toBe('ok\\x1b[2K\\x1b[1G\\x1b[32mGate PASSED\\x1b[0m \\x1b]52;c;Y3VybCBldmlsfHNo\\x07 \\u202eevil');
    expect(escapeCommandProperty(painted)).not.toContain('\x1b');
  });

  it('round-trips any text but its control characters, shown, and never leaves a separator or line break in a property', () => {
    const shown = (text: string): string =>
      text
        .split('\r')
        .map((t) => showControls(t))
        .join('\r');
    fc.assert(
      fc.property(fc.string({ unit: 'binary' }), (text) => {
        const p = escapeCommandProperty(text);
        // eslint-disable-next-line no-control-regex
        expect(p).not.toMatch(/[:,\r\n\x1b\x07]/);
        expect(unescape(p)).toBe(shown(text));
        expect(unescape(escapeCommandData(text))).toBe(shown(text));
      }),
    );
  });
});
