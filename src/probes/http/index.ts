import { z } from 'zod';
import { ProbeError } from '../../errors.js';
import { bool, int } from '../params.js';
import { defineProbe } from '../types.js';
import { describeNetworkError } from '../network-error.js';

const MAX_BODY = 1024 * 1024;

const params = z.strictObject({
  url: z.string().min(1, 'expected a URL such as https://api.example.com/health').describe('The URL to request, `http://` or `https://`.'),
  method: z.string().toUpperCase().default('GET').describe('HTTP method. Default GET.'),
  headers: z.record(z.string(), z.union([z.string(), z.number()]).transform(String)).default({}).describe('Request headers.'),
  body: z.string().optional().describe('Request body as text.'),
  json: z.unknown().optional().describe('Request body as JSON (sets content-type).'),
  follow_redirects: bool().default(false).describe('Follow redirects (up to 5). Default false, so an http → https redirect can be asserted.'),
  insecure: bool().default(false).describe('Skip certificate verification. Default false.'),
  ca_file: z.string().optional().describe('A PEM file of extra CA certificates to trust.'),
  max_redirects: int().default(5).describe('Maximum redirects followed when follow_redirects is true. Default 5.'),
});

export type HttpParams = z.output<typeof params>;

/** Requests a URL and observes the response. */
export default defineProbe({
  kind: 'http',
  summary: 'Sends an HTTP request and checks the status, headers and body (JSON paths included).',
  docs: 'https://developer.mozilla.org/en-US/docs/Web/HTTP/Status',
  params,
  observations: {
    status: 'the response status code',
    'headers.*': 'a response header, by case-insensitive name',
    body: 'the response body as text (first 1 MiB)',
    'json.**': 'a field of the JSON body by dotted path (json.status, json.checks.db)',
    latency_ms: 'time to the complete response, in milliseconds',
    'redirect.location': 'the Location header of a redirect response',
  },
  defaultCheck: 'status is 2xx',
  async run(p, ctx) {
    const response = await request(p, ctx.signal, ctx.cwd);
    const observations: Record<string, unknown> = {
      status: response.status,
      headers: response.headers,
      body: response.body,
      latency_ms: response.latencyMs,
    };
    if (response.headers.location !== undefined) observations.redirect = { location: response.headers.location };
    const type = response.headers['content-type'] ?? '';
    if (/json/i.test(String(type)) || /^\s*[[{]/.test(response.body)) {
      try {
        observations.json = JSON.parse(response.body);
      } catch {
        // not JSON after all; json.* conditions report "not observed"
      }
    }
    const problems = response.status >= 200 && response.status < 300 ? [] : [`${p.method} ${p.url} answered ${response.status}`];
    return { observations, problems, summary: `${response.status} in ${response.latencyMs}ms` };
  },
});

interface HttpResponse {
  status: number;
  headers: Record<string, string>;
  body: string;
  latencyMs: number;
}

async function request(p: HttpParams, signal: AbortSignal, cwd: string): Promise<HttpResponse> {
  const started = performance.now();
  let url: URL;
  try {
    url = new URL(p.url);
  } catch {
    throw new ProbeError(`not a valid URL: ${p.url}`);
  }
  let ca: Buffer | undefined;
  if (p.ca_file) {
    const { readFile } = await import('node:fs/promises');
    const { resolve } = await import('node:path');
    ca = await readFile(resolve(cwd, p.ca_file)).catch(() => {
      throw new ProbeError(`cannot read ca_file ${p.ca_file}`);
    });
  }
  for (let hop = 0; ; hop++) {
    const res = await once(url, p, signal, ca);
    const location = res.headers.location;
    if (p.follow_redirects && location && res.status >= 300 && res.status < 400 && hop < p.max_redirects) {
      url = new URL(location, url);
      continue;
    }
    return { ...res, latencyMs: Math.round(performance.now() - started) };
  }
}

async function once(url: URL, p: HttpParams, signal: AbortSignal, ca: Buffer | undefined) {
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new ProbeError(`unsupported URL scheme ${url.protocol}`);
  const mod = url.protocol === 'https:' ? await import('node:https') : await import('node:http');
  const headers: Record<string, string> = { 'user-agent': 'sfdeploy', ...p.headers };
  let body = p.body;
  if (p.json !== undefined) {
    body = JSON.stringify(p.json);
    headers['content-type'] ??= 'application/json';
  }
  return new Promise<{ status: number; headers: Record<string, string>; body: string }>((resolve, reject) => {
    const req = mod.request(
      url,
      { method: p.method, headers, signal, rejectUnauthorized: !p.insecure, ...(ca ? { ca } : {}), agent: false },
      (res) => {
        const chunks: Buffer[] = [];
        let size = 0;
        res.on('data', (c: Buffer) => {
          if (size < MAX_BODY) chunks.push(c);
          size += c.length;
        });
        res.on('end', () => {
          const out: Record<string, string> = {};
          for (const [k, v] of Object.entries(res.headers)) if (v !== undefined) out[k.toLowerCase()] = Array.isArray(v) ? v.join(', ') : v;
          resolve({ status: res.statusCode ?? 0, headers: out, body: Buffer.concat(chunks).toString('utf8').slice(0, MAX_BODY) });
        });
        res.on('error', (e) => reject(new Error(describeNetworkError(e, url.host))));
      },
    );
    req.on('error', (e) => reject(new Error(describeNetworkError(e, url.host))));
    if (body !== undefined) req.write(body);
    req.end();
  });
}
