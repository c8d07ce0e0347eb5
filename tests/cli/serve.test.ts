import { request, type IncomingHttpHeaders } from 'node:http';
import { afterEach, describe, expect, it } from 'vitest';
import { runCli, startCli } from '../support/cli.js';
import { launchBrowser, type Browser } from '../support/cdp.js';
import { findChromium } from '../support/chromium.js';
import { startHttpServer } from '../support/http-server.js';
import { forgeDeclines, readLedger, signoffScenario } from '../support/signoff.js';

const TARGET = ['--release', 'v1.2.0', '--environment', 'production'];

let s: ReturnType<typeof signoffScenario>;
const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const f of cleanups.splice(0).reverse()) await f();
  s?.remove();
});

/** `sfdeploy serve` as a child process; resolves with its port once it says it is serving. */
async function startServe(args: string[]): Promise<{ port: number; output: () => string }> {
  const serve = startCli(['serve', 'checklist.yaml', '--port', '0', '--log-dir', 'runs', ...TARGET, ...args], {
    cwd: s.dir,
    timeoutMs: 120_000,
  });
  cleanups.push(async () => {
    serve.kill('SIGTERM');
    await serve.done;
  });
  const serving = /on http:\/\/127\.0\.0\.1:(\d+)\//;
  await serve.waitFor(serving).catch(() => {
    throw new Error(`serve did not start: ${serve.stdout()}${serve.stderr()}`);
  });
  return { port: Number(serving.exec(serve.stdout())![1]), output: () => serve.stdout() + serve.stderr() };
}

/** The authenticating proxy in front of serve: it sets X-Forwarded-Email to who it says signed in (dropping any the client sent). */
async function startProxy(upstream: number, email: () => string | undefined): Promise<number> {
  const server = await startHttpServer((req, res) => {
    const headers: IncomingHttpHeaders = { ...req.headers };
    delete headers['x-forwarded-email'];
    const who = email();
    if (who) headers['x-forwarded-email'] = who;
    const up = request({ host: '127.0.0.1', port: upstream, method: req.method, path: req.url, headers }, (r) => {
      res.writeHead(r.statusCode ?? 502, r.headers);
      r.pipe(res);
    });
    up.on('error', () => res.destroy());
    req.pipe(up);
  });
  cleanups.push(() => server.close());
  return server.port;
}

/** One plain HTTP request, for what a browser would not send. */
function send(
  port: number,
  o: { method?: string; path?: string; headers?: Record<string, string>; body?: string } = {},
): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request(
      { host: '127.0.0.1', port, method: o.method ?? 'GET', path: o.path ?? '/', headers: { Connection: 'close', ...o.headers } },
      (res) => {
        let body = '';
        res.on('data', (d: Buffer) => (body += d.toString()));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
      },
    );
    req.on('error', reject);
    req.end(o.body);
  });
}

const statuses = async (): Promise<string[]> => {
  const r = await runCli(['status', 'checklist.yaml', ...TARGET, '--json'], { cwd: s.dir });
  return (JSON.parse(r.stdout) as { items: { status: string }[] }).items.map((i) => i.status);
};

