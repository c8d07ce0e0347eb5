import { z } from 'zod';
import { ProbeError } from '../../errors.js';
import { authSchema, authorizationHeader, createClient, credentialValues, parseHttpUrl, readCaFile } from '../http/client.js';
import { maskUrl, oneLine } from '../../util/network-error.js';
import { bool } from '../params.js';
import { defineProbe } from '../types.js';

const params = z.strictObject({
  url: z
    .string()
    .min(1, 'expected the Prometheus base URL such as http://prometheus:9090')
    .default('${PROMETHEUS_URL}')
    .describe(
      'Base URL of Prometheus (or a compatible API: Thanos, Mimir, VictoriaMetrics); /api/v1/query is appended. Default ${PROMETHEUS_URL}.',
    ),
  query: z
    .string()
    .min(1, 'expected a PromQL expression')
    .describe(
      'The PromQL expression, evaluated as an instant query: `sum(rate(http_requests_total{status=~"5.."}[5m])) / sum(rate(http_requests_total[5m]))`.',
    ),
  time: z.string().optional().describe('Evaluation time (RFC 3339 or Unix seconds). Default: now.'),
  headers: z
    .record(z.string(), z.union([z.string(), z.number()]).transform(String))
    .default({})
    .describe('Extra request headers (a tenant header such as X-Scope-OrgID).'),
  auth: authSchema,
  insecure: bool().default(false).describe('Skip certificate verification. Default false.'),
  ca_file: z
    .string()
    .optional()
    .describe('A PEM file of CA certificates to trust besides the system ones, relative to the working directory.'),
});

/** One series of the result: its labels and value (values for a range vector). */
interface Sample {
  labels: Record<string, string>;
  value?: number;
  values?: number[];
}

/** Runs a PromQL instant query through the HTTP API. */
export default defineProbe({
  kind: 'prometheus',
  summary: 'Runs a PromQL instant query and checks the value (error-rate, latency, saturation gates).',
  docs: 'https://prometheus.io/docs/prometheus/latest/querying/api/#instant-queries',
  params,
  example: { url: 'http://prometheus:9090', query: 'up' },
  observations: {
    value:
      'the number for a scalar result or a vector with exactly one sample (NaN, +Inf and -Inf are numbers that never satisfy <, <=, > or >=); null for an empty vector or one of several samples',
    samples: 'every series: { labels, value } (values for a range vector)',
    result_type: 'vector, scalar, matrix or string',
    warnings: 'warnings Prometheus attached to the result',
  },
  defaultCheck: 'the query succeeds and returns a value (a scalar, or at least one sample)',
  secrets: (p) => credentialValues(p.headers, p.auth, p.url),
  async run(p, ctx) {
    const base = parseHttpUrl(p.url);
    const api = new URL(base.href);
    if (!/\/api\/v1\/query\/?$/.test(api.pathname)) api.pathname = `${api.pathname.replace(/\/+$/, '')}/api/v1/query`;
    api.searchParams.set('query', p.query);
    if (p.time !== undefined) api.searchParams.set('time', p.time);
    api.searchParams.set('timeout', `${Math.max(1, Math.floor(ctx.timeoutMs / 1000))}s`);
    const shown = maskUrl(p.url);

    const ca = await readCaFile(p.ca_file, ctx.cwd);
    const client = await createClient({ insecure: p.insecure, ca, maxSockets: 1, shared: ctx.shared });
    const authorization = authorizationHeader(p.auth, base);
    let answer;
    try {
      answer = await client.request(api, {
        method: 'GET',
        headers: { 'user-agent': 'sfdeploy', accept: 'application/json', ...p.headers, ...(authorization ? { authorization } : {}) },
        body: undefined,
        signal: ctx.signal,
        keepBody: true,
      });
    } finally {
      client.close();
    }

    let doc: ApiResponse;
    try {
      doc = JSON.parse(answer.body) as ApiResponse;
    } catch {
      const hint =
        answer.status === 401 || answer.status === 403
          ? ' (are credentials needed?)'
          : answer.status === 404
            ? ' (is this the Prometheus base URL?)'
            : '';
      throw new Error(`${shown} answered ${answer.status} without a Prometheus API response${hint}`);
    }
    if (doc?.status === 'error') {
      const message = `Prometheus at ${shown} rejected the query: ${doc.errorType ?? 'error'}: ${oneLine(String(doc.error ?? 'unknown error'))}`;
      if (doc.errorType === 'bad_data') throw new ProbeError(message);
      throw new Error(message);
    }
    if (doc?.status !== 'success' || !doc.data || typeof doc.data.resultType !== 'string') {
      throw new Error(`${shown} answered ${answer.status} without a Prometheus API response`);
    }

    const { resultType, result } = doc.data;
    let value: number | string | null = null;
    let samples: Sample[] = [];
    switch (resultType) {
      case 'scalar':
        value = sampleValue((result as [number, string])[1]);
        break;
      case 'string':
        value = String((result as [number, string])[1]);
        break;
      case 'vector':
        samples = (result as VectorSample[]).map((s) => ({ labels: s.metric ?? {}, value: sampleValue(s.value?.[1]) }));
        value = samples.length === 1 ? samples[0]!.value! : null;
        break;
      case 'matrix':
        samples = (result as MatrixSample[]).map((s) => ({
          labels: s.metric ?? {},
          values: (s.values ?? []).map((v) => sampleValue(v[1])),
        }));
        break;
    }
    const observations = { value, samples, result_type: resultType, warnings: doc.warnings ?? [] };
    const absent =
      resultType === 'matrix'
        ? 'a range vector has no single value: read samples.0.values'
        : resultType === 'vector' && samples.length === 0
          ? 'the vector is empty: no series matched the query'
          : resultType === 'vector' && samples.length > 1
            ? `the vector has ${samples.length} samples, so there is no single value: aggregate them in the query (sum, max by) or read samples.0.value`
            : undefined;
    const problems: string[] = [];
    if (resultType === 'vector' && samples.length === 0) problems.push(`the query returned no samples: ${p.query}`);
    if (resultType === 'matrix' && samples.length === 0) problems.push(`the query returned no series: ${p.query}`);
    const summary =
      value !== null ? `${resultType} ${value}` : `${resultType} with ${samples.length} ${resultType === 'matrix' ? 'series' : 'samples'}`;
    return { observations, problems, summary, ...(absent ? { reasons: { value: { absent } } } : {}) };
  },
});

interface ApiResponse {
  status?: string;
  errorType?: string;
  error?: string;
  warnings?: string[];
  data?: { resultType: string; result: unknown };
}

interface VectorSample {
  metric?: Record<string, string>;
  value?: [number, string];
}

interface MatrixSample {
  metric?: Record<string, string>;
  values?: [number, string][];
}

const SPECIAL: Record<string, number> = { nan: NaN, '+inf': Infinity, inf: Infinity, '-inf': -Infinity };

/**
 * Prometheus sends sample values as strings (`"0.004"`, `"NaN"`, `"+Inf"`, `"-Inf"`); all become numbers. The
 * conditions never let NaN or an infinity satisfy `<`, `<=`, `>` or `>=`, so they cannot pass a gate.
 */
function sampleValue(text: string | undefined): number {
  if (text === undefined) return NaN;
  const special = SPECIAL[text.trim().toLowerCase()];
  if (special !== undefined) return special;
  return text.trim() === '' ? NaN : Number(text);
}
