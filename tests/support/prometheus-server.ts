import type { IncomingMessage, ServerResponse } from 'node:http';
import { readBody, sendJson, startHttpServer, type TestHttpServer } from './http-server.js';

/** What the fake answers for one PromQL expression: a result, or an API error with its HTTP status. */
export type PromAnswer =
  | { resultType: 'vector'; result: { metric: Record<string, string>; value: [number, string] }[] }
  | { resultType: 'matrix'; result: { metric: Record<string, string>; values: [number, string][] }[] }
  | { resultType: 'scalar' | 'string'; result: [number, string] }
  | { error: string; errorType: string; status: number };

export interface PrometheusOptions {
  /** Answers by exact query text; unknown queries get an empty vector. */
  queries: Record<string, PromAnswer>;
  /** Serve the API under this path prefix (`/prometheus`), as behind a reverse proxy. */
  prefix?: string;
  /** Require this Authorization header; others get a plain-text 401 as a proxy would send. */
  authorization?: string;
  warnings?: string[];
}

export interface FakePrometheus extends TestHttpServer {
  /** Query-string parameters of each request received. */
  readonly requests: Record<string, string>[];
}

/** A loopback HTTP server speaking Prometheus's `/api/v1/query` JSON, for instant queries (GET or form POST). */
export async function startPrometheus(o: PrometheusOptions): Promise<FakePrometheus> {
  const requests: Record<string, string>[] = [];
  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const url = new URL(req.url ?? '/', 'http://x');
    if (url.pathname !== `${o.prefix ?? ''}/api/v1/query`) {
      res.writeHead(404, { 'content-type': 'text/plain' });
      return void res.end('404 page not found\n');
    }
    if (o.authorization && req.headers.authorization !== o.authorization) {
      res.writeHead(401, { 'content-type': 'text/plain', 'www-authenticate': 'Basic realm="prometheus"' });
      return void res.end('Unauthorized\n');
    }
    const params = new URLSearchParams(url.search);
    if (req.method === 'POST') for (const [k, v] of new URLSearchParams(await readBody(req))) params.set(k, v);
    requests.push(Object.fromEntries(params));
    const query = params.get('query');
    if (!query)
      return sendJson(res, 400, {
        status: 'error',
        errorType: 'bad_data',
        error: 'invalid parameter "query": unknown position: parse error: no expression found in input',
      });
    const answer = o.queries[query] ?? { resultType: 'vector', result: [] };
    if ('error' in answer) return sendJson(res, answer.status, { status: 'error', errorType: answer.errorType, error: answer.error });
    sendJson(res, 200, { status: 'success', data: answer, ...(o.warnings ? { warnings: o.warnings } : {}) });
  };
  const server = await startHttpServer((req, res) => void handle(req, res));
  return Object.assign(server, { requests });
}
