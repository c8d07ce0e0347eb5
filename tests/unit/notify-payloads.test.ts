import { describe, expect, it } from 'vitest';
import type { Notice } from '../../src/notify/notice.js';
import { renderPayload } from '../../src/notify/payloads.js';
import { inferFormat, notifySecrets, parseNotifyFlags } from '../../src/notify/targets.js';

const hostile: Notice = {
  event: 'failed',
  headline: '✖ Gate failed: <!channel> release',
  checklist: { id: 'pre', title: '<!channel> release' },
  runId: '20261128T090000Z-a1b2c3',
  release: 'v1',
  environment: null,
  verdict: 'failed',
  exitCode: 1,
  startedAt: '2026-11-28T09:00:00.000Z',
  finishedAt: '2026-11-28T09:00:01.000Z',
  counts: { pass: 0, fail: 1, warn: 0, error: 0, skip: 0, pending: 0, signed: 0, waived: 0 },
  failing: Array.from({ length: 12 }, (_, i) => ({
    id: `item-${i}`,
    title: `<https://evil.example|click> & [link](https://evil.example) \`x\``,
    status: 'fail',
    message: '<@U123> *bold*',
  })),
  pending: [],
  link: 'https://ci.example/run/1',
  reportCommand: 'sfdeploy report 20261128T090000Z-a1b2c3',
};

describe('webhook payloads', () => {
  it('Slack: item text cannot mention, link or break out of mrkdwn; at most 10 items listed', () => {
    const payload = renderPayload('slack', hostile) as {
      text: string;
      blocks: { type: string; text?: { type: string }; fields?: unknown[]; elements?: unknown[] }[];
    };
    const formatted = [payload.text, ...payload.blocks.filter((b) => b.type !== 'header').map((b) => JSON.stringify(b))];
    for (const text of formatted) expect(text).not.toMatch(/<!channel>|<@U123>|<https:\/\/evil/);
    expect(payload.blocks[0]).toMatchObject({ type: 'header', text: { type: 'plain_text', text: '✖ Gate failed: <!channel> release' } });
    expect(payload.text).toContain('&lt;!channel&gt;');
    const slack = JSON.stringify(payload);
    expect(slack).toContain('…and 2 more');
    expect(slack).toContain('<https://ci.example/run/1|Open the run>');
  });

  it('Teams: Markdown in item text is escaped, the card carries an Open URL action to the run', () => {
    const teams = renderPayload('teams', hostile) as { attachments: { content: { body: { text?: string }[]; actions: unknown[] } }[] };
    const texts = teams.attachments[0]!.content.body.map((b) => b.text ?? '').join('\n');
    expect(texts).toContain('\\[link\\](https://evil.example)');
    expect(texts).not.toMatch(/(?<!\\)\[link\]/);
    expect(teams.attachments[0]!.content.actions).toEqual([
      { type: 'Action.OpenUrl', title: 'Open the run', url: 'https://ci.example/run/1' },
    ]);
  });

  it('infers the format from the host, and masks the URL, its path and its query values', () => {
    expect(inferFormat(new URL('https://hooks.slack.com/services/T/B/X'))).toBe('slack');
    expect(inferFormat(new URL('https://prod-12.westeurope.logic.azure.com/workflows/abc'))).toBe('teams');
    expect(inferFormat(new URL('https://contoso.webhook.office.com/webhookb2/x'))).toBe('teams');
    expect(inferFormat(new URL('https://hooks.slack.com.evil.example/x'))).toBe('json');
    const [target] = parseNotifyFlags(['https://hooks.slack.com/services/T0AAAA/B0BBBB/abcdef123456?k=s3cretvalue'], '--notify');
    expect(target).toMatchObject({ format: 'slack', label: 'https://hooks.slack.com/…', timeoutMs: 5000 });
    expect(notifySecrets([target!])).toEqual([
      'https://hooks.slack.com/services/T0AAAA/B0BBBB/abcdef123456?k=s3cretvalue',
      '/services/T0AAAA/B0BBBB/abcdef123456?k=s3cretvalue',
      'abcdef123456',
      's3cretvalue',
    ]);
  });
});
