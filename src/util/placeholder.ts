const PLACEHOLDER_WORDS =
  /^(?:changeme|change_me|change-me|replaceme|replace_me|todo|tbd|fixme|xxx+|placeholder|secret|password|test|dummy|sample|example|none|null|undefined|<.*>|\*{3,})$/i;
const PLACEHOLDER_PARTS = /\.\.\.|…|^your[_-]|[_-]here$|change[_-]?me|replace[_-]?me|<[^>]+>|\bplaceholder\b/i;
const PLACEHOLDER_HOSTS = new Set(['host', 'hostname', 'your-host', 'example.com', 'example.org', 'db-host', 'redis-host']);

/**
 * Does a configured value look like a template placeholder (`your_key`, `sk_live_...`, `changeme`,
 * `postgresql://user:pass@host:5432/db`) rather than a real value?
 */
export function isPlaceholder(value: string): boolean {
  const v = value.trim();
  if (PLACEHOLDER_WORDS.test(v) || PLACEHOLDER_PARTS.test(v)) return true;
  const url = /^[a-z][a-z0-9+.-]*:\/\/(?:([^:@/]*)(?::([^@/]*))?@)?([^:/?#]+)/i.exec(v);
  if (url) {
    const [, user, pass, host] = url;
    if (PLACEHOLDER_HOSTS.has(host!.toLowerCase()) || /^your[-_]/i.test(host!)) return true;
    if (user === 'user' && (pass === 'pass' || pass === 'password')) return true;
  }
  return false;
}

/** Shannon entropy of a string in bits, in all (length × bits per character). */
export function entropyBits(value: string): number {
  if (!value) return 0;
  const counts = new Map<string, number>();
  for (const ch of value) counts.set(ch, (counts.get(ch) ?? 0) + 1);
  const n = [...value].length;
  let perChar = 0;
  for (const c of counts.values()) {
    const p = c / n;
    perChar -= p * Math.log2(p);
  }
  return perChar * n;
}
