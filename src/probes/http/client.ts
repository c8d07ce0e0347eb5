import { resolve } from 'node:path';
import type { Agent as HttpAgent, IncomingMessage } from 'node:http';
import type { SecureContext, TLSSocket } from 'node:tls';
import { z } from 'zod';
import { ProbeError } from '../../errors.js';
import { describeNetworkError, maskUrl } from '../../util/network-error.js';
import type { SharedClients } from '../shared.js';

/** Response bodies are kept up to this size; the rest is read and dropped. */
export const MAX_BODY = 1024 * 1024;

/** `auth:` of the http and prometheus probes: basic (`user`, `password`) or a bearer token. */
export const authSchema = z
  .strictObject({
    user: z.string().optional().describe('User name for HTTP basic authentication.'),
    password: z.string().optional().describe('Password for HTTP basic authentication (never printed).'),
    bearer: z.string().optional().describe('A token sent as `Authorization: Bearer <token>` (never printed).'),
  })
  .refine((a) => (a.bearer === undefined) !== (a.user === undefined && a.password === undefined), {
    message: 'give user and password for basic authentication, or bearer for a token, not both',
  })
  .optional()
  .describe('Credentials: `{ user, password }` for basic authentication or `{ bearer }` for a token. Never printed.');

export type Auth = z.output<typeof authSchema>;

/** What the peer's certificate looked like, for https URLs. */
export interface PeerTls {
  protocol: string | null;
  authorized: boolean;
  valid_to: string | null;
  days_remaining: number | null;
  issuer: string | null;
  subject: string | null;
}

export interface HttpAnswer {
  status: number;
  headers: Record<string, string>;
  body: string;
  tls: PeerTls | undefined;
}

export interface ClientOptions {
  insecure: boolean;
  /** Contents of a PEM file trusted besides the system roots. */
  ca: Buffer | undefined;
  /** Sockets kept open at once (one per concurrent request). */
  maxSockets: number;
  /** The run's shared clients: the secure context for `ca` is made once per run. */
  shared?: SharedClients | undefined;
}

/** Agents for one probe run: connections are reused between samples and closed by `close()`. */
export interface Client {
  request(url: URL, o: RequestOptions): Promise<HttpAnswer>;
  close(): void;
}

export interface RequestOptions {
  method: string;
  headers: Record<string, string>;
  body: string | undefined;
  signal: AbortSignal;
  /** Keep the body (the first sample) or read and drop it (the others). */
  keepBody: boolean;
}

/** Reads `ca_file` relative to the working directory; a missing file is a configuration error. */
export async function readCaFile(file: string | undefined, cwd: string): Promise<Buffer | undefined> {
  if (!file) return undefined;
  const { readFile } = await import('node:fs/promises');
  const path = resolve(cwd, file);
  return readFile(path).catch((e: NodeJS.ErrnoException) => {
    throw new ProbeError(`cannot read ca_file ${file}: ${e.code === 'ENOENT' ? 'no such file' : e.message}`);
  });
}

/**
 * A TLS context trusting the bundled root certificates and the PEM `ca`: made once per run and CA file, since
 * parsing the ~140 roots again costs ~50 ms of CPU each time.
 */
export async function trustedContext(ca: Buffer, shared: SharedClients | undefined): Promise<SecureContext> {
  const tls = await import('node:tls');
  const pem = ca.toString('utf8');
  const make = (): SecureContext => tls.createSecureContext({ ca: [...tls.rootCertificates, pem] });
  return shared && !shared.closed ? shared.get(`tls-ca ${pem}`, make, () => undefined) : make();
}

/** Parses a URL given to a probe; an invalid one is a configuration error that never shows a password. */
export function parseHttpUrl(text: string): URL {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new ProbeError(`not a valid URL: ${maskUrl(text)}`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new ProbeError(`unsupported URL scheme ${url.protocol} in ${maskUrl(text)}; expected http:// or https://`);
  }
  return url;
}

