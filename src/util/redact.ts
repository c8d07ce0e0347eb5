/** Environment variable names whose values are secrets. */
export const SECRET_NAME = /KEY|SECRET|TOKEN|PASSWORD|PASSWD|PWD|CREDENTIAL|PRIVATE|AUTH/i;

const NOT_SECRET_NAME = /^(PWD|OLDPWD|PATH|HOME|SHELL|USER|LOGNAME|TERM|LANG)$/;

/** `scheme://user:password@`: the password runs to the first `@` (a `/` in it does not end it). */
const URL_PASSWORD = /\b([a-z][a-z0-9+.-]*:\/\/[^:/?#@\s]*:)([^@\s]+)(@)/gi;
const BEARER = /\b(Bearer|Basic|Token)\s+[A-Za-z0-9._~+/=-]{6,}/g;
const MASK = '***';
const MIN_SECRET_LENGTH = 4;

/** Masks the password of every `scheme://user:password@` in a text: `postgresql://app:***@db:5432/x`. */
export function maskUrlPasswords(text: string): string {
  return text.replace(URL_PASSWORD, `$1${MASK}$3`);
}

/** Replaces every secret in a string. Built once per run from the environment and the checklist's secret names. */
export type Redactor = (text: string) => string;

/**
 * Builds a redactor that masks passwords in URLs, bearer/basic credentials, values of variables whose
 * names look secret (KEY, SECRET, TOKEN, PASSWORD, ...) and values of the extra names given.
 */
export function createRedactor(env: Record<string, string | undefined>, secretNames: Iterable<string> = []): Redactor {
  const extra = new Set(secretNames);
  const values = new Set<string>();
  for (const [name, value] of Object.entries(env)) {
    if (!value) continue;
    if (extra.has(name) || (SECRET_NAME.test(name) && !NOT_SECRET_NAME.test(name))) addSecret(values, value);
    for (const password of urlPasswords(value)) addSecret(values, password);
  }
  const sorted = [...values].sort((a, b) => b.length - a.length);
  return (text: string) => {
    let out = maskUrlPasswords(text).replace(BEARER, `$1 ${MASK}`);
    for (const secret of sorted) if (out.includes(secret)) out = out.split(secret).join(MASK);
    return out;
  };
}

const NOT_A_SECRET_VALUE = /^(?:-?\d+(?:\.\d+)?|true|false|yes|no|on|off|none|null)$/i;

function addSecret(values: Set<string>, value: string): void {
  if (value.length < MIN_SECRET_LENGTH || NOT_A_SECRET_VALUE.test(value)) return;
  values.add(value);
  try {
    const decoded = decodeURIComponent(value);
    if (decoded !== value && decoded.length >= MIN_SECRET_LENGTH) values.add(decoded);
  } catch {
    // not URI-encoded
  }
  const encoded = encodeURIComponent(value);
  if (encoded !== value) values.add(encoded);
}

function urlPasswords(value: string): string[] {
  const found: string[] = [];
  for (const m of value.matchAll(URL_PASSWORD)) if (m[2]) found.push(m[2]);
  return found;
}

/** Deep-copies a JSON-like value with every string redacted. */
export function redactDeep<T>(value: T, redact: Redactor): T {
  if (typeof value === 'string') return redact(value) as T;
  if (Array.isArray(value)) return value.map((v: unknown) => redactDeep(v, redact)) as T;
  if (value && typeof value === 'object' && !(value instanceof Date)) {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) out[redact(k)] = redactDeep(v, redact);
    return out as T;
  }
  return value;
}
