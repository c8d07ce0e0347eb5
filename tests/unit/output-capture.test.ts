import { describe, expect, it } from 'vitest';
import { OutputCapture } from '../../src/util/output-capture.js';

const SECRET = 'tok_live_9f8e7d6c5b4a39281706';
const mask = (text: string): string => text.split(SECRET).join('***');

/** A capture of `limit` bytes fed `parts` in chunks of `chunk` bytes. */
function captured(limit: number, parts: string[], chunk = 1000): OutputCapture {
  const capture = new OutputCapture(limit);
  const bytes = Buffer.from(parts.join(''));
  for (let i = 0; i < bytes.length; i += chunk) capture.add(bytes.subarray(i, i + chunk));
  return capture;
}

describe('OutputCapture', () => {
  it('keeps all of a short output, masked', () => {
    const c = captured(1024, ['a'.repeat(100), SECRET, 'b'.repeat(100)]);
    expect(c.truncated).toBe(false);
    expect(c.text(mask)).toBe(`${'a'.repeat(100)}***${'b'.repeat(100)}`);
  });

  it.each([
    ['kept whole in memory', 4000],
    ['with its middle dropped', 200_000],
  ])('masks a secret across either cut before cutting (%s)', (_, middle) => {
    const c = captured(64 * 1024, ['a'.repeat(32 * 1024 - 8), SECRET, 'b'.repeat(middle), SECRET, 'c'.repeat(32 * 1024 - 8)]);
    expect(c.truncated).toBe(true);
    const text = c.text(mask);
    expect(text).toMatch(/^[ab*]+\n… \(\d+ bytes not kept\) …\n[bc*]+$/);
    const [start, end] = text.split(/\n… \(\d+ bytes not kept\) …\n/);
    // each side is its half, less what masking took out of the margin kept past the cut
    for (const side of [start!, end!]) expect(32 * 1024 - side.length).toBeGreaterThanOrEqual(0);
    for (const side of [start!, end!]) expect(32 * 1024 - side.length).toBeLessThan(SECRET.length);
  });

  it('cuts an unmasked output at its first and last half', () => {
    const c = captured(10, ['0123456789abcdefghij']);
    expect(c.text()).toBe('01234\n… (10 bytes not kept) …\nfghij');
  });
});
