import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { isIP } from 'node:net';
import { loadChecklistFile } from '../checklist/load.js';
import type { LoadedChecklist, PlannedItem } from '../checklist/model.js';
import { SfdeployError, UsageError } from '../errors.js';
import type { RunLog } from '../runner/types.js';
import { currentHost, readGitState } from '../runlog/context.js';
import { openRunHistory } from '../runlog/history.js';
import { roleLabel, rolesFor } from '../signoff/approvals.js';
import { Assessor, type Target } from '../signoff/carry-over.js';
import type { RecordDraft } from '../signoff/chain.js';
import { parseSigner, type Signer } from '../signoff/identity.js';
import { rewrittenSince } from '../signoff/cross-check.js';
import { brokenLedgerWarning, type Ledger } from '../signoff/ledger.js';
import { S3Ledger } from '../signoff/s3-ledger.js';
import { openLedger } from '../signoff/open.js';
import { loadSignatureRules } from '../signoff/signature.js';
import { resolveTarget } from '../signoff/target.js';
import { createRedactor, type Redactor } from '../util/redact.js';
import type { Env } from '../util/env.js';
import { escapeMarkup as escapeHtml } from '../reporters/escape.js';
import { buildEnv } from './env-files.js';
import { displayPath, resolveChecklist, type CommandIO } from './io.js';

export interface ServeOptions {
  host: string;
  port: string;
  /** Addresses of the authenticating proxy: only requests from them are served, and only they may set the identity header. */
  trustedProxy: string[];
  /** The header the proxy sets to the signed-in user's email. Default `X-Forwarded-Email`. */
  identityHeader: string;
  release?: string | undefined;
  environment?: string | undefined;
  ledger?: string | undefined;
  logDir?: string | undefined;
  logStore?: string | undefined;
  envFile: string[];
  var: string[];
}

const BODY_LIMIT = 16 * 1024;
const FIELD_LIMIT = 4000;

/** A refusal with its HTTP status, shown as a short page. */
class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

/**
 * `sfdeploy serve <checklist>`: a small web page for one release. It shows the latest run and the ledger's state of
 * every manual item, and lets approvers confirm or decline pending items: the same ledger records as `sfdeploy
 * signoff`. It never authenticates anyone itself: each request must come from a `--trusted-proxy` address (the
 * team's oauth2-proxy, Cloudflare Access or IAP), which names the user in the identity header. Binds loopback by
 * default; runs until interrupted.
 */
export async function serve(ref: string, opts: ServeOptions, io: CommandIO): Promise<number> {
  const trusted = new Set(opts.trustedProxy.map((a) => normalizeAddress(a.trim())));
  if (!trusted.size) {
    throw new UsageError(
      'serve never authenticates anyone itself: put it behind an authenticating proxy and give --trusted-proxy ADDRESS (such as 127.0.0.1)',
    );
  }
  for (const a of trusted) if (!isIP(a)) throw new UsageError(`--trusted-proxy expects an IP address, got "${a}"`);
  const port = Number(opts.port);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new UsageError(`--port expects 0-65535, got "${opts.port}"`);
  const header = opts.identityHeader.trim().toLowerCase();
  if (!/^[a-z0-9-]+$/.test(header)) throw new UsageError(`--identity-header expects a header name, got "${opts.identityHeader}"`);

  const env = buildEnv(io.env, io.cwd, opts.envFile, opts.var);
  const checklist = await loadChecklistFile(resolveChecklist(ref, io.cwd), { cwd: io.cwd, env });
  const git = await readGitState(io.cwd);
  const redact = createRedactor(env, checklist.secretNames);
  const target: Target = { checklist: checklist.definition.id, ...resolveTarget(opts, env, git.describe, redact) };
  const ledger = openLedger(opts.ledger, env, io.cwd, { checklist: target.checklist });
  const secret = randomBytes(32);
  const app: App = { checklist, target, ledger, env, cwd: io.cwd, redact, secret, header, opts, host: currentHost() };

  const server = createServer((req, res) => {
    handle(app, trusted, req, res).catch((e: unknown) => {
      const status = e instanceof HttpError ? e.status : 500;
      const message = e instanceof HttpError || e instanceof SfdeployError ? e.message : 'internal error';
      if (!res.headersSent) sendPage(res, status, 'Refused', `<p class="error">${escapeHtml(redact(message))}</p>`);
      else res.destroy();
    });
  });
  server.headersTimeout = 5_000;
  server.requestTimeout = 10_000;
  server.keepAliveTimeout = 5_000;
  server.maxHeadersCount = 100;
  server.setTimeout(15_000, (socket) => socket.destroy());
  await listen(server, port, opts.host);
  const address = server.address();
  const bound = typeof address === 'object' && address ? address.port : port;
  const shownHost = opts.host.includes(':') ? `[${opts.host}]` : opts.host;
  io.stdout.write(
    `serving ${target.checklist} for ${target.release ?? 'no release'}${target.environment ? ` (${target.environment})` : ''} on http://${shownHost}:${bound}/ — identity from ${opts.identityHeader} set by ${[...trusted].join(', ')}; ledger ${displayPath(ledger.location, io.cwd)}\n`,
  );
  await new Promise<void>((resolve) => {
    if (io.signal.aborted) resolve();
    io.signal.addEventListener('abort', () => resolve(), { once: true });
  });
  server.closeAllConnections();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return 0;
}

