import type { NotificationRecord } from '../runner/types.js';
import type { Redactor } from '../util/redact.js';
import { sleep } from '../util/sleep.js';
import type { Notice } from './notice.js';
import { renderPayload } from './payloads.js';
import type { NotifyTarget } from './targets.js';

/** Pause before the one retry. */
const RETRY_DELAY_MS = 500;
/** Bytes of an answer read (to name a failure); the rest is discarded. */
const MAX_ANSWER_BYTES = 512;

/** A failed attempt: retried once when the receiver might answer next time (network, timeout, 429, 5xx). */
interface Failure {
  ok: false;
  status?: number;
  error: string;
  retry: boolean;
}

type Outcome = { ok: true; status: number } | Failure;

/**
 * Posts the notice to every target that listens for its event, at once. Each target gets a timeout per attempt and
 * one retry. Never throws and never rejects: every outcome, good or bad, is a record (redacted).
 */
export async function deliverNotice(targets: readonly NotifyTarget[], notice: Notice, redact: Redactor): Promise<NotificationRecord[]> {
  return Promise.all(targets.filter((t) => t.events.has(notice.event)).map((t) => deliverOne(t, notice, redact)));
}

async function deliverOne(target: NotifyTarget, notice: Notice, redact: Redactor): Promise<NotificationRecord> {
  const started = Date.now();
  const at = new Date(started).toISOString();
  const base = { event: notice.event, format: target.format, target: redact(target.label), at };
  let body: string;
  try {
    body = JSON.stringify(renderPayload(target.format, notice));
  } catch (e) {
    return { ...base, ok: false, attempts: 0, error: redact(`cannot build the payload: ${(e as Error).message}`), durationMs: 0 };
  }
  let outcome = await post(target, body);
  let attempts = 1;
  if (!outcome.ok && outcome.retry) {
    await sleep(RETRY_DELAY_MS, new AbortController().signal);
    outcome = await post(target, body);
    attempts = 2;
  }
  const durationMs = Date.now() - started;
  if (outcome.ok) return { ...base, ok: true, attempts, status: outcome.status, durationMs };
  return { ...base, ok: false, attempts, status: outcome.status, error: redact(outcome.error), durationMs };
}

async function post(target: NotifyTarget, body: string): Promise<Outcome> {
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(), target.timeoutMs);
  try {
    const res = await fetch(target.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json; charset=utf-8', 'user-agent': 'sfdeploy' },
      body,
      redirect: 'error',
      signal: controller.signal,
    });
    const answer = await readSome(res);
    if (res.ok) return { ok: true, status: res.status };
    return {
      ok: false,
      status: res.status,
      error: `HTTP ${res.status}${answer ? `: ${answer}` : ''}`,
      retry: res.status === 429 || res.status >= 500,
    };
  } catch (e) {
    if (controller.signal.aborted) return { ok: false, error: `no answer within ${target.timeoutMs}ms`, retry: true };
    return { ok: false, error: networkReason(e), retry: true };
  } finally {
    clearTimeout(timer);
  }
}

/** The first bytes of an answer, on one line; the body is then cancelled so a huge answer costs nothing. */
async function readSome(res: Response): Promise<string> {
  if (!res.body) return '';
  const reader = (res.body as ReadableStream<Uint8Array>).getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  try {
    while (size < MAX_ANSWER_BYTES) {
      const { done, value } = await reader.read();
      if (done) break;
      chunks.push(value);
      size += value.length;
    }
  } catch {
    // the answer broke off: what arrived is enough
  } finally {
    void reader.cancel().catch(() => undefined);
  }
  return Buffer.concat(chunks).subarray(0, MAX_ANSWER_BYTES).toString('utf8').replace(/\s+/g, ' ').trim().slice(0, 200);
}

function networkReason(e: unknown): string {
  const cause = (e as { cause?: { code?: string; message?: string } }).cause;
  if (cause?.code === 'ECONNREFUSED') return 'connection refused';
  if (cause?.code === 'ENOTFOUND') return 'host not found';
  if (cause?.code) return `${cause.code}${cause.message ? `: ${cause.message}` : ''}`;
  return (e as Error).message ?? String(e);
}

/** One warning line per failed delivery. */
export function deliveryWarnings(records: readonly NotificationRecord[]): string[] {
  return records
    .filter((r) => !r.ok)
    .map(
      (r) =>
        `warning: the ${r.event} notification (${r.format}) to ${r.target} was not delivered: ${r.error ?? 'failed'}${r.attempts > 1 ? ' (after a retry)' : ''}; the gate is unchanged`,
    );
}