describe('sfdeploy serve: sign-off in a browser, behind an authenticating proxy', () => {
  it('renders the release, takes a sign-off through the form that status and check --ci then see', async () => {
    s = signoffScenario('browser-release');
    expect((await runCli(['check', 'checklist.yaml', '--ci', '--log-dir', 'runs', ...TARGET], { cwd: s.dir })).code).toBe(3);
    const serve = await startServe(['--trusted-proxy', '127.0.0.1']);
    let who: string | undefined = 'ana@example.com';
    const proxy = await startProxy(serve.port, () => who);
    const browser: Browser = await launchBrowser(findChromium());
    cleanups.push(() => browser.close());
    const base = `http://127.0.0.1:${proxy}/`;

    await browser.goto(base);
    const page = await browser.evaluate<{ title: string; who: string; run: string; items: string[][]; instructions: string }>(`({
      title: document.title,
      who: document.querySelector('.who').textContent,
      run: document.querySelector('.run').textContent,
      items: [...document.querySelectorAll('li[data-item]')].map((li) => [li.dataset.item, li.dataset.status]),
      instructions: document.querySelector('li[data-item="release-notes"] .instructions').textContent,
    })`);
    expect(page.title).toBe('Browser release · sfdeploy');
    expect(page.who).toContain('Signed in as ana@example.com · release v1.2.0 · production');
    expect(page.run).toMatch(/^Latest run \S+ at \S+: pending \(exit 3\)/);
    expect(page.items).toEqual([
      ['release-notes', 'pending'],
      ['approval-cto', 'pending'],
    ]);
    expect(page.instructions).toBe('Check the release notes <for v1.2.0> are published & linked.');

    // A note with markup is kept as text, never rendered.
    await browser.submit(`
      const form = document.querySelector('form.confirm[data-item="release-notes"]');
      form.querySelector('input[name=note]').value = '<b>read them</b>';
      form.requestSubmit();`);
    const after = await browser.evaluate<{ url: string; done: string; item: string; bold: number }>(`({
      url: location.href,
      done: document.querySelector('.done').textContent,
      item: document.querySelector('li[data-item="release-notes"]').textContent,
      bold: document.querySelectorAll('b').length,
    })`);
    expect(after.url).toBe(`${base}?done=release-notes`);
    expect(after.done).toBe('Recorded your sign-off of release-notes.');
    expect(after.item).toContain('signed by ana@example.com');
    expect(after.item).toContain('— <b>read them</b>');
    expect(after.bold).toBe(0);

    // Bob may not sign as CTO: the page says so and offers no form.
    who = 'bob@example.com';
    await browser.goto(base);
    expect(
      await browser.evaluate<[string, number]>(
        `[document.querySelector('li[data-item="approval-cto"] .refused').textContent, document.querySelectorAll('form[data-item="approval-cto"]').length]`,
      ),
    ).toEqual(['You cannot sign this item: bob@example.com may not sign as CTO (cto): only ana@example.com may', 0]);

    who = 'ana@example.com';
    await browser.goto(base);
    await browser.submit(`document.querySelector('form.confirm[data-item="approval-cto"]').requestSubmit()`);
    expect(await browser.evaluate<string>(`document.querySelector('li[data-item="approval-cto"]').dataset.status`)).toBe('signed');

    const status = JSON.parse((await runCli(['status', 'checklist.yaml', ...TARGET, '--json'], { cwd: s.dir })).stdout) as {
      items: { id: string; status: string; signer: string; role: string | null; note: string | null }[];
    };
    expect(status.items.map((i) => [i.id, i.status, i.signer, i.role, i.note])).toEqual([
      ['release-notes', 'signed', 'ana@example.com', null, '<b>read them</b>'],
      ['approval-cto', 'signed', 'ana@example.com', 'cto', null],
    ]);
    const gate = await runCli(['check', 'checklist.yaml', '--ci', '--log-dir', 'runs', ...TARGET], { cwd: s.dir });
    expect(gate.code).toBe(0);
    await browser.goto(base);
    expect(await browser.evaluate<string>(`document.querySelector('.run').textContent`)).toMatch(/: passed \(exit 0\)/);
  }, 90_000);

  it('refuses requests without the identity header, from an untrusted address, and cross-site or tokenless posts', async () => {
    s = signoffScenario('browser-release');
    const serve = await startServe(['--trusted-proxy', '127.0.0.1']);
    // Straight to serve from 127.0.0.1 but without the header the proxy sets.
    const bare = await send(serve.port);
    expect(bare.status).toBe(401);
    expect(bare.body).toContain('no identity: the proxy must set X-Forwarded-Email');
    expect((await send(serve.port, { headers: { 'X-Forwarded-Email': 'ana@example.com, bob@example.com' } })).status).toBe(401);

    const elsewhere = await startServe(['--trusted-proxy', '10.9.8.7']);
    const untrusted = await send(elsewhere.port, { headers: { 'X-Forwarded-Email': 'ana@example.com' } });
    expect(untrusted.status).toBe(403);
    expect(untrusted.body).toContain('requests are served only through the authenticating proxy (10.9.8.7), not from 127.0.0.1');

    const proxy = await startProxy(serve.port, () => 'ana@example.com');
    const page = await send(proxy);
    expect(page.status).toBe(200);
    const token = /name="token" value="([0-9a-f]{64})"/.exec(page.body)![1]!;
    const form = (extra: Record<string, string>): string =>
      new URLSearchParams({ item: 'release-notes', decision: 'confirm', ...extra }).toString();
    const post = (headers: Record<string, string>, body: string) =>
      send(proxy, { method: 'POST', path: '/signoff', headers: { 'Content-Type': 'application/x-www-form-urlencoded', ...headers }, body });
    const origin = `http://127.0.0.1:${proxy}`;
    const crossSite = await post({ Origin: 'https://evil.example' }, form({ token }));
    expect(crossSite.status).toBe(403);
    expect(crossSite.body).toContain('cross-site form posts are refused');
    expect((await post({ Origin: origin, 'Sec-Fetch-Site': 'cross-site' }, form({ token }))).status).toBe(403);
    expect((await post({}, form({ token }))).status).toBe(403);
    const tokenless = await post({ Origin: origin }, form({}));
    expect(tokenless.status).toBe(403);
    expect(tokenless.body).toContain('the form is stale or was not sent by this page');
    expect((await post({ Origin: origin }, form({ token, note: 'x'.repeat(20_000) }))).status).toBe(413);
    expect(await statuses()).toEqual(['pending', 'pending']);
    // The same post, same-origin with the page's token, is accepted.
    expect((await post({ Origin: origin }, form({ token }))).status).toBe(303);
    expect(await statuses()).toEqual(['signed', 'pending']);
    // A decline needs a reason; with one it is recorded, and fails the gate.
    const decline = (extra: Record<string, string>) =>
      post({ Origin: origin }, new URLSearchParams({ token, item: 'approval-cto', decision: 'decline', role: 'cto', ...extra }).toString());
    const noReason = await decline({});
    expect(noReason.status).toBe(400);
    expect(noReason.body).toContain('a decline needs a reason');
    expect((await decline({ reason: 'the <script> is not reviewed' })).status).toBe(303);
    expect(await statuses()).toEqual(['signed', 'declined']);
    const shown = await send(proxy);
    expect(shown.body).toContain('declined by ana@example.com as CTO (cto)');
    expect(shown.body).toContain('the &lt;script&gt; is not reviewed');
    expect((await runCli(['check', 'checklist.yaml', '--ci', '--log-dir', 'runs', ...TARGET], { cwd: s.dir })).code).toBe(1);
  }, 60_000);

  it('a cross-site page in the browser cannot post a sign-off, even with a valid token', async () => {
    s = signoffScenario('browser-release');
    const serve = await startServe(['--trusted-proxy', '127.0.0.1']);
    const proxy = await startProxy(serve.port, () => 'ana@example.com');
    const token = /name="token" value="([0-9a-f]{64})"/.exec((await send(proxy)).body)![1]!;
    const evil = await startHttpServer((_req, res) => {
      res.writeHead(200, { 'Content-Type': 'text/html' });
      res.end(
        `<form method="post" action="http://127.0.0.1:${proxy}/signoff"><input name="token" value="${token}"><input name="item" value="release-notes"><input name="decision" value="confirm"></form>`,
      );
    });
    cleanups.push(() => evil.close());
    const browser = await launchBrowser(findChromium());
    cleanups.push(() => browser.close());
    await browser.goto(`${evil.url}/`);
    await browser.submit(`document.querySelector('form').submit()`);
    expect(await browser.evaluate<string>('document.body.textContent')).toContain('cross-site form posts are refused');
    expect(await statuses()).toEqual(['pending', 'pending']);
  }, 60_000);

  it('offers no form for a role that needs SSH-signed sign-offs, and refuses a post for it', async () => {
    s = signoffScenario('signed-approvals');
    s.write('allowed_signers', '');
    const serve = await startServe(['--trusted-proxy', '127.0.0.1']);
    const proxy = await startProxy(serve.port, () => 'ana@example.com');
    const page = await send(proxy);
    expect(page.body).toContain('CTO (cto) accepts only SSH-signed sign-offs: sign in a terminal with');
    expect(page.body).not.toContain('<form method="post" action="/signoff" class="confirm" data-item="approval-cto"');
    expect(page.body).toContain('<form method="post" action="/signoff" class="confirm" data-item="release-notes"');
    const token = /name="token" value="([0-9a-f]{64})"/.exec(page.body)![1]!;
    const r = await send(proxy, {
      method: 'POST',
      path: '/signoff',
      headers: { 'Content-Type': 'application/x-www-form-urlencoded', Origin: `http://127.0.0.1:${proxy}` },
      body: new URLSearchParams({ token, item: 'approval-cto', decision: 'confirm', role: 'cto' }).toString(),
    });
    expect(r.status).toBe(403);
    expect(r.body).toContain('CTO (cto) accepts only signed sign-offs, which a browser cannot make');
    expect((await statuses())[1]).toBe('pending');
  });

  it('will not start without a trusted proxy, and binds loopback by default', async () => {
    s = signoffScenario('browser-release');
    const r = await runCli(['serve', 'checklist.yaml', '--port', '0'], { cwd: s.dir });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('serve never authenticates anyone itself');
    const serve = await startServe(['--trusted-proxy', '127.0.0.1']);
    expect(serve.output()).toMatch(/on http:\/\/127\.0\.0\.1:\d+\/ — identity from X-Forwarded-Email set by 127\.0\.0\.1/);
  });
});

