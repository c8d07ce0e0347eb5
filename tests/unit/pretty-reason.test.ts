import { Chalk } from 'chalk';
import { describe, expect, it } from 'vitest';
import { formatItem } from '../../src/reporters/pretty.js';
import type { ItemResult } from '../../src/runner/types.js';

const c = new Chalk({ level: 0 });
const pending = (message: string, reason?: ItemResult['reason']): ItemResult => ({
  id: 'approval-cto',
  title: 'CTO approves',
  section: 'gate',
  sectionTitle: 'Gate',
  kind: 'manual',
  severity: 'blocker',
  optional: false,
  status: 'pending',
  message,
  startedAt: '2026-12-01T00:00:00.000Z',
  durationMs: 0,
  attempts: [],
  observations: {},
  ...(reason ? { reason } : {}),
});

describe('pretty reporter decides by the structured reason', () => {
  it('prints no detail line for a never-signed item', () => {
    expect(formatItem(pending('no sign-off yet', 'no-signoff'), c)).toHaveLength(1);
  });

  it('prints why an item is pending when the reason is not "never signed", whatever the message says', () => {
    expect(formatItem(pending('no sign-off yet'), c)).toEqual(['  ⏸ CTO approves approval-cto', '      no sign-off yet']);
    expect(formatItem(pending("ana's sign-off expired 2h ago"), c)[1]).toBe("      ana's sign-off expired 2h ago");
  });
});
