import { z } from 'zod';
import { bool, int } from '../params.js';
import { defineProbe } from '../types.js';
import { mapLimit } from '../../util/map-limit.js';
import { maskUrl } from '../../util/network-error.js';
import {
  authSchema,
  authorizationHeader,
  createClient,
  credentialValues,
  parseHttpUrl,
  readCaFile,
  type HttpAnswer,
  type PeerTls,
} from './client.js';

const params = z
  .strictObject({
    url: z
      .string()
      .min(1, 'expected a URL such as https://api.example.com/health')
      .describe('The URL to request, `http://` or `https://`. A password in it is sent as basic authentication and never printed.'),
    method: z.string().toUpperCase().default('GET').describe('HTTP method. Default GET.'),
    headers: z
      .record(z.string(), z.union([z.string(), z.number()]).transform(String))
      .default({})
      .describe(
        'Request headers, such as `Origin: https://evil.example` for a CORS preflight. Sent only to the origin of the URL (none to a redirect elsewhere); values of headers that may carry credentials are masked like secrets.',
      ),
    body: z.string().optional().describe('Request body as text.'),
    json: z.unknown().optional().describe('Request body as JSON, instead of body (sets content-type: application/json).'),
    auth: authSchema,
    follow_redirects: bool().default(false).describe('Follow redirects. Default false, so an http → https redirect can be asserted.'),
    max_redirects: int()
      .pipe(z.int().min(0).max(20))
      .default(5)
      .describe('Maximum redirects followed when follow_redirects is true. Default 5.'),
    insecure: bool().default(false).describe('Skip certificate verification (tls.* is still observed). Default false.'),
    ca_file: z
      .string()
      .optional()
      .describe('A PEM file of CA certificates to trust besides the system ones, relative to the working directory.'),
    samples: int()
      .pipe(z.int().min(1, 'expected at least 1 sample').max(10_000, 'at most 10000 samples'))
      .default(1)
      .describe(
        'Number of requests to send: latency percentiles and `statuses` cover them all; status, headers and body are those of the first. Default 1.',
      ),
    concurrency: int()
      .pipe(z.int().min(1, 'expected at least 1').max(256, 'at most 256'))
      .default(1)
      .describe('Requests in flight at once when samples > 1 (a burst for rate-limit checks). Default 1.'),
  })
  .refine((p) => p.body === undefined || p.json === undefined, { message: 'give body (text) or json, not both', path: ['json'] });

