import type { Writable } from 'node:stream';
import type { ItemResult, RunListener, RunLog } from '../runner/types.js';
import { escapeMarkup } from './escape.js';

const escapeXml = escapeMarkup;

/** Attribute values also keep their line breaks and tabs, which XML would otherwise normalise to spaces. */
const escapeAttr = (s: string): string => escapeXml(s).replace(/\n/g, '&#10;').replace(/\r/g, '&#13;').replace(/\t/g, '&#9;');

const seconds = (ms: number): string => (ms / 1000).toFixed(3);

/** JUnit XML: one testsuite per section, one testcase per item. */
export function renderJunit(log: RunLog, sectionTitles: ReadonlyMap<string, string> = new Map()): string {
  const sections = new Map<string, ItemResult[]>();
  for (const r of log.items) {
    const list = sections.get(r.section) ?? [];
    list.push(r);
    sections.set(r.section, list);
  }
  const count = (list: ItemResult[], pred: (r: ItemResult) => boolean): number => list.filter(pred).length;
  const isFailure = (r: ItemResult) => r.status === 'fail';
  const isError = (r: ItemResult) => r.status === 'error';
  const isSkipped = (r: ItemResult) => r.status === 'skip' || r.status === 'pending';
  const all = log.items;
  const props = [
    ['run_id', log.runId],
    ['checklist', log.checklist.id],
    ['checklist_sha256', log.checklist.sha256],
    ['release', log.context.release ?? ''],
    ['environment', log.context.environment ?? ''],
    ['git_sha', log.context.gitSha ?? ''],
    ['verdict', log.summary.verdict],
  ];
  const out: string[] = ['<?xml version="1.0" encoding="UTF-8"?>'];
  const totalMs = all.reduce((a, r) => a + r.durationMs, 0);
  out.push(
    `<testsuites name="${escapeXml(log.checklist.title)}" tests="${all.length}" failures="${count(all, isFailure)}" errors="${count(all, isError)}" skipped="${count(all, isSkipped)}" time="${seconds(totalMs)}" timestamp="${escapeXml(log.startedAt)}">`,
  );
  for (const [section, list] of sections) {
    const title = sectionTitles.get(section) ?? list[0]?.sectionTitle ?? section;
    const ms = list.reduce((a, r) => a + r.durationMs, 0);
    out.push(
      `  <testsuite name="${escapeXml(title)}" id="${escapeXml(section)}" tests="${list.length}" failures="${count(list, isFailure)}" errors="${count(list, isError)}" skipped="${count(list, isSkipped)}" time="${seconds(ms)}" timestamp="${escapeXml(log.startedAt)}">`,
    );
    out.push('    <properties>');
    for (const [name, value] of props) out.push(`      <property name="${name}" value="${escapeAttr(value!)}"/>`);
    out.push('    </properties>');
    for (const r of list) {
      const open = `    <testcase name="${escapeAttr(`${title} › ${r.title}`)}" classname="${escapeXml(log.checklist.id)}" time="${seconds(r.durationMs)}"`;
      const body: string[] = [];
      if (r.status === 'fail')
        body.push(`      <failure message="${escapeAttr(r.message)}" type="${escapeXml(r.kind)}">${escapeXml(detail(r))}</failure>`);
      else if (r.status === 'error')
        body.push(`      <error message="${escapeAttr(r.message)}" type="${escapeXml(r.kind)}">${escapeXml(detail(r))}</error>`);
      else if (r.status === 'skip' || r.status === 'pending')
        body.push(`      <skipped message="${escapeAttr(r.status === 'pending' ? `pending sign-off: ${r.message}` : r.message)}"/>`);
      else if (r.status === 'warn') body.push(`      <system-out>${escapeXml(`warning (optional item): ${r.message}`)}</system-out>`);
      else if (r.status === 'signed' && r.signoff)
        body.push(
          `      <system-out>${escapeXml(`signed by ${r.signoff.by}${r.signoff.role ? ` as ${r.signoff.role}` : ''} at ${r.signoff.at}`)}</system-out>`,
        );
      out.push(body.length ? `${open}>\n${body.join('\n')}\n    </testcase>` : `${open}/>`);
    }
    out.push('  </testsuite>');
  }
  out.push('</testsuites>');
  return `${out.join('\n')}\n`;
}

function detail(r: ItemResult): string {
  const lines = [`item: ${r.id} (${r.kind}, severity ${r.severity})`, r.message];
  if (r.attempts.length > 1) lines.push(`attempts: ${r.attempts.map((a) => `${a.attempt}: ${a.status} ${a.message}`).join('; ')}`);
  const obs = JSON.stringify(r.observations);
  if (obs && obs !== '{}') lines.push(`observations: ${obs.length > 2000 ? `${obs.slice(0, 2000)}…` : obs}`);
  return lines.join('\n');
}

export function createJunitReporter(stream: Writable, sectionTitles: ReadonlyMap<string, string>): RunListener {
  return {
    onRunEnd(log) {
      stream.write(renderJunit(log, sectionTitles));
    },
  };
}
