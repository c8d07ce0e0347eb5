/**
 * What a bucket policy opens to anonymous readers.
 * https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements.html
 */

/** Key prefixes anyone can read through a bucket policy; `*` stands for the whole bucket. */
export interface PolicyAnalysis {
  /** Prefixes an unconditional `Allow` of s3:GetObject to everyone covers, minus unconditional public `Deny`s. */
  public_read_prefixes: string[];
  /** True when the public prefixes include the whole bucket (`*`). */
  whole_bucket_public: boolean;
  /** Prefixes readable by everyone only under a `Condition` (source IP, VPC endpoint, referer...). */
  conditional_read_prefixes: string[];
  statements: number;
}

const WHOLE_BUCKET = '*';

type Json = unknown;

interface Statement {
  Effect?: Json;
  Principal?: Json;
  NotPrincipal?: Json;
  Action?: Json;
  NotAction?: Json;
  Resource?: Json;
  NotResource?: Json;
  Condition?: Json;
}

/**
 * Finds the object key prefixes of `bucket` that anyone may read (s3:GetObject, `s3:*`, `*`, `s3:Get*`).
 * Prefixes are cut at the first wildcard of the Resource ARN: `arn:aws:s3:::media/public/*` → `public/`,
 * `arn:aws:s3:::media/*` → `*` (the whole bucket). A public `Deny` removes the prefixes it covers entirely.
 */
export function analysePolicy(policy: string, bucket: string): PolicyAnalysis {
  let doc: { Statement?: Json };
  try {
    doc = JSON.parse(policy) as { Statement?: Json };
  } catch {
    throw new Error(`the policy of bucket ${bucket} is not valid JSON`);
  }
  const statements = (Array.isArray(doc?.Statement) ? doc.Statement : doc?.Statement ? [doc.Statement] : []) as Statement[];
  const allowed: string[] = [];
  const conditional: string[] = [];
  const denied: string[] = [];
  for (const st of statements) {
    if (!st || typeof st !== 'object' || !appliesToEveryone(st) || !coversGetObject(st)) continue;
    const prefixes = objectPrefixes(st, bucket);
    const hasCondition = st.Condition !== undefined && st.Condition !== null && Object.keys(st.Condition).length > 0;
    if (st.Effect === 'Allow') (hasCondition ? conditional : allowed).push(...prefixes);
    else if (st.Effect === 'Deny' && !hasCondition) denied.push(...prefixes);
  }
  const open = minimal(allowed.filter((p) => !denied.some((d) => p.startsWith(d))));
  const display = (p: string): string => (p === '' ? WHOLE_BUCKET : p);
  return {
    public_read_prefixes: open.map(display),
    whole_bucket_public: open.includes(''),
    conditional_read_prefixes: minimal(conditional).map(display),
    statements: statements.length,
  };
}

function list(value: Json): unknown[] {
  return value === undefined || value === null ? [] : Array.isArray(value) ? value : [value];
}

function appliesToEveryone(st: Statement): boolean {
  if (st.NotPrincipal !== undefined) return true;
  const p = st.Principal;
  if (p === '*') return true;
  if (p && typeof p === 'object') return Object.values(p).some((v) => list(v).includes('*'));
  return false;
}

function coversGetObject(st: Statement): boolean {
  const matches = (pattern: unknown): boolean => typeof pattern === 'string' && glob(pattern, 'i').test('s3:GetObject');
  if (st.Action !== undefined) return list(st.Action).some(matches);
  if (st.NotAction !== undefined) return !list(st.NotAction).some(matches);
  return false;
}

/** Object prefixes of `bucket` named by the statement's resources ('' = every object). */
function objectPrefixes(st: Statement, bucket: string): string[] {
  if (st.NotResource !== undefined) {
    const excluded = list(st.NotResource).map((r) => (typeof r === 'string' ? objectPrefix(r, bucket) : undefined));
    return excluded.includes('') ? [] : [''];
  }
  return list(st.Resource).flatMap((r) => {
    const prefix = typeof r === 'string' ? objectPrefix(r, bucket) : undefined;
    return prefix === undefined ? [] : [prefix];
  });
}

function objectPrefix(resource: string, bucket: string): string | undefined {
  if (resource === '*') return '';
  const m = /^arn:[^:]*:s3:::(.*)$/i.exec(resource);
  if (!m) return undefined;
  const rest = m[1]!;
  const slash = rest.indexOf('/');
  if (slash < 0) return /[*]/.test(rest) && glob(rest).test(`${bucket}/key`) ? '' : undefined;
  const bucketPattern = rest.slice(0, slash);
  if (!glob(bucketPattern).test(bucket)) {
    return /\*/.test(bucketPattern) && glob(rest).test(`${bucket}/key`) ? '' : undefined;
  }
  const key = rest.slice(slash + 1);
  const wild = key.search(/[*?]|\$\{/);
  return wild < 0 ? key : key.slice(0, wild);
}

/** IAM wildcards: `*` any run of characters (slashes included), `?` one character. */
function glob(pattern: string, flags = ''): RegExp {
  const source = pattern
    .replace(/[.+^${}()|[\]\\]/g, '\\$&')
    .replace(/\*/g, '.*')
    .replace(/\?/g, '.');
  return new RegExp(`^${source}$`, flags);
}

/** Sorted, without duplicates and without prefixes another one already covers. */
function minimal(prefixes: string[]): string[] {
  const unique = [...new Set(prefixes)].sort();
  return unique.filter((p) => !unique.some((q) => q !== p && p.startsWith(q)));
}
