/** Environment variable names whose values are secrets. */
export const SECRET_NAME = /KEY|SECRET|TOKEN|PASSWORD|PASSWD|PWD|CREDENTIAL|PRIVATE|AUTH/i;

const NOT_SECRET_NAME = /^(PWD|OLDPWD|PATH|HOME|SHELL|USER|LOGNAME|TERM|LANG)$/;

/** `scheme://user:password@`: the password runs to the first `@` (a `/` in it does not end it). */
const URL_PASSWORD = /\b([a-z][a-z0-9+.-]*:\/\/[^:/?#@\s]*:)([^@\s]+)(@)/gi;
/** A query parameter named like a secret: libpq's `?password=`, `sslpassword=`, `?token=`, `X-Amz-Signature=`. */
const QUERY_SECRET = /([?&;][\w.-]*?(?:password|passwd|pwd|token|secret|key|signature|auth|credential)[\w.-]*=)([^&#\s'"]+)/gi;
/** A keyword/value connection string's password (libpq `host=db password=secret`, `password='a b'`). */
const KEYWORD_PASSWORD = /(?<![?&;\w])((?:ssl)?password\s*=\s*)('(?:[^'\\]|\\.)*'|[^\s'"]+)/gi;
const BEARER = /\b(Bearer|Basic|Token)\s+[A-Za-z0-9._~+/=-]{6,}/g;
const MASK = '***';
const MIN_SECRET_LENGTH = 4;

/**
 * Masks the credentials of connection strings anywhere in a text — the one masker for URLs and DSNs: the password of
 * `scheme://user:password@`, query parameters named like secrets (`?password=`, `&sslpassword=`, `?token=`), and
 * the `password=` of a keyword/value string (`host=db user=app password=secret`).
 */
export function maskConnectionStrings(text: string): string {
  // most texts hold neither `://` nor `=`, which each pattern needs: a search for them is far cheaper than the patterns
  let out = text;
  if (out.includes('://')) out = out.replace(URL_PASSWORD, `$1${MASK}$3`);
  if (out.includes('=')) out = out.replace(QUERY_SECRET, `$1${MASK}`).replace(KEYWORD_PASSWORD, `$1${MASK}`);
  return out;
}

/** `Bearer`, `Basic` or `Token` (as BEARER needs, case and all) appears in the text. */
function mayHoldBearer(text: string): boolean {
  return text.includes('Bearer') || text.includes('Basic') || text.includes('Token');
}

/** The credentials a connection string holds, to be masked wherever they appear alone. */
export function connectionSecrets(value: string): string[] {
  const found: string[] = [];
  for (const m of value.matchAll(URL_PASSWORD)) if (m[2]) found.push(m[2]);
  for (const m of value.matchAll(QUERY_SECRET)) if (m[2]) found.push(m[2]);
  for (const m of value.matchAll(KEYWORD_PASSWORD)) {
    const v = m[2]!;
    found.push(v.startsWith("'") ? v.slice(1, -1).replace(/\\(.)/g, '$1') : v);
  }
  return found;
}

/** The one masker by its older name: every URL and DSN credential (maskConnectionStrings). */
export const maskUrlPasswords = (text: string): string => maskConnectionStrings(text);

/** Replaces every secret in a string. Built once per run from the environment and the checklist's secret names. */
export type Redactor = ((text: string) => string) & {
  /** Adds a secret found while the run goes on (a password read from a file): it is masked from then on. */
  add?: (value: string) => void;
};

/**
 * Builds a redactor that masks connection-string credentials (maskConnectionStrings), bearer/basic credentials,
 * values of variables whose names look secret (KEY, SECRET, TOKEN, PASSWORD, ...), values of the extra names given,
 * and the secret values given (what probe parameters carry: `auth.password`, `headers:` values, ...; webhook URLs).
 */
export function createRedactor(
  env: Record<string, string | undefined>,
  secretNames: Iterable<string> = [],
  secretValues: Iterable<string> = [],
): Redactor {
  const extra = new Set(secretNames);
  const values = new Set<string>();
  for (const [name, value] of Object.entries(env)) {
    if (!value) continue;
    if (extra.has(name) || (SECRET_NAME.test(name) && !NOT_SECRET_NAME.test(name))) addSecret(values, value);
    for (const password of connectionSecrets(value)) addSecret(values, password);
  }
  for (const value of secretValues) {
    addSecret(values, value);
    for (const password of connectionSecrets(value)) addSecret(values, password);
  }
  let sorted = [...values].sort((a, b) => b.length - a.length);
  const redact: Redactor = (text: string) => {
    let out = maskConnectionStrings(text);
    if (mayHoldBearer(out)) out = out.replace(BEARER, `$1 ${MASK}`);
    for (const secret of sorted) if (out.includes(secret)) out = out.split(secret).join(MASK);
    return out;
  };
  redact.add = (value: string) => {
    const before = values.size;
    addSecret(values, value);
    if (values.size !== before) sorted = [...values].sort((a, b) => b.length - a.length);
  };
  return redact;
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