/** Requests a URL (once or as a burst of samples) and observes the responses. */
export default defineProbe({
  kind: 'http',
  summary:
    'Sends HTTP requests and checks status, headers, body (JSON paths included), redirects, CORS, latency percentiles and the certificate.',
  docs: 'https://developer.mozilla.org/en-US/docs/Web/HTTP',
  params,
  example: { url: 'https://api.example.com/health' },
  observations: {
    status: 'the status code of the first response',
    statuses: 'the status codes of every sample, in the order they were sent (statuses contains 429)',
    'headers.*': 'a header of the first response, by case-insensitive name (headers.strict-transport-security)',
    body: 'the body of the first response as text (first 1 MiB)',
    'json.**': 'a field of the JSON body by dotted path (json.status, json.checks.db)',
    latency_ms: 'time to the complete first response, redirects included, in milliseconds',
    'latency.p50': 'median time to a complete response over all samples, in milliseconds',
    'latency.p95': '95th percentile latency over all samples, in milliseconds',
    'latency.p99': '99th percentile latency over all samples, in milliseconds',
    'latency.max': 'slowest sample, in milliseconds',
    'latency.min': 'fastest sample, in milliseconds',
    'redirect.location': 'the Location header of a redirect response (not followed)',
    'redirects.*': 'one redirect followed: redirects.0.status, redirects.0.to',
    url: 'the URL that gave the first response, after any redirects followed (password masked)',
    redirects:
      'the redirects followed before the first response, each { status, from, to }: with follow_redirects, or the one same-origin 307/308 of a GET to the path with a trailing slash (FastAPI), which is always followed',
    'cors.allowed':
      'with an Origin request header: true when the response allows that origin (Access-Control-Allow-Origin is * or the origin)',
    errors: 'one line per sample that got no response (samples > 1)',
    'tls.days_remaining': 'https: whole days until the server certificate expires',
    'tls.valid_to': 'https: when the server certificate expires (ISO 8601)',
    'tls.issuer': 'https: the issuer of the server certificate (CN=..., O=...)',
    'tls.subject': 'https: the subject of the server certificate',
    'tls.protocol': 'https: the TLS version negotiated (TLSv1.3)',
  },
  defaultCheck:
    'every response is 2xx (a redirect fails unless follow_redirects is true, except a same-origin 307/308 to the trailing-slash path of a GET, which is followed and recorded)',
  secrets: (p) => credentialValues(p.headers, p.auth, p.url),
  async run(p, ctx) {
    const start = parseHttpUrl(p.url);
    const ca = await readCaFile(p.ca_file, ctx.cwd);
    const headers: Record<string, string> = { 'user-agent': 'sfdeploy', ...p.headers };
    let body = p.body;
    if (p.json !== undefined) {
      body = JSON.stringify(p.json);
      if (!Object.keys(headers).some((h) => h.toLowerCase() === 'content-type')) headers['content-type'] = 'application/json';
    }
    const authorization = authorizationHeader(p.auth, start);
    const concurrency = Math.min(p.concurrency, p.samples);
    const client = await createClient({ insecure: p.insecure, ca, maxSockets: concurrency, shared: ctx.shared });

    const sampleOnce = async (index: number): Promise<Sample> => {
      const began = performance.now();
      let url = start;
      let method = p.method;
      let sent = body;
      let sentHeaders = headers;
      let leftOrigin = false;
      const hops: Hop[] = [];
      for (let hop = 0; ; hop++) {
        // A redirect to another origin (scheme, host or port) gets none of the user's headers nor the credentials,
        // and neither does any later hop: only sfdeploy's own user-agent and the content type of its JSON body.
        leftOrigin ||= url.origin !== start.origin;
        const h = leftOrigin
          ? ownHeaders(sentHeaders, p.json !== undefined)
          : { ...sentHeaders, ...(authorization ? { authorization } : {}) };
        const answer = await client.request(url, { method, headers: h, body: sent, signal: ctx.signal, keepBody: index === 0 });
        const target = redirectTarget(answer, url);
        const next =
          target && ((p.follow_redirects && hop < p.max_redirects) || (hop === 0 && isTrailingSlashHop(answer, url, target, method)))
            ? target
            : undefined;
        if (!next) return { answer, url, ms: performance.now() - began, hops };
        hops.push({ status: answer.status, from: maskUrl(url.href), to: maskUrl(next.href) });
        // as browsers do: 303, and 301/302 after a POST, continue with a GET without the body
        if (answer.status === 303 || (method === 'POST' && (answer.status === 301 || answer.status === 302))) {
          method = 'GET';
          sent = undefined;
          sentHeaders = Object.fromEntries(Object.entries(headers).filter(([k]) => !/^content-(type|length)$/i.test(k)));
        }
        url = next;
      }
    };

    let results: (Sample | Error | undefined)[];
    try {
      results =
        p.samples === 1
          ? [await sampleOnce(0)]
          : await mapLimit(
              Array.from({ length: p.samples }, (_, i) => i),
              concurrency,
              async (i) =>
                // once aborted, the samples not yet started are left out
                ctx.signal.aborted ? undefined : sampleOnce(i).catch((e: unknown) => (e instanceof Error ? e : new Error(String(e)))),
            );
    } finally {
      client.close();
    }

    const first = results[0];
    if (first instanceof Error) throw first;
    if (first === undefined) throw new Error(`${p.method} ${maskUrl(p.url)} was not sent: the run was aborted`);
    const answered = results.filter((r): r is Sample => r !== undefined && !(r instanceof Error));
    const errors = results.filter((r): r is Error => r instanceof Error).map((e) => e.message);
    const observations = observe(first, answered, headers);
    if (p.samples > 1) observations.errors = errors;

    const shown = `${p.method} ${maskUrl(p.url)}`;
    const problems: string[] = [];
    const bad = answered.filter((s) => s.answer.status < 200 || s.answer.status >= 300);
    const hopped = first.hops.length && !p.follow_redirects ? ` (after ${first.hops[0]!.status} to ${first.hops[0]!.to})` : '';
    if (p.samples === 1 && bad.length) {
      const location = first.answer.headers.location;
      problems.push(`${shown} answered ${first.answer.status}${hopped}${location ? ` (redirect to ${maskUrl(location)})` : ''}`);
    } else if (bad.length) {
      problems.push(`${bad.length} of ${p.samples} requests to ${shown} were not 2xx (${countStatuses(bad)})`);
    }
    if (errors.length) problems.push(`${errors.length} of ${p.samples} requests to ${shown} got no response: ${errors[0]}`);

    const summary =
      p.samples === 1
        ? `${first.answer.status} in ${Math.round(first.ms)}ms${hopped}`
        : `${answered.length} responses (${countStatuses(answered)}), p95 ${(observations.latency as Latency).p95}ms`;
    return { observations, problems, summary };
  },
});