describe('sfdeploy serve with a ledger rewritten after a run saw it', () => {
  it('shows no sign-off of it as decided, names the run that saw the decline, and takes no sign-off into it', async () => {
    s = signoffScenario('browser-release');
    const cli = (args: string[]) => runCli(args, { cwd: s.dir });
    const declined = await cli([
      'signoff',
      'checklist.yaml',
      'release-notes',
      '--by',
      'Bob <bob@example.com>',
      ...TARGET,
      '--decline',
      '--reason',
      'no notes',
    ]);
    expect(declined.code).toBe(0);
    const seen = await cli(['check', 'checklist.yaml', '--ci', '--log-dir', 'runs', ...TARGET]);
    expect(seen.code).toBe(1);
    const runId = /runs\/(\S+)\.json/.exec(seen.stdout)![1]!;

    const serve = await startServe(['--trusted-proxy', '127.0.0.1']);
    const proxy = await startProxy(serve.port, () => 'ana@example.com');
    const before = await send(proxy);
    expect(before.body).toContain('declined by Bob &lt;bob@example.com&gt;');
    const token = /name="token" value="([0-9a-f]{64})"/.exec(before.body)![1]!;

    const head = String(forgeDeclines(s.path('.sfdeploy/signoffs.jsonl'))[0]!.hash).slice(0, 12);
    const page = await send(proxy);
    expect(page.status).toBe(200);
    expect(page.body).not.toContain('signed by Bob');
    expect(page.body).toContain('ledger .sfdeploy/signoffs.jsonl no longer holds records that 1 earlier run saw');
    expect(page.body).toContain(`run ${runId} recorded ledger head ${head}, which .sfdeploy/signoffs.jsonl no longer contains`);
    expect(page.body).not.toContain('<form method="post"');

    const r = await send(proxy, {
      method: 'POST',
      path: '/signoff',
      headers: { 'Content-Type': 'application/x-www-form-urlencoded', Origin: `http://127.0.0.1:${proxy}` },
      body: new URLSearchParams({ token, item: 'approval-cto', decision: 'confirm', role: 'cto' }).toString(),
    });
    expect(r.status).toBe(409);
    expect(r.body).toContain('no longer holds records that 1 earlier run saw');
    expect(readLedger(s.path('.sfdeploy/signoffs.jsonl'))).toHaveLength(1);
  }, 60_000);
});
