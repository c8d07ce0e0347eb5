import { readBody, startHttpServer, type TestHttpServer } from './http-server.js';

export interface ReceivedHook {
  path: string;
  contentType: string | undefined;
  body: unknown;
}

export interface WebhookReceiver extends TestHttpServer {
  /** Every request, in arrival order, its JSON body parsed. */
  received: ReceivedHook[];
}

/**
 * A webhook receiver on 127.0.0.1. `answer` decides per request path: an HTTP status to send, or `hang` to read the
 * request and never answer (the client's timeout must end it).
 */
export async function startWebhookReceiver(answer: (path: string) => number | 'hang' = () => 200): Promise<WebhookReceiver> {
  const received: ReceivedHook[] = [];
  const server = await startHttpServer((req, res) => {
    void readBody(req).then((text) => {
      let body: unknown = text;
      try {
        body = JSON.parse(text);
      } catch {
        // kept as text: the test will say it is not JSON
      }
      const path = req.url ?? '/';
      received.push({ path, contentType: req.headers['content-type'], body });
      const a = answer(path);
      if (a === 'hang') return;
      res.statusCode = a;
      res.end(a === 200 ? 'ok' : 'receiver error');
    });
  });
  return { ...server, received };
}
