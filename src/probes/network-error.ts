/** One readable line for a socket-level error: "connection refused at 127.0.0.1:5432". */
export function describeNetworkError(error: unknown, where: string): string {
  const e = error as NodeJS.ErrnoException & { reason?: string };
  switch (e?.code) {
    case 'ECONNREFUSED':
      return `connection refused at ${where}`;
    case 'ECONNRESET':
      return `connection reset by ${where}`;
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
      return `host not found: ${where.replace(/:\d+$/, '')}`;
    case 'ETIMEDOUT':
      return `connection to ${where} timed out`;
    case 'EHOSTUNREACH':
    case 'ENETUNREACH':
      return `${where} is unreachable`;
    case 'ABORT_ERR':
      return `request to ${where} was aborted`;
    case 'CERT_HAS_EXPIRED':
      return `certificate of ${where} has expired`;
    case 'DEPTH_ZERO_SELF_SIGNED_CERT':
    case 'SELF_SIGNED_CERT_IN_CHAIN':
      return `certificate of ${where} is self-signed and not trusted`;
    case 'UNABLE_TO_VERIFY_LEAF_SIGNATURE':
    case 'UNABLE_TO_GET_ISSUER_CERT_LOCALLY':
      return `certificate of ${where} is not signed by a trusted CA`;
    case 'ERR_TLS_CERT_ALTNAME_INVALID':
      return `certificate of ${where} does not match the host name${e.reason ? ` (${e.reason})` : ''}`;
    case 'HPE_INVALID_CONSTANT':
    case 'HPE_INVALID_STATUS':
      return `${where} did not answer with valid HTTP`;
    default:
      return `${where}: ${e?.message ?? String(error)}`;
  }
}
