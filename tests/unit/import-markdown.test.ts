import { describe, expect, it } from 'vitest';
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
