import type { ChalkInstance } from 'chalk';
import type { ItemStatus } from '../runner/types.js';

export const SYMBOLS: Record<ItemStatus, string> = {
  pass: '✔',
  signed: '✔',
  fail: '✖',
  error: '✖',
  warn: '!',
  skip: '○',
  pending: '⏸',
  waived: '⊘',
};

export function paint(c: ChalkInstance, status: ItemStatus, text: string): string {
  switch (status) {
    case 'pass':
      return c.green(text);
    case 'signed':
      return c.cyan(text);
    case 'fail':
      return c.red(text);
    case 'error':
      return c.magenta(text);
    case 'warn':
    case 'pending':
      return c.yellow(text);
    case 'skip':
      return c.dim(text);
    case 'waived':
      return c.blue(text);
  }
}

export const STATUS_WORDS: Record<ItemStatus, string> = {
  pass: 'passed',
  fail: 'failed',
  warn: 'warned',
  error: 'errored',
  skip: 'skipped',
  pending: 'pending',
  signed: 'signed',
  waived: 'waived',
};
