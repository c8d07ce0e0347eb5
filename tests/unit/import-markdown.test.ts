import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { importMarkdown } from '../../src/import/convert.js';
import { shellCommands } from '../../src/import/shell.js';
import { slugify } from '../../src/import/text.js';

describe('Markdown import helpers', () => {
  it('makes kebab-case ids from any text, cut at a word boundary', () => {
    expect(slugify('Code & Version Control ✓')).toBe('code-version-control');
    expect(slugify('Über Café: naïve')).toBe('uber-cafe-naive');
    expect(slugify('one two three four', 12)).toBe('one-two');
    expect(slugify('✓✓')).toBe('');
  });

  it('splits a shell block into commands, joining continuation lines and keeping comments with their command', () => {
    expect(shellCommands('# Check\nalembic current\n\nredis-cli ping\n# Expected: PONG\n\ncelery worker \\\n  --loglevel=info\n')).toEqual([
      'alembic current  # Check',
      'redis-cli ping  # Expected: PONG',
      'celery worker \\\n  --loglevel=info',
    ]);
  });

  it('gives clashing titles an id prefixed with their section, then a number', () => {
    const md = '# Doc\n## A\n- [ ] Same thing\n- [ ] Same thing\n## B\n- [ ] Same thing\n';
    const ids = importMarkdown(md, { fallbackTitle: 'doc' }).definition.sections.flatMap((s) => s.items.map((i) => i.id));
    expect(ids).toEqual(['same-thing', 'a-same-thing', 'b-same-thing']);
  });

  it('ignores checkboxes inside code blocks', () => {
    const md = '# Doc\n## A\n- [ ] Real\n```md\n- [ ] not an item\n```\n';
    expect(importMarkdown(md, { fallbackTitle: 'doc' }).itemsFromCheckboxes).toBe(1);
  });
});

describe('Markdown import: every task-list item is counted and imported, whatever the shape', () => {
  const marker = fc.constantFrom('-', '*', '+', '1.', '1)'); // an ordered item interrupting a paragraph must start at 1 (CommonMark)
  const box = fc.constantFrom('[ ]', '[x]', '[X]');
  const word = fc.constantFrom('check', 'deploy', 'the', 'database', '**bold**', '`code`', '[link](https://x.example)', 'é', 'v1.2');
  const words = fc.array(word, { minLength: 1, maxLength: 6 }).map((w) => w.join(' '));
  const item = fc.record({ marker, box, text: words, depth: fc.integer({ min: 0, max: 2 }), wrap: fc.boolean() });
  const block = fc.oneof(
    fc.record({ kind: fc.constant('heading' as const), level: fc.integer({ min: 1, max: 6 }), text: words }),
    fc.record({ kind: fc.constant('list' as const), items: fc.array(item, { minLength: 1, maxLength: 5 }) }),
    fc.record({
      kind: fc.constant('fence' as const),
      lang: fc.constantFrom('', 'bash', 'md', 'yaml'),
      boxes: fc.integer({ min: 0, max: 3 }),
    }),
    fc.record({ kind: fc.constant('text' as const), text: words }),
  );

  it('N task items written in any mix of markers, nesting, wrapping, headings and fences give N items and nothing unimported', () => {
    fc.assert(
      fc.property(fc.array(block, { minLength: 1, maxLength: 12 }), fc.boolean(), (blocks, crlf) => {
        let expected = 0;
        const out: string[] = [];
        for (const b of blocks) {
          if (b.kind === 'heading') out.push(`${'#'.repeat(b.level)} ${b.text}`, '');
          else if (b.kind === 'text') out.push(b.text, '');
          else if (b.kind === 'fence')
            out.push('```' + b.lang, ...Array.from({ length: b.boxes }, () => '- [ ] inside a fence'), '```', '');
          else {
            const indents: number[] = [];
            for (const it of b.items) {
              const depth = Math.min(it.depth, indents.length);
              indents.length = depth;
              const indent = depth ? indents[depth - 1]! : 0;
              indents.push(indent + it.marker.length + 1);
              out.push(`${' '.repeat(indent)}${it.marker} ${it.box} ${it.text}`);
              if (it.wrap) out.push(`${it.text} continued`);
              expected++;
            }
            out.push('');
          }
        }
        const md = out.join(crlf ? '\r\n' : '\n');
        const r = importMarkdown(md, { fallbackTitle: 'prop' });
        expect(r.unimported).toEqual([]);
        expect(r.itemsFromCheckboxes).toBe(expected);
        expect(r.checkboxes).toBe(expected);
        expect(r.definition.sections.reduce((n, s) => n + s.items.length, 0)).toBe(expected);
      }),
      { numRuns: 300 },
    );
  });
});

describe('Markdown import: boxes Markdown does not read as task items are reported, not lost', () => {
  it('an ordered item not starting at 1 cannot interrupt a paragraph: it is reported with its line', () => {
    const r = importMarkdown('# D\n- [ ] first\n  2) [ ] second\n', { fallbackTitle: 'd' });
    expect(r.itemsFromCheckboxes).toBe(1);
    expect(r.unimported.map((u) => [u.line, u.text])).toEqual([[3, '2) [ ] second']]);
  });
});
