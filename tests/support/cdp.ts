import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Readable, Writable } from 'node:stream';
import { HEADLESS_FLAGS } from './chromium.js';

/**
 * Headless Chromium driven over the DevTools protocol on a pipe (`--remote-debugging-pipe`: commands on fd 3,
 * answers and events on fd 4, NUL-separated JSON), so a test can load a page, fill and submit its forms like a user.
 */
export interface Browser {
  /** Loads a URL in the page and waits for its load event. */
  goto(url: string): Promise<void>;
  /** Evaluates an expression in the page and returns its value (JSON). */
  evaluate<T>(expression: string): Promise<T>;
  /** Runs an expression that submits a form, and waits for the page it leads to. */
  submit(expression: string): Promise<void>;
  close(): Promise<void>;
}

interface Message {
  id?: number;
  method?: string;
  sessionId?: string;
  result?: unknown;
  error?: { message: string };
}

export async function launchBrowser(binary: string, timeoutMs = 20_000): Promise<Browser> {
  const profile = mkdtempSync(join(tmpdir(), 'sfdeploy-chromium-'));
  const child: ChildProcess = spawn(binary, [...HEADLESS_FLAGS, `--user-data-dir=${profile}`, '--remote-debugging-pipe', 'about:blank'], {
    stdio: ['ignore', 'ignore', 'ignore', 'pipe', 'pipe'],
  });
  const input = child.stdio[3] as Writable;
  const output = child.stdio[4] as Readable;
  let nextId = 1;
  const waiting = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void }>();
  const listeners: ((m: Message) => void)[] = [];
  let buffer = '';
  output.on('data', (chunk: Buffer) => {
    buffer += chunk.toString('utf8');
    let end: number;
    while ((end = buffer.indexOf('\0')) >= 0) {
      const m = JSON.parse(buffer.slice(0, end)) as Message;
      buffer = buffer.slice(end + 1);
      if (m.id !== undefined && waiting.has(m.id)) {
        const w = waiting.get(m.id)!;
        waiting.delete(m.id);
        if (m.error) w.reject(new Error(m.error.message));
        else w.resolve(m.result);
      } else for (const l of [...listeners]) l(m);
    }
  });
  const closed = new Promise<void>((resolve) => child.on('close', () => resolve()));
  const send = <T>(method: string, params: object = {}, sessionId?: string): Promise<T> =>
    new Promise<T>((resolve, reject) => {
      const id = nextId++;
      const timer = setTimeout(() => {
        waiting.delete(id);
        reject(new Error(`Chromium did not answer ${method} within ${timeoutMs} ms`));
      }, timeoutMs);
      waiting.set(id, {
        resolve: (v) => {
          clearTimeout(timer);
          resolve(v as T);
        },
        reject: (e) => {
          clearTimeout(timer);
          reject(e);
        },
      });
      input.write(`${JSON.stringify({ id, method, params, ...(sessionId ? { sessionId } : {}) })}\0`);
    });
  const event = (method: string, sessionId: string): Promise<void> =>
    new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        listeners.splice(listeners.indexOf(l), 1);
        reject(new Error(`no ${method} within ${timeoutMs} ms`));
      }, timeoutMs);
      const l = (m: Message): void => {
        if (m.method !== method || m.sessionId !== sessionId) return;
        clearTimeout(timer);
        listeners.splice(listeners.indexOf(l), 1);
        resolve();
      };
      listeners.push(l);
    });

  const { targetInfos } = await send<{ targetInfos: { targetId: string; type: string }[] }>('Target.getTargets');
  let page = targetInfos.find((t) => t.type === 'page')?.targetId;
  page ??= (await send<{ targetId: string }>('Target.createTarget', { url: 'about:blank' })).targetId;
  const { sessionId } = await send<{ sessionId: string }>('Target.attachToTarget', { targetId: page, flatten: true });
  await send('Page.enable', {}, sessionId);

  const evaluate = async <T>(expression: string): Promise<T> => {
    const r = await send<{ result: { value?: T }; exceptionDetails?: { text: string; exception?: { description?: string } } }>(
      'Runtime.evaluate',
      { expression, returnByValue: true, awaitPromise: true },
      sessionId,
    );
    if (r.exceptionDetails) throw new Error(`in the page: ${r.exceptionDetails.exception?.description ?? r.exceptionDetails.text}`);
    return r.result.value as T;
  };
  return {
    async goto(url) {
      const loaded = event('Page.loadEventFired', sessionId);
      await send('Page.navigate', { url }, sessionId);
      await loaded;
    },
    evaluate,
    async submit(expression) {
      const loaded = event('Page.loadEventFired', sessionId);
      await evaluate(expression);
      await loaded;
    },
    async close() {
      await send('Browser.close').catch(() => undefined);
      const timer = setTimeout(() => child.kill('SIGKILL'), 5_000);
      await closed;
      clearTimeout(timer);
      rmSync(profile, { recursive: true, force: true });
    },
  };
}
