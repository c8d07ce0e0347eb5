import { maskUrlPasswords } from './redact.js';

/** One readable line for a socket-level error: "connection refused at 127.0.0.1:5432". */
export function describeNetworkError(error: unknown, where: string): string {
  const e = error as NodeJS.ErrnoException & { reason?: string; cause?: unknown };
  switch (e?.code) {
    case 'ECONNREFUSED':
      return `connection refused at ${where}`;
    case 'ECONNRESET':
      return `connection reset by ${where}`;
    case 'EPIPE':
      return `connection closed by ${where}`;
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
    case 'EAI_NONAME':
      return `host not found: ${hostOf(where)}`;
    case 'ETIMEDOUT':
      return `connection to ${where} timed out`;
    case 'EHOSTUNREACH':
    case 'ENETUNREACH':
      return `${where} is unreachable`;
    case 'EADDRNOTAVAIL':
      return `cannot connect to ${where}: address not available`;
    case 'ABORT_ERR': {
      const reason = e.cause instanceof Error ? e.cause.message : undefined;
      return reason && reason !== 'This operation was aborted' ? `${where} did not answer: ${reason}` : `request to ${where} was aborted`;
    }
    case 'HPE_INVALID_CONSTANT':
    case 'HPE_INVALID_STATUS':
    case 'HPE_INVALID_HEADER_TOKEN':
      return `${where} did not answer with valid HTTP`;
    case 'EPROTO':
    case 'ERR_SSL_WRONG_VERSION_NUMBER':
    case 'ERR_SSL_PACKET_LENGTH_TOO_LONG':
      return `${where} did not answer with TLS (is it a plain-text port?)`;
    case 'ERR_TLS_CERT_ALTNAME_INVALID':
      return `certificate of ${where} does not match the host name${e.reason ? ` (${e.reason})` : ''}`;
    default: {
      const cert = e?.code ? describeCertificateError(e.code) : undefined;
      if (cert) return `certificate of ${where} ${cert}`;
      if (e?.message === 'socket hang up') return `${where} closed the connection without answering`;
      return `${where}: ${oneLine(e?.message ?? String(error))}`;
    }
  }
}

/**
 * Why a certificate chain failed verification, from OpenSSL's code (`CERT_HAS_EXPIRED`) to words
 * ("has expired"); undefined for codes that are not about certificates.
 */
export function describeCertificateError(code: string): string | undefined {
  switch (code) {
    case 'CERT_HAS_EXPIRED':
      return 'has expired';
    case 'CERT_NOT_YET_VALID':
      return 'is not valid yet';
    case 'DEPTH_ZERO_SELF_SIGNED_CERT':
    case 'SELF_SIGNED_CERT_IN_CHAIN':
      return 'is self-signed and not trusted';
    case 'UNABLE_TO_VERIFY_LEAF_SIGNATURE':
    case 'UNABLE_TO_GET_ISSUER_CERT_LOCALLY':
    case 'UNABLE_TO_GET_ISSUER_CERT':
      return 'is not signed by a trusted CA (is the intermediate certificate missing?)';
    case 'CERT_REVOKED':
      return 'has been revoked';
    case 'CERT_SIGNATURE_FAILURE':
      return 'has an invalid signature';
    case 'CERT_UNTRUSTED':
    case 'CERT_REJECTED':
      return 'is not trusted';
    case 'INVALID_CA':
      return 'is signed by a certificate that is not a CA';
    case 'ERR_TLS_CERT_ALTNAME_INVALID':
      return 'does not match the host name';
    default:
      return code.startsWith('CERT_') || code.startsWith('UNABLE_TO_') ? `failed verification (${code})` : undefined;
  }
}

/** `https://user:secret@host/` → `https://user:***@host/`; query parameters named like secrets are masked too. */
export function maskUrl(text: string): string {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    return maskUrlPasswords(text);
  }
  let masked = false;
  if (url.password) {
    url.password = '***';
    masked = true;
  }
  for (const key of [...url.searchParams.keys()]) {
    if (/token|secret|password|passwd|key|signature|auth/i.test(key)) {
      url.searchParams.set(key, '***');
      masked = true;
    }
  }
  return masked ? url.href : text;
}

/** Collapses whitespace so a multi-line driver message fits one line. */
export function oneLine(text: string): string {
  return text.replace(/\s+/g, ' ').trim();
}

function hostOf(where: string): string {
  return where.replace(/:\d+$/, '').replace(/^\[(.*)\]$/, '$1');
}
