import { z } from 'zod';
import { ProbeError } from '../../errors.js';
import { readCaFile, daysUntil, formatName, trustedContext } from '../http/client.js';
import { describeCertificateError, describeNetworkError } from '../../util/network-error.js';
import { int, port } from '../params.js';
import { defineProbe } from '../types.js';

const params = z.strictObject({
  host: z.string().min(1, 'expected a host name such as api.example.com').describe('Host to connect to.'),
  port: port().default(443).describe('TCP port. Default 443.'),
  servername: z
    .string()
    .optional()
    .describe('Name sent in SNI and checked against the certificate. Default: host (no SNI when host is an IP address).'),
  ca_file: z
    .string()
    .optional()
    .describe('A PEM file of CA certificates to trust besides the system ones, relative to the working directory.'),
  min_days: int().default(14).describe('The built-in check fails when fewer days remain before the certificate expires. Default 14.'),
});

/** Connects with TLS and reports on the server certificate, even when it is not trusted. */
export default defineProbe({
  kind: 'tls',
  summary: 'Checks a TLS server certificate: trusted chain, host name, days until expiry, protocol.',
  docs: 'https://nodejs.org/api/tls.html#tlsconnectoptions-callback',
  params,
  example: { host: 'api.example.com' },
  observations: {
    valid: 'true when the chain verifies against the trusted CAs and the certificate is within its dates',
    error: 'why the chain does not verify ("has expired", "is self-signed and not trusted"); null when valid',
    hostname_matches: 'true when the certificate covers servername (or host)',
    days_remaining: 'whole days until the certificate expires (negative once expired)',
    not_after: 'when the certificate expires (ISO 8601)',
    not_before: 'when the certificate became valid (ISO 8601)',
    issuer: 'the issuer (CN=..., O=...)',
    subject: 'the subject (CN=..., O=...)',
    alt_names: 'the subject alternative names (DNS:api.example.com, IP Address:10.0.0.1)',
    protocol: 'the TLS version negotiated (TLSv1.3)',
    fingerprint256: 'SHA-256 fingerprint of the certificate',
  },
  defaultCheck: 'valid == true, hostname_matches == true and days_remaining >= min_days (14)',
  async run(p, ctx) {
    const tls = await import('node:tls');
    const { isIP } = await import('node:net');
    const extra = await readCaFile(p.ca_file, ctx.cwd);
    const secureContext = extra ? await trustedContext(extra, ctx.shared) : undefined;
    const servername = p.servername ?? p.host;
    const where = `${isIP(p.host) === 6 ? `[${p.host}]` : p.host}:${p.port}`;
    const socket = await new Promise<import('node:tls').TLSSocket>((resolve, reject) => {
      if (ctx.signal.aborted) return reject(new Error(`${where}: aborted before connecting`));
      const s = tls.connect({
        host: p.host,
        port: p.port,
        ...(isIP(servername) ? {} : { servername }),
        rejectUnauthorized: false,
        // the chain is judged by `authorized`; the host name separately below
        checkServerIdentity: () => undefined,
        ...(secureContext ? { secureContext } : {}),
      });
      const onAbort = (): void => {
        s.destroy();
        const reason = ctx.signal.reason instanceof Error ? ctx.signal.reason.message : 'aborted';
        reject(new Error(`${where} did not complete a TLS handshake: ${reason}`));
      };
      ctx.signal.addEventListener('abort', onAbort, { once: true });
      s.once('secureConnect', () => {
        ctx.signal.removeEventListener('abort', onAbort);
        resolve(s);
      });
      s.once('error', (e) => {
        ctx.signal.removeEventListener('abort', onAbort);
        s.destroy();
        reject(new Error(describeNetworkError(e, where)));
      });
    });
    try {
      const cert = socket.getPeerCertificate(true);
      if (!cert || !cert.raw) throw new ProbeError(`${where} sent no certificate`);
      const notAfter = new Date(cert.valid_to);
      const notBefore = new Date(cert.valid_from);
      const identityError = tls.checkServerIdentity(servername, cert);
      const code = socket.authorized ? null : String(socket.authorizationError ?? 'UNKNOWN');
      const observations = {
        valid: socket.authorized,
        error: code === null ? null : (describeCertificateError(code) ?? code),
        hostname_matches: identityError === undefined,
        days_remaining: daysUntil(notAfter),
        not_after: notAfter.toISOString(),
        not_before: notBefore.toISOString(),
        issuer: formatName(cert.issuer),
        subject: formatName(cert.subject),
        alt_names: cert.subjectaltname ? cert.subjectaltname.split(/,\s*/) : [],
        protocol: socket.getProtocol(),
        fingerprint256: cert.fingerprint256,
      };
      const problems: string[] = [];
      const expiry = notAfter.toISOString().slice(0, 10);
      if (!observations.valid)
        problems.push(`certificate of ${where} ${observations.error}${code === 'CERT_HAS_EXPIRED' ? ` (on ${expiry})` : ''}`);
      if (!observations.hostname_matches) {
        const covers = observations.alt_names.length ? observations.alt_names.join(', ') : observations.subject;
        problems.push(`certificate of ${where} does not cover ${servername} (it covers ${covers})`);
      }
      if (observations.days_remaining >= 0 && observations.days_remaining < p.min_days) {
        problems.push(`certificate of ${where} expires in ${observations.days_remaining} days (${expiry}), fewer than ${p.min_days}`);
      }
      return {
        observations,
        problems,
        summary: `${observations.protocol}, ${observations.days_remaining} days remaining (until ${expiry}), issued by ${observations.issuer}`,
      };
    } finally {
      socket.destroy();
    }
  },
});
