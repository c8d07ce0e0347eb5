import type { IncomingMessage, ServerResponse } from 'node:http';
import { sendJson } from './http-server.js';

/**
 * The health routes of the Social Flow backend (FastAPI), as that app answers them: the router's `/health/`
 * route answers a fixed healthy body; the slashless `/health` gets Starlette's 307 to `/health/`; `/ready` and
 * `/detailed` answer HTTP 200 whatever the dependencies do, with the truth in the body.
 */
export interface FastApiHealth {
  /** Each dependency's state; the readiness route reports database and redis, the detailed one all of them. */
  deps: Record<'database' | 'redis' | 'celery' | 's3' | 'ml_models', 'healthy' | 'unhealthy'>;
  /** Answers a health route (the API prefix included), or returns false for any other path. */
  handle(req: IncomingMessage, res: ServerResponse, headers?: Record<string, string>): boolean;
}

export function fastApiHealth(prefix = '/api/v1'): FastApiHealth {
  const deps: FastApiHealth['deps'] = { database: 'healthy', redis: 'healthy', celery: 'healthy', s3: 'healthy', ml_models: 'healthy' };
  const info = (name: keyof typeof deps) =>
    deps[name] === 'healthy' ? { status: 'healthy', latency_ms: 1.3 } : { status: 'unhealthy', error: `${name} connection refused` };
  const report = (names: (keyof typeof deps)[]) => Object.fromEntries(names.map((n) => [n, info(n)]));
  const timestamp = () => new Date().toISOString();
  return {
    deps,
    handle(req, res, headers = {}) {
      const url = new URL(req.url ?? '/', 'http://x');
      const path = url.pathname;
      if (path === `${prefix}/health`) {
        res.writeHead(307, { ...headers, location: `${prefix}/health/${url.search}` });
        res.end();
        return true;
      }
      if (path === `${prefix}/health/`) {
        sendJson(res, 200, { status: 'healthy', service: 'social-flow-backend', timestamp: timestamp() }, headers);
        return true;
      }
      if (path === `${prefix}/health/ready`) {
        const checks = report(['database', 'redis']);
        const ok = Object.values(checks).every((c) => c.status === 'healthy');
        sendJson(res, 200, { status: ok ? 'ready' : 'not_ready', checks, timestamp: timestamp() }, headers);
        return true;
      }
      if (path === `${prefix}/health/detailed`) {
        const checks = report(['database', 'redis', 'celery', 's3', 'ml_models']);
        const ok = Object.values(checks).every((c) => c.status === 'healthy');
        sendJson(res, 200, { status: ok ? 'healthy' : 'degraded', checks, timestamp: timestamp() }, headers);
        return true;
      }
      return false;
    },
  };
}