/** The headers sfdeploy itself adds, without any of `headers:`. */
function ownHeaders(sent: Record<string, string>, jsonBody: boolean): Record<string, string> {
  const own: Record<string, string> = { 'user-agent': 'sfdeploy' };
  if (jsonBody && 'content-type' in sent) own['content-type'] = 'application/json';
  return own;
}

/**
 * A 307/308 from a GET or HEAD to the same path with a trailing slash on the same origin (FastAPI and Starlette
 * answer `/health` so when the route is `/health/`): followed even without follow_redirects, and recorded.
 */
function isTrailingSlashHop(answer: HttpAnswer, from: URL, to: URL, method: string): boolean {
  return (
    (answer.status === 307 || answer.status === 308) &&
    (method === 'GET' || method === 'HEAD') &&
    to.origin === from.origin &&
    to.pathname === `${from.pathname}/` &&
    to.search === from.search
  );
}

/** Where a 3xx answer points, when it is an http(s) URL worth following. */
function redirectTarget(answer: HttpAnswer, from: URL): URL | undefined {
  const location = answer.headers.location;
  if (!location || answer.status < 300 || answer.status >= 400) return undefined;
  try {
    const next = new URL(location, from);
    return next.protocol === 'http:' || next.protocol === 'https:' ? next : undefined;
  } catch {
    return undefined;
  }
}

interface Hop {
  status: number;
  from: string;
  to: string;
}

interface Sample {
  answer: HttpAnswer;
  url: URL;
  ms: number;
  /** Redirects followed before the answer. */
  hops: Hop[];
}

interface Latency {
  min: number;
  p50: number;
  p95: number;
  p99: number;
  max: number;
}

function observe(first: Sample, answered: Sample[], requestHeaders: Record<string, string>): Record<string, unknown> {
  const { answer } = first;
  const observations: Record<string, unknown> = {
    status: answer.status,
    statuses: answered.map((s) => s.answer.status),
    headers: answer.headers,
    body: answer.body,
    latency_ms: Math.round(first.ms),
    latency: percentiles(answered.map((s) => s.ms)),
    url: maskUrl(first.url.href),
    redirects: first.hops,
  };
  if (answer.headers.location !== undefined) observations.redirect = { location: answer.headers.location };
  const type = answer.headers['content-type'] ?? '';
  if (/json/i.test(type) || /^\s*[[{]/.test(answer.body)) {
    try {
      observations.json = JSON.parse(answer.body);
    } catch {
      // not JSON after all: json.* conditions report "not observed"
    }
  }
  const origin = Object.entries(requestHeaders).find(([k]) => k.toLowerCase() === 'origin')?.[1];
  if (origin !== undefined) {
    const allow = answer.headers['access-control-allow-origin']?.trim();
    observations.cors = { allowed: allow === '*' || (allow !== undefined && allow.toLowerCase() === origin.trim().toLowerCase()) };
  }
  if (answer.tls) observations.tls = tlsObservations(answer.tls);
  return observations;
}

function tlsObservations(t: PeerTls): Record<string, unknown> {
  return { days_remaining: t.days_remaining, valid_to: t.valid_to, issuer: t.issuer, subject: t.subject, protocol: t.protocol };
}

/** Nearest-rank percentiles, rounded to 0.1 ms. */
function percentiles(values: number[]): Latency {
  const sorted = [...values].sort((a, b) => a - b);
  const at = (q: number): number => {
    if (sorted.length === 0) return 0;
    const rank = Math.max(1, Math.ceil(q * sorted.length));
    return round(sorted[Math.min(rank, sorted.length) - 1]!);
  };
  return { min: round(sorted[0] ?? 0), p50: at(0.5), p95: at(0.95), p99: at(0.99), max: round(sorted.at(-1) ?? 0) };
}

const round = (ms: number): number => Math.round(ms * 10) / 10;

function countStatuses(samples: Sample[]): string {
  const counts = new Map<number, number>();
  for (const s of samples) counts.set(s.answer.status, (counts.get(s.answer.status) ?? 0) + 1);
  return [...counts.entries()]
    .sort(([a], [b]) => a - b)
    .map(([status, n]) => `${n}× ${status}`)
    .join(', ');
}