interface App {
  checklist: LoadedChecklist;
  target: Target;
  ledger: Ledger;
  env: Env;
  cwd: string;
  redact: Redactor;
  secret: Buffer;
  header: string;
  opts: ServeOptions;
  host: string;
}

function listen(server: Server, port: number, host: string): Promise<void> {
  return new Promise((resolve, reject) => {
    server.once('error', (e: NodeJS.ErrnoException) =>
      reject(new SfdeployError('E_SERVE', `cannot listen on ${host}:${port}: ${e.code ?? e.message}`)),
    );
    server.listen(port, host, () => resolve());
  });
}

const normalizeAddress = (a: string): string => (a.startsWith('::ffff:') && isIP(a.slice(7)) === 4 ? a.slice(7) : a);

/** Who the proxy says the user is; refuses requests that do not come from it, or that it did not name. */
function identify(app: App, trusted: ReadonlySet<string>, req: IncomingMessage): Signer {
  const from = normalizeAddress(req.socket.remoteAddress ?? '');
  if (!trusted.has(from)) {
    throw new HttpError(403, `requests are served only through the authenticating proxy (${[...trusted].join(', ')}), not from ${from}`);
  }
  const value = req.headers[app.header];
  const text = Array.isArray(value) ? undefined : value?.trim();
  const signer = text ? parseSigner(text) : undefined;
  if (!signer?.email || signer.email !== text) {
    throw new HttpError(401, `no identity: the proxy must set ${app.opts.identityHeader} to the signed-in user's email`);
  }
  return signer;
}

async function handle(app: App, trusted: ReadonlySet<string>, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const signer = identify(app, trusted, req);
  const url = new URL(req.url ?? '/', 'http://localhost');
  if (url.pathname === '/' && (req.method === 'GET' || req.method === 'HEAD')) {
    const notice = url.searchParams.get('done');
    return sendPage(res, 200, app.checklist.definition.title, await renderState(app, signer, notice));
  }
  if (url.pathname === '/signoff' && req.method === 'POST') {
    checkSameOrigin(req);
    const form = await readForm(req);
    if (!validToken(app, signer, form.get('token') ?? ''))
      throw new HttpError(403, 'the form is stale or was not sent by this page: reload it');
    const item = await record(app, signer, form);
    res.writeHead(303, { Location: `/?done=${encodeURIComponent(item)}`, 'Cache-Control': 'no-store' });
    res.end();
    return;
  }
  if (url.pathname === '/' || url.pathname === '/signoff') throw new HttpError(405, `${req.method ?? ''} is not allowed here`);
  throw new HttpError(404, 'no such page');
}

/** Cross-site requests are refused: the browser's Origin (and Sec-Fetch-Site) must name this very site. */
function checkSameOrigin(req: IncomingMessage): void {
  const site = req.headers['sec-fetch-site'];
  if (site !== undefined && site !== 'same-origin')
    throw new HttpError(403, `cross-site form posts are refused (Sec-Fetch-Site: ${String(site)})`);
  const origin = req.headers.origin;
  const forwarded = req.headers['x-forwarded-host'];
  const host = (typeof forwarded === 'string' && forwarded) || req.headers.host;
  let originHost: string | undefined;
  try {
    originHost = origin ? new URL(origin).host : undefined;
  } catch {
    originHost = undefined;
  }
  if (!originHost || !host || originHost !== host)
    throw new HttpError(403, 'cross-site form posts are refused (the Origin is not this site)');
}

