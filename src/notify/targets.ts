import { expand, type VarDeclaration } from '../checklist/interpolate.js';
import type { Env } from '../util/env.js';
import { NOTIFY_EVENTS, NOTIFY_FORMATS, type ChecklistDefinition, type NotifyEvent, type NotifyFormat } from '../checklist/schema.js';
import { UsageError } from '../errors.js';

/** A webhook to notify, resolved from the checklist's `notify:`, `--notify` or `$SFDEPLOY_NOTIFY`. */
export interface NotifyTarget {
  /** The full URL: a secret, never printed. */
  url: string;
  format: NotifyFormat;
  events: ReadonlySet<NotifyEvent>;
  timeoutMs: number;
  /** How the target is named in warnings and the run log: scheme, host and port, the rest masked. */
  label: string;
}

export interface ResolvedTargets {
  targets: NotifyTarget[];
  /** Checklist entries that cannot be used (a variable unset, not an http(s) URL): warnings, never errors. */
  warnings: string[];
}

const DEFAULT_TIMEOUT_MS = 5000;
const FLAG = new RegExp(`^(${NOTIFY_FORMATS.join('|')})=(.*)$`, 's');

/** The format a URL's host implies when none is given. */
export function inferFormat(url: URL): NotifyFormat {
  const host = url.hostname.toLowerCase();
  if (host === 'hooks.slack.com') return 'slack';
  if (/(?:^|\.)(?:webhook\.office\.com|logic\.azure\.com|powerplatform\.com|powerautomate\.com)$/.test(host)) return 'teams';
  return 'json';
}

/** `https://hooks.slack.com/…`: what may be shown of a webhook URL. */
export function targetLabel(url: URL): string {
  return `${url.protocol}//${url.host}/…`;
}

function parseHttpUrl(text: string): URL | undefined {
  try {
    const url = new URL(text.trim());
    return url.protocol === 'http:' || url.protocol === 'https:' ? url : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Parses `--notify` values and `$SFDEPLOY_NOTIFY` (whitespace-separated): `[slack=|teams=|json=]URL`.
 * A bad value is a usage error that never quotes the value (it may be a secret).
 */
export function parseNotifyFlags(values: readonly string[], where: string): NotifyTarget[] {
  return values.map((value, i) => {
    const m = FLAG.exec(value);
    const url = parseHttpUrl(m ? m[2]! : value);
    if (!url) {
      throw new UsageError(
        `${where}${values.length > 1 ? ` (value ${i + 1})` : ''} expects [slack=|teams=|json=]http(s)://… (the value is not shown: it may be a secret)`,
      );
    }
    return {
      url: url.href,
      format: (m?.[1] as NotifyFormat | undefined) ?? inferFormat(url),
      events: new Set(NOTIFY_EVENTS),
      timeoutMs: DEFAULT_TIMEOUT_MS,
      label: targetLabel(url),
    };
  });
}

/** Every target of a run: the checklist's `notify:` entries (expanded), then `--notify`, then `$SFDEPLOY_NOTIFY`. */
export function resolveNotifyTargets(
  definition: ChecklistDefinition,
  vars: Record<string, VarDeclaration>,
  env: Env,
  flags: readonly string[] = [],
  configured: readonly NonNullable<ChecklistDefinition['notify']>[number][] = [],
): ResolvedTargets {
  const targets: NotifyTarget[] = [];
  const warnings: string[] = [];
  const entries = [
    ...(definition.notify ?? []).map((entry, i) => ({ entry, name: `notify[${i}]` })),
    ...configured.map((entry, i) => ({ entry, name: `sfdeploy.config.yaml notify[${i}]` })),
  ];
  entries.forEach(({ entry, name }) => {
    const expanded = expand(entry.url, env, vars);
    if (expanded.missing.length) {
      warnings.push(
        `${name}.url: ${expanded.missing.join(', ')} ${expanded.missing.length > 1 ? 'are' : 'is'} not set; nothing is sent to it`,
      );
      return;
    }
    const url = parseHttpUrl(expanded.value);
    if (!url) {
      warnings.push(`${name}.url is not an http(s) URL (not shown: it may be a secret); nothing is sent to it`);
      return;
    }
    targets.push({
      url: url.href,
      format: entry.format ?? inferFormat(url),
      events: new Set(entry.on ?? NOTIFY_EVENTS),
      timeoutMs: entry.timeout,
      label: targetLabel(url),
    });
  });
  targets.push(...parseNotifyFlags(flags, '--notify'));
  const fromEnv = env.SFDEPLOY_NOTIFY?.split(/\s+/).filter(Boolean) ?? [];
  targets.push(...parseNotifyFlags(fromEnv, 'SFDEPLOY_NOTIFY'));
  return { targets, warnings };
}

/** What the redactor must mask of these targets: each URL, and its path and query (where a webhook keeps its key). */
export function notifySecrets(targets: readonly NotifyTarget[]): string[] {
  const out: string[] = [];
  for (const t of targets) {
    out.push(t.url);
    const url = new URL(t.url);
    const rest = `${url.pathname}${url.search}`;
    if (rest.length > 1) out.push(rest);
    for (const part of url.pathname.split('/')) if (part.length >= 12 && /\d/.test(part) && /[a-z]/i.test(part)) out.push(part);
    for (const v of url.searchParams.values()) if (v.length >= 4) out.push(v);
  }
  return out;
}
