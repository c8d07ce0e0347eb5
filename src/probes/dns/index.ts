import { z } from 'zod';
import { ProbeError } from '../../errors.js';
import { oneLine } from '../../util/network-error.js';
import { defineProbe } from '../types.js';

const TYPES = ['A', 'AAAA', 'CNAME', 'MX', 'TXT'] as const;

const params = z.strictObject({
  name: z.string().min(1, 'expected a domain name such as api.example.com').describe('The domain name to resolve.'),
  type: z
    .enum(TYPES, { error: `expected one of ${TYPES.join(', ')}` })
    .default('A')
    .describe('Record type: A, AAAA, CNAME, MX or TXT. Default A.'),
  server: z
    .string()
    .optional()
    .describe(
      'A DNS server to ask instead of the system resolvers, as an IP address with an optional port: `10.0.0.2`, `127.0.0.1:5353`, `[::1]:53` (split-horizon checks).',
    ),
});

/** Resolves a name with a DNS query (not /etc/hosts) and observes the records. */
export default defineProbe({
  kind: 'dns',
  summary: 'Resolves a DNS name (A, AAAA, CNAME, MX, TXT) and checks the records.',
  docs: 'https://nodejs.org/api/dns.html#class-dnsresolver',
  params,
  example: { name: 'api.example.com' },
  observations: {
    resolves: 'true when at least one record of the type exists',
    records: 'the records as text: addresses (A, AAAA), names (CNAME), "10 mail.example.com" (MX), joined strings (TXT)',
    ttl: 'A and AAAA: the smallest TTL of the records, in seconds',
    error: 'why nothing resolved ("no such domain", "no AAAA records"); null when it resolves',
  },
  defaultCheck: 'resolves == true',
  async run(p, ctx) {
    const { Resolver } = await import('node:dns/promises');
    // c-ares lengthens the wait on the second try; a dead server may still outlast the timeout (then: cancel)
    const perTry = Math.max(200, Math.floor(ctx.timeoutMs / 4));
    const resolver = new Resolver({ timeout: perTry, tries: 2 });
    const via = p.server ? ` (asking ${p.server})` : '';
    if (p.server) {
      try {
        resolver.setServers([p.server]);
      } catch {
        throw new ProbeError(`server must be an IP address with an optional port (10.0.0.2, 127.0.0.1:5353, [::1]:53), got "${p.server}"`);
      }
    }
    const onAbort = (): void => resolver.cancel();
    ctx.signal.addEventListener('abort', onAbort, { once: true });
    try {
      const { records, ttl } = await query(resolver, p.name, p.type);
      return {
        observations: { resolves: records.length > 0, records, ttl, error: records.length ? null : `no ${p.type} records for ${p.name}` },
        problems: records.length ? [] : [`no ${p.type} records for ${p.name}${via}`],
        summary: `${p.name} ${p.type} ${records.slice(0, 3).join(', ')}${records.length > 3 ? `, … (${records.length})` : ''}`,
      };
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      if (code === 'ENOTFOUND' || code === 'ENODATA') {
        const error = code === 'ENOTFOUND' ? `${p.name} does not exist (no such domain)` : `no ${p.type} records for ${p.name}`;
        return { observations: { resolves: false, records: [], ttl: null, error }, problems: [`${error}${via}`] };
      }
      if (ctx.signal.aborted || code === 'ECANCELLED') {
        const reason = ctx.signal.reason instanceof Error ? ctx.signal.reason.message : 'cancelled';
        throw new Error(`resolving ${p.name} ${p.type}${via} did not finish: ${reason}`);
      }
      throw new Error(describeDnsError(code, p.name, p.type, p.server, e));
    } finally {
      ctx.signal.removeEventListener('abort', onAbort);
    }
  },
});

type DnsResolver = import('node:dns/promises').Resolver;

async function query(r: DnsResolver, name: string, type: (typeof TYPES)[number]): Promise<{ records: string[]; ttl: number | null }> {
  switch (type) {
    case 'A':
    case 'AAAA': {
      const found = type === 'A' ? await r.resolve4(name, { ttl: true }) : await r.resolve6(name, { ttl: true });
      return { records: found.map((x) => x.address), ttl: found.length ? Math.min(...found.map((x) => x.ttl)) : null };
    }
    case 'CNAME':
      return { records: await r.resolveCname(name), ttl: null };
    case 'MX':
      return {
        records: (await r.resolveMx(name)).sort((a, b) => a.priority - b.priority).map((x) => `${x.priority} ${x.exchange}`),
        ttl: null,
      };
    case 'TXT':
      return { records: (await r.resolveTxt(name)).map((chunks) => chunks.join('')), ttl: null };
  }
}

function describeDnsError(code: string | undefined, name: string, type: string, server: string | undefined, e: unknown): string {
  const asking = server ? `DNS server ${server}` : 'the DNS servers';
  switch (code) {
    case 'ETIMEOUT':
      return `${asking} did not answer for ${name} ${type} (timed out)`;
    case 'ECONNREFUSED':
      return `${asking} refused the connection (is a DNS server listening?)`;
    case 'ESERVFAIL':
      return `${asking} failed to resolve ${name} ${type} (SERVFAIL)`;
    case 'EREFUSED':
      return `${asking} refused to resolve ${name} ${type} (REFUSED)`;
    case 'EBADNAME':
      return `not a valid domain name: ${name}`;
    case 'EBADRESP':
    case 'EFORMERR':
      return `${asking} sent a malformed answer for ${name} ${type}`;
    default:
      return `resolving ${name} ${type}: ${oneLine((e as Error).message ?? String(e))}`;
  }
}
