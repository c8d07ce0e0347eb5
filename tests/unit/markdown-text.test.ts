import { describe, expect, it } from 'vitest';
import { mdCode, mdTable, mdText } from '../../src/reporters/markdown-text.js';

describe('Markdown text escaping', () => {
  it('keeps titles from turning into markup, HTML, links or table breaks', () => {
    expect(mdText('**bold** _it_ <script> [x](y) a|b ~s~ `c`')).toBe(
      '\\*\\*bold\\*\\* \\_it\\_ \\<script\\> \\[x\\](y) a\\|b \\~s\\~ \\`c\\`',
    );
    expect(mdText('see https://example.com and www.example.com')).toBe('see https:&#47;&#47;example.com and www&#46;example.com');
    expect(mdText('line one\r\nline two')).toBe('line one line two');
    expect(mdText('Tom & Jerry &amp; co')).toBe('Tom & Jerry \\&amp; co');
  });

  it('wraps literal text in a code span long enough to hold its own backticks', () => {
    expect(mdCode('status == 200')).toBe('`status == 200`');
    expect(mdCode('run `make` | tee')).toBe('``run `make` \\| tee``');
    expect(mdCode('`edge`')).toBe('`` `edge` ``');
    expect(mdCode('')).toBe('');
  });

  it('builds a table whose empty cells still render', () => {
    expect(mdTable(['A', 'B'], [['1', '']])).toEqual(['| A | B |', '| --- | --- |', '| 1 |   |']);
  });
});