/** The Authorization header for `auth:`, or for a user and password written in the URL. */
export function authorizationHeader(auth: Auth, url: URL): string | undefined {
  if (auth?.bearer !== undefined) return `Bearer ${auth.bearer}`;
  if (auth && (auth.user !== undefined || auth.password !== undefined)) {
    return `Basic ${Buffer.from(`${auth.user ?? ''}:${auth.password ?? ''}`).toString('base64')}`;
  }
  if (url.username || url.password) {
    const user = decodeURIComponent(url.username);
    const password = decodeURIComponent(url.password);
    return `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;
  }
  return undefined;
}

/** Request headers that never carry credentials; every other `headers:` value is treated as a secret. */
const PLAIN_HEADERS =
  /^(?:accept(?:-[\w-]+)?|content-(?:type|language|encoding)|origin|referer|user-agent|cache-control|pragma|host|if-[\w-]+|x-requested-with|access-control-request-[\w-]+|range|connection|te|dnt)$/i;

/**
 * The secrets of an http-like probe's parameters: `auth.bearer`, `auth.password`, the base64 `user:password` of
 * basic authentication, and the value of every `headers:` entry but those that never carry credentials (Accept,
 * Content-Type, Origin, User-Agent…). Masked wherever a server echoes them.
 */
export function credentialValues(headers: Record<string, string>, auth: Auth, url: string): string[] {
  const out = Object.entries(headers)
    .filter(([name]) => !PLAIN_HEADERS.test(name.trim()))
    .map(([, value]) => value);
  if (auth?.bearer) out.push(auth.bearer);
  if (auth?.password) out.push(auth.password);
  let parsed: URL | undefined;
  try {
    parsed = new URL(url);
  } catch {
    parsed = undefined;
  }
  const header = parsed ? authorizationHeader(auth, parsed) : undefined;
  if (header?.startsWith('Basic ')) out.push(header.slice('Basic '.length));
  return out;
}

/** Creates the agents for one run. */
export async function createClient(o: ClientOptions): Promise<Client> {
  const http = await import('node:http');
  const https = await import('node:https');
  const secureContext = o.ca ? await trustedContext(o.ca, o.shared) : undefined;
  const agents = {
    'http:': new http.Agent({ keepAlive: true, maxSockets: o.maxSockets }),
    'https:': new https.Agent({
      keepAlive: true,
      maxSockets: o.maxSockets,
      rejectUnauthorized: !o.insecure,
      ...(secureContext ? { secureContext } : {}),
    }),
  };
  return {
    request: (url, r) => send(url, r, url.protocol === 'https:' ? https : http, agents[url.protocol as 'http:' | 'https:']),
    close: () => {
      agents['http:'].destroy();
      agents['https:'].destroy();
    },
  };
}

function send(
  url: URL,
  r: RequestOptions,
  mod: typeof import('node:http') | typeof import('node:https'),
  agent: HttpAgent,
): Promise<HttpAnswer> {
  const where = url.host;
  const target = new URL(url.href);
  target.username = '';
  target.password = '';
  return new Promise((resolve, reject) => {
    const req = mod.request(target, { method: r.method, headers: r.headers, signal: r.signal, agent }, (res) => {
      const tls = url.protocol === 'https:' ? peerTls(res.socket as TLSSocket) : undefined;
      const chunks: Buffer[] = [];
      let size = 0;
      res.on('data', (c: Buffer) => {
        if (r.keepBody && size < MAX_BODY) chunks.push(c);
        size += c.length;
      });
      res.on('end', () => {
        resolve({
          status: res.statusCode ?? 0,
          headers: flattenHeaders(res),
          body: r.keepBody ? Buffer.concat(chunks).toString('utf8').slice(0, MAX_BODY) : '',
          tls,
        });
      });
      res.on('error', (e) => reject(new Error(describeNetworkError(e, where))));
    });
    req.on('error', (e) => reject(new Error(describeNetworkError(e, where))));
    if (r.body !== undefined) req.write(r.body);
    req.end();
  });
}

function flattenHeaders(res: IncomingMessage): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(res.headers)) if (v !== undefined) out[k.toLowerCase()] = Array.isArray(v) ? v.join(', ') : v;
  return out;
}

function peerTls(socket: TLSSocket | null): PeerTls | undefined {
  if (!socket || typeof socket.getPeerCertificate !== 'function') return undefined;
  const cert = socket.getPeerCertificate();
  const validTo = cert?.valid_to ? new Date(cert.valid_to) : undefined;
  const ok = validTo && !Number.isNaN(validTo.getTime());
  return {
    protocol: socket.getProtocol() ?? null,
    authorized: socket.authorized,
    valid_to: ok ? validTo.toISOString() : null,
    days_remaining: ok ? daysUntil(validTo) : null,
    issuer: cert?.issuer ? formatName(cert.issuer) : null,
    subject: cert?.subject ? formatName(cert.subject) : null,
  };
}

/** Whole days from now until a date; negative once it has passed. */
export function daysUntil(date: Date, now = Date.now()): number {
  return Math.floor((date.getTime() - now) / 86_400_000);
}

/** A certificate name as `CN=api.example.com, O=Example`, the most specific part first. */
export function formatName(name: object): string {
  const order = ['CN', 'OU', 'O', 'L', 'ST', 'C'];
  const entries = Object.entries(name as Record<string, string | string[]>);
  entries.sort(([a], [b]) => (order.indexOf(a) + 1 || 99) - (order.indexOf(b) + 1 || 99));
  return entries.map(([k, v]) => `${k}=${Array.isArray(v) ? v.join('+') : v}`).join(', ');
}
