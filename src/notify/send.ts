import type { Env } from '../util/env.js';
import type { PlannedItem } from '../checklist/model.js';
import type { ChecklistDefinition, NotifyEvent } from '../checklist/schema.js';
import type { NotificationRecord, RunLog } from '../runner/types.js';
import type { Redactor } from '../util/redact.js';
import { deliverNotice, deliveryWarnings } from './deliver.js';
import { buildNotice, runLink, type WatchNotice } from './notice.js';
import type { NotifyTarget } from './targets.js';

export interface SendOptions {
  targets: readonly NotifyTarget[];
  events: readonly NotifyEvent[];
  log: RunLog;
  items: readonly PlannedItem[];
  definition: ChecklistDefinition;
  env: Env;
  logPath: string;
  redact: Redactor;
  watch?: WatchNotice | undefined;
  /** Gets one line per failed delivery. */
  warn: (line: string) => void;
}

/** The events a single `check` reports: the gate failed, or only sign-offs are pending. */
export function gateEvents(log: RunLog): NotifyEvent[] {
  if (log.summary.verdict === 'failed') return ['failed'];
  if (log.summary.verdict === 'pending') return ['pending'];
  return [];
}

/** Sends each event to the targets listening for it; failures become warnings. Resolves to every delivery's record. */
export async function sendNotifications(o: SendOptions): Promise<NotificationRecord[]> {
  const records: NotificationRecord[] = [];
  if (!o.targets.length) return records;
  const link = runLink(o.env, o.logPath);
  for (const event of o.events) {
    const notice = buildNotice({ event, log: o.log, items: o.items, definition: o.definition, link, redact: o.redact, watch: o.watch });
    records.push(...(await deliverNotice(o.targets, notice, o.redact)));
  }
  for (const line of deliveryWarnings(records)) o.warn(line);
  return records;
}