function readForm(req: IncomingMessage): Promise<URLSearchParams> {
  const type = (req.headers['content-type'] ?? '').split(';')[0]!.trim().toLowerCase();
  if (type !== 'application/x-www-form-urlencoded')
    return Promise.reject(new HttpError(415, 'expected a form (application/x-www-form-urlencoded)'));
  const length = Number(req.headers['content-length'] ?? 0);
  if (length > BODY_LIMIT) return Promise.reject(new HttpError(413, `the form is larger than ${BODY_LIMIT} bytes`));
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > BODY_LIMIT) {
        reject(new HttpError(413, `the form is larger than ${BODY_LIMIT} bytes`));
        req.destroy();
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () => resolve(new URLSearchParams(Buffer.concat(chunks).toString('utf8'))));
    req.on('error', reject);
  });
}

const tokenFor = (app: App, signer: Signer): string =>
  createHmac('sha256', app.secret)
    .update(`signoff\n${signer.email ?? ''}\n${app.target.release ?? ''}\n${app.target.environment ?? ''}`)
    .digest('hex');

function validToken(app: App, signer: Signer, token: string): boolean {
  const expected = Buffer.from(tokenFor(app, signer));
  const given = Buffer.from(token);
  return given.length === expected.length && timingSafeEqual(given, expected);
}

const field = (form: URLSearchParams, name: string): string => {
  const v = (form.get(name) ?? '').trim();
  if (v.length > FIELD_LIMIT) throw new HttpError(400, `${name} is longer than ${FIELD_LIMIT} characters`);
  return v;
};

/** Validates the form like `sfdeploy signoff` does and appends the record; returns the item id. */
async function record(app: App, signer: Signer, form: URLSearchParams): Promise<string> {
  const { checklist, target } = app;
  const roles = checklist.definition.roles;
  const id = field(form, 'item');
  const item = checklist.items.find((i) => i.id === id && i.manual);
  if (!item) throw new HttpError(400, `no manual item "${id}" in ${target.checklist}`);
  if (!item.enabled) throw new HttpError(400, `${id} is not required: ${item.whenReason ?? 'when: is false'}`);
  const decision = field(form, 'decision');
  if (decision !== 'confirm' && decision !== 'decline') throw new HttpError(400, 'decision must be confirm or decline');
  const wanted = field(form, 'role') || undefined;
  const choice = rolesFor(item, roles, signer, wanted);
  if (!choice.ok) throw new HttpError(403, `rejected: ${choice.reason}`);
  if (choice.roles.length > 1) throw new HttpError(400, `${id} can be signed as several roles: choose one`);
  const role = choice.roles[0] ?? null;
  const note = field(form, 'note');
  const reason = field(form, 'reason');
  const evidence = field(form, 'evidence');
  if (decision === 'decline' && !reason) throw new HttpError(400, 'a decline needs a reason');
  if (decision === 'confirm' && item.manual?.evidence === 'required' && !note && !evidence) {
    throw new HttpError(400, `${id} requires evidence: a URL or a note on what you checked`);
  }
  const snapshot = await app.ledger.read();
  const rewritten = await rewrittenSince(
    app.ledger,
    snapshot.records,
    (await openRunHistory(app.opts, app.env, app.cwd).read()).runs,
    shownLedger(app),
  );
  if (rewritten) throw new HttpError(409, `rejected: ${rewritten.reason}`);
  const rules = await loadSignatureRules(checklist, snapshot.records, app.env, app.cwd, target);
  if (rules.requires(role)) {
    throw new HttpError(
      403,
      `rejected: ${rules.describe(role)} accepts only signed sign-offs, which a browser cannot make: sign in a terminal with \`sfdeploy signoff ${target.checklist} ${id} --signing-key …\``,
    );
  }
  const draft: RecordDraft = {
    checklist: target.checklist,
    item: id,
    definitionHash: item.definitionHash,
    release: target.release,
    environment: target.environment,
    decision: decision === 'confirm' ? 'confirmed' : 'declined',
    signer: signer.display,
    role,
    note: note ? app.redact(note) : null,
    reason: decision === 'decline' ? app.redact(reason) : null,
    evidence: evidence ? app.redact(evidence) : null,
    at: new Date().toISOString(),
    host: app.host,
  };
  await app.ledger.append((current) => {
    if (draft.decision === 'confirmed') {
      const conflict = new Assessor(checklist, target, current.records, () => new Date(), rules).conflict(item, signer);
      if (conflict) throw new HttpError(403, `rejected: ${conflict}`);
    }
    return [draft];
  });
  return id;
}

