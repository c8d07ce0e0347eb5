import type { NotifyFormat } from '../checklist/schema.js';
import { cut, type Notice } from './notice.js';

/**
 * The three webhook payloads, each built from one Notice.
 * - Slack incoming webhook: `text` (the fallback for notifications) and Block Kit `blocks`
 *   (https://api.slack.com/messaging/webhooks, https://api.slack.com/reference/block-kit/blocks).
 * - Microsoft Teams: a `message` with one Adaptive Card 1.4 attachment, which Teams Workflows webhooks
 *   ("When a Teams webhook request is received") and the older incoming webhooks both accept
 *   (https://learn.microsoft.com/microsoftteams/platform/webhooks-and-connectors/how-to/connectors-using).
 * - json: the notice itself, versioned.
 */
export function renderPayload(format: NotifyFormat, n: Notice): unknown {
  if (format === 'slack') return slackPayload(n);
  if (format === 'teams') return teamsPayload(n);
  return { schema: 'sfdeploy.notification/v1', ...n };
}

const MAX_LISTED = 10;
const VERDICT = { passed: 'PASSED', failed: 'FAILED', pending: 'PENDING SIGN-OFF', interrupted: 'INTERRUPTED' } as const;

/** Slack mrkdwn: &, < and > are the only characters to escape. */
const slackEscape = (t: string): string => t.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
const slackCode = (t: string): string => `\`${slackEscape(t.replace(/`/g, "'"))}\``;

/** How many failing and pending items are left out of the lists. */
const unlisted = (n: Notice): { failing: number; pending: number } => ({
  failing: Math.max(0, n.failing.length - MAX_LISTED),
  pending: Math.max(0, n.pending.length - MAX_LISTED),
});

function facts(n: Notice): [string, string][] {
  const out: [string, string][] = [
    ['Verdict', `${VERDICT[n.verdict]} (exit ${n.exitCode})`],
    ['Checklist', `${n.checklist.title} (${n.checklist.id})`],
    ['Release', n.release ?? 'not recorded'],
    ['Environment', n.environment ?? 'not recorded'],
    ['Run', n.runId],
  ];
  if (n.watch) {
    const w = n.watch;
    out.push(['Watch', `${w.runs} runs: ${w.passed} passed, ${w.failed} failed (${w.reason})`]);
    if (w.firstFailure)
      out.push(['First failure', `${w.firstFailure.at} (run ${w.firstFailure.runId}): ${w.firstFailure.items.join(', ')}`]);
  }
  return out;
}

function slackPayload(n: Notice): unknown {
  const more = unlisted(n);
  const blocks: unknown[] = [
    { type: 'header', text: { type: 'plain_text', text: cut(n.headline, 150), emoji: true } },
    {
      type: 'section',
      fields: facts(n).map(([k, v]) => ({ type: 'mrkdwn', text: cut(`*${k}*\n${slackEscape(v)}`, 2000) })),
    },
  ];
  if (n.failing.length) {
    const list = n.failing.slice(0, MAX_LISTED).map((i) => `• ${slackCode(i.id)} ${slackEscape(i.title)}: ${slackEscape(i.message)}`);
    if (more.failing) list.push(`…and ${more.failing} more`);
    blocks.push({ type: 'section', text: { type: 'mrkdwn', text: cut(`*Failing items*\n${list.join('\n')}`, 3000) } });
  }
  if (n.pending.length) {
    const list = n.pending
      .slice(0, MAX_LISTED)
      .map((i) => `• ${slackCode(i.id)} ${slackEscape(i.title)}: may sign ${slackEscape(i.maySign)}`);
    if (more.pending) list.push(`…and ${more.pending} more`);
    blocks.push({ type: 'section', text: { type: 'mrkdwn', text: cut(`*Waiting for sign-off*\n${list.join('\n')}`, 3000) } });
  }
  blocks.push({
    type: 'context',
    elements: [
      { type: 'mrkdwn', text: cut(`<${n.link.replace(/[<>|]/g, encodeURIComponent)}|Open the run> · ${slackCode(n.reportCommand)}`, 3000) },
    ],
  });
  const fallback = [
    n.headline,
    n.release && `release ${n.release}`,
    n.environment,
    n.failing.length && `failing: ${n.failing.map((i) => i.id).join(', ')}`,
  ]
    .filter(Boolean)
    .join(' · ');
  // the top-level text is formatted (mentions included) like mrkdwn; the header is plain_text, never parsed
  return { text: cut(slackEscape(fallback), 3000), blocks };
}

/** Adaptive Card text is Markdown: keep item text from turning into links or emphasis. */
const cardText = (t: string): string => t.replace(/([\\*_[\]`#>])/g, '\\$1');

function teamsPayload(n: Notice): unknown {
  const more = unlisted(n);
  const color =
    n.event === 'recovered' || (n.event === 'watch-end' && !n.watch?.failed) ? 'Good' : n.event === 'pending' ? 'Warning' : 'Attention';
  const body: unknown[] = [
    { type: 'TextBlock', text: cardText(n.headline), size: 'Large', weight: 'Bolder', color, wrap: true },
    { type: 'FactSet', facts: facts(n).map(([title, value]) => ({ title, value: cardText(value) })) },
  ];
  const list = (title: string, items: string[], more: number): void => {
    body.push({ type: 'TextBlock', text: title, weight: 'Bolder', wrap: true, spacing: 'Medium' });
    body.push({ type: 'TextBlock', text: [...items, ...(more ? [`…and ${more} more`] : [])].join('\n\n'), wrap: true });
  };
  if (n.failing.length)
    list(
      'Failing items',
      n.failing.slice(0, MAX_LISTED).map((i) => `**${cardText(i.id)}** ${cardText(i.title)}: ${cardText(i.message)}`),
      more.failing,
    );
  if (n.pending.length)
    list(
      'Waiting for sign-off',
      n.pending.slice(0, MAX_LISTED).map((i) => `**${cardText(i.id)}** ${cardText(i.title)}: may sign ${cardText(i.maySign)}`),
      more.pending,
    );
  body.push({ type: 'TextBlock', text: cardText(n.reportCommand), isSubtle: true, wrap: true, fontType: 'Monospace' });
  const card: Record<string, unknown> = {
    $schema: 'http://adaptivecards.io/schemas/adaptive-card.json',
    type: 'AdaptiveCard',
    version: '1.4',
    msteams: { width: 'Full' },
    body,
  };
  if (/^https?:\/\//.test(n.link)) card.actions = [{ type: 'Action.OpenUrl', title: 'Open the run', url: n.link }];
  else body.push({ type: 'TextBlock', text: cardText(n.link), isSubtle: true, wrap: true });
  return {
    type: 'message',
    summary: cut(n.headline, 200),
    attachments: [{ contentType: 'application/vnd.microsoft.card.adaptive', contentUrl: null, content: card }],
  };
}
