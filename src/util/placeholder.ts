const PLACEHOLDER_WORDS =
  /^(?:changeme|change_me|change-me|replaceme|replace_me|todo|tbd|fixme|xxx+|placeholder|secret|password|test|dummy|sample|example|none|null|undefined|<.*>|\*{3,})$/i;
/** Template words anywhere in a value, set off by a non-alphanumeric character or the ends (`sk_live_your-key`). */
const PLACEHOLDER_WORD_PARTS =
  /(?:^|[^a-z0-9])(?:your|xxx+|placeholder|redacted|dummy|fake)(?:[^a-z0-9]|$)|(?:^|[^a-z0-9])your[a-z]*(?:key|secret|token|password|host|domain|bucket|id)/i;
/** Template shapes anywhere in a value. */
const PLACEHOLDER_PARTS =
  /\.\.\.|…|[_-]here$|change[_-]?(?:me|this|it)|replace[_-]?(?:me|this|with)|\breplace\b|example|<[^>]*>|\$\{[^}]*\}|^\$[A-Za-z_]\w*$|\{\{[^}]*\}\}/i;
/** One character repeated this many times in a row is filler, not a secret (`xxxxxxxx`, `00000000`, `********`). */
const REPEATED = /(.)\1{7,}/;
const PLACEHOLDER_HOSTS = new Set(['host', 'hostname', 'your-host', 'example.com', 'example.org', 'db-host', 'redis-host']);
/**
 * Values published in vendors' documentation as examples: AWS's example key pair and account id, Stripe's
 * documentation test key, the common fake phone number.
 */
const DOCUMENTED_EXAMPLES = [
  'AKIAIOSFODNN7EXAMPLE', // sfdeploy:allow-secret (AWS's documented example)
  'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY',
  'ASIAIOSFODNN7EXAMPLE',
  '123456789012',
  'sk_test_4eC39HqLyjWDarjtT1zdp7dc',
  'pk_test_TYooMQauvdEDq54NiTphI7jx',
];
const DOCUMENTED_WHOLE = new Set(['+1234567890', '1234567890', '0123456789', 'abcdef', 'abc123', 'qwerty']);

/** Why a value looks like a template placeholder rather than a real value, or undefined when it does not. */
export function placeholderReason(value: string): string | undefined {
  const v = value.trim();
  const ref = /\$\{([^}]*)\}|^\$([A-Za-z_]\w*)$/.exec(v);
  if (ref) return `holds the unresolved reference ${ref[0]}`;
  if (DOCUMENTED_EXAMPLES.some((d) => v.includes(d)) || DOCUMENTED_WHOLE.has(v.toLowerCase())) {
    return 'is an example value from vendor documentation';
  }
  if (PLACEHOLDER_WORDS.test(v) || PLACEHOLDER_PARTS.test(v) || PLACEHOLDER_WORD_PARTS.test(v)) return 'looks like a placeholder';
  if (REPEATED.test(v)) return 'looks like a placeholder (one character repeated)';
  const url = /^[a-z][a-z0-9+.-]*:\/\/(?:([^:@/]*)(?::([^@/]*))?@)?([^:/?#]+)/i.exec(v);
  if (url) {
    const [, user, pass, host] = url;
    if (PLACEHOLDER_HOSTS.has(host!.toLowerCase()) || /^your[-_]/i.test(host!)) return 'looks like a placeholder';
    if (user === 'user' && (pass === 'pass' || pass === 'password')) return 'looks like a placeholder';
  }
  return undefined;
}

/**
 * Does a configured value look like a template placeholder (`your_key`, `sk_live_your-stripe-secret-key`,
 * `changeme`, `<your key>`, `xxxxxxxx`, AWS's documented example keys, an unresolved `${OTHER}`,
 * `postgresql://user:pass@host:5432/db`) rather than a real value? The one test every env check uses.
 */
export function isPlaceholder(value: string): boolean {
  return placeholderReason(value) !== undefined;
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