/** The ledger as messages name it: its path relative to the working directory, or its S3 location. */
const shownLedger = (app: App): string =>
  app.ledger instanceof S3Ledger ? app.ledger.location : displayPath(app.ledger.location, app.cwd);

/** The page: the latest run of this checklist and release, and every manual item as the ledger sees it now. */
async function renderState(app: App, signer: Signer, done: string | null): Promise<string> {
  const { checklist, target } = app;
  const roles = checklist.definition.roles;
  const snapshot = await app.ledger.read();
  const rules = await loadSignatureRules(checklist, snapshot.records, app.env, app.cwd, target);
  const assessor = new Assessor(checklist, target, snapshot.records, () => new Date(), rules);
  const { runs } = await openRunHistory(app.opts, app.env, app.cwd).read();
  const run = runs.find(
    (r) => r.checklist.id === target.checklist && r.context.release === target.release && r.context.environment === target.environment,
  );
  const out: string[] = [];
  out.push(
    `<p class="who">Signed in as <strong>${escapeHtml(signer.display)}</strong> · release <strong>${escapeHtml(target.release ?? 'none')}</strong>${target.environment ? ` · ${escapeHtml(target.environment)}` : ''}</p>`,
  );
  const warning = brokenLedgerWarning(snapshot, displayPath(app.ledger.location, app.cwd));
  if (warning) out.push(`<p class="error">${escapeHtml(warning.trim())}</p>`);
  const rewritten = await rewrittenSince(app.ledger, snapshot.records, runs, shownLedger(app));
  if (rewritten) {
    out.push(`<p class="error" role="alert">${escapeHtml(rewritten.reason)}</p>`);
    out.push(`<ul class="error">${rewritten.lines.map((l) => `<li>${escapeHtml(l)}</li>`).join('')}</ul>`);
  }
  if (done) out.push(`<p class="done" role="status">Recorded your sign-off of ${escapeHtml(done)}.</p>`);
  out.push(renderRun(run));
  const token = tokenFor(app, signer);
  let section = '';
  for (const item of checklist.items.filter((i) => i.manual)) {
    if (item.section.title !== section) {
      if (section) out.push('</ul>');
      section = item.section.title;
      out.push(`<h2>${escapeHtml(section)}</h2><ul class="items">`);
    }
    out.push(
      rewritten
        ? `<li class="refused" data-item="${escapeHtml(item.id)}" data-status="pending"><strong>${escapeHtml(item.title)}</strong> <code>${escapeHtml(item.id)}</code> — not decided: this ledger's sign-offs are not reused</li>`
        : renderItem(item, assessor, roles, signer, token, rules.requires.bind(rules), rules.describe.bind(rules)),
    );
  }
  if (section) out.push('</ul>');
  return out.join('\n');
}

function renderRun(run: RunLog | undefined): string {
  if (!run) return '<p class="run">No run of this checklist for this release yet (<code>sfdeploy check</code> records one).</p>';
  const failing = run.items.filter((i) => i.status === 'fail' || i.status === 'error');
  const list = failing.length
    ? `<ul class="failing">${failing.map((i) => `<li><strong>${escapeHtml(i.id)}</strong> ${escapeHtml(i.status)}: ${escapeHtml(i.message)}</li>`).join('')}</ul>`
    : '';
  return `<p class="run">Latest run <code>${escapeHtml(run.runId)}</code> at ${escapeHtml(run.startedAt)}: <strong class="verdict-${escapeHtml(run.summary.verdict)}">${escapeHtml(run.summary.verdict)}</strong> (exit ${run.summary.exitCode})${failing.length ? `, ${failing.length} failing` : ''}</p>${list}`;
}

function renderItem(
  item: PlannedItem,
  assessor: Assessor,
  roles: LoadedChecklist['definition']['roles'],
  signer: Signer,
  token: string,
  requires: (role: string | null) => boolean,
  describe: (role: string | null) => string,
): string {
  const head = `<strong>${escapeHtml(item.title)}</strong> <code>${escapeHtml(item.id)}</code>`;
  if (!item.enabled)
    return `<li class="not-required" data-item="${escapeHtml(item.id)}">${head} — not required: ${escapeHtml(item.whenReason ?? '')}</li>`;
  const a = assessor.assess(item);
  if (a.status === 'signed' || a.status === 'declined') {
    const r = a.record;
    const as = r.role ? ` as ${escapeHtml(roleLabel(roles, r.role))}` : '';
    const text =
      a.status === 'signed'
        ? `signed by ${escapeHtml(r.signer)}${as} at ${escapeHtml(r.at)}${r.note ? ` — ${escapeHtml(r.note)}` : ''}`
        : `declined by ${escapeHtml(r.signer)}${as} at ${escapeHtml(r.at)}: ${escapeHtml(r.reason ?? '')}`;
    return `<li class="${a.status}" data-item="${escapeHtml(item.id)}" data-status="${a.status}">${head} — ${text}</li>`;
  }
  const m = item.manual!;
  const parts = [`<li class="pending" data-item="${escapeHtml(item.id)}" data-status="pending">${head} — pending: ${escapeHtml(a.reason)}`];
  parts.push(`<p class="instructions">${escapeHtml(m.instructions)}</p>`);
  if (m.commands.length) parts.push(`<pre>${m.commands.map((c) => `$ ${escapeHtml(c)}`).join('\n')}</pre>`);
  if (m.links.length) {
    parts.push(
      `<ul class="links">${m.links.map((l) => (/^https?:\/\//i.test(l) ? `<li><a href="${escapeHtml(l)}" rel="noreferrer">${escapeHtml(l)}</a></li>` : `<li>${escapeHtml(l)}</li>`)).join('')}</ul>`,
    );
  }
  const choice = rolesFor(item, roles, signer, undefined);
  if (!choice.ok) {
    parts.push(`<p class="refused">You cannot sign this item: ${escapeHtml(choice.reason)}</p></li>`);
    return parts.join('');
  }
  const needsKey = choice.roles.find((r) => requires(r));
  if (needsKey !== undefined) {
    parts.push(
      `<p class="refused">${escapeHtml(describe(needsKey))} accepts only SSH-signed sign-offs: sign in a terminal with <code>sfdeploy signoff … ${escapeHtml(item.id)} --signing-key …</code></p></li>`,
    );
    return parts.join('');
  }
  const roleField =
    choice.roles.length > 1
      ? `<label>Role <select name="role">${choice.roles.map((r) => `<option value="${escapeHtml(r!)}">${escapeHtml(roleLabel(roles, r!))}</option>`).join('')}</select></label>`
      : choice.roles[0]
        ? `<input type="hidden" name="role" value="${escapeHtml(choice.roles[0])}">`
        : '';
  const hidden = `<input type="hidden" name="token" value="${token}"><input type="hidden" name="item" value="${escapeHtml(item.id)}">${roleField}`;
  const evidence = m.evidence === 'required' ? ' required' : '';
  parts.push(
    `<form method="post" action="/signoff" class="confirm" data-item="${escapeHtml(item.id)}">${hidden}<input type="hidden" name="decision" value="confirm"><label>Note <input name="note" maxlength="${FIELD_LIMIT}"></label><label>Evidence URL <input name="evidence" maxlength="${FIELD_LIMIT}"${evidence}></label><button type="submit">Confirm — I checked it</button></form>`,
  );
  parts.push(
    `<form method="post" action="/signoff" class="decline" data-item="${escapeHtml(item.id)}">${hidden}<input type="hidden" name="decision" value="decline"><label>Reason <input name="reason" maxlength="${FIELD_LIMIT}" required></label><button type="submit">Decline — it is not done</button></form></li>`,
  );
  return parts.join('');
}

const STYLE =
  'body{font:15px/1.45 system-ui,sans-serif;max-width:60rem;margin:2rem auto;padding:0 1rem;color:#222}code,pre{font-family:ui-monospace,monospace}pre{background:#f4f4f4;padding:.5rem}li{margin:.6rem 0}.signed{color:#075}.declined,.error,.refused{color:#a00}.done{background:#e8f6ee;padding:.5rem}form{display:flex;gap:.5rem;flex-wrap:wrap;margin:.3rem 0}label{display:flex;gap:.3rem;align-items:center}';

function sendPage(res: ServerResponse, status: number, title: string, body: string): void {
  const html = `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1"><title>${escapeHtml(title)} · sfdeploy</title><style>${STYLE}</style></head><body><h1>${escapeHtml(title)}</h1>\n${body}\n</body></html>\n`;
  res.writeHead(status, {
    'Content-Type': 'text/html; charset=utf-8',
    'Content-Length': Buffer.byteLength(html),
    'Content-Security-Policy': "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
    'X-Frame-Options': 'DENY',
    'X-Content-Type-Options': 'nosniff',
    'Referrer-Policy': 'same-origin',
    'Cache-Control': 'no-store',
  });
  res.end(html);
}
