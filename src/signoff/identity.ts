import { git } from '../util/git.js';

export interface Signer {
  name: string;
  email: string | undefined;
  /** `Name <email>` or the name alone. */
  display: string;
}

const NAME_EMAIL = /^\s*(.*?)\s*<([^<>\s]+@[^<>\s]+)>\s*$/;

/** Parses `Name <email>`, a bare email or a bare name. */
export function parseSigner(text: string): Signer {
  const m = NAME_EMAIL.exec(text);
  if (m) {
    const name = m[1] || m[2]!;
    return { name, email: m[2], display: m[1] ? `${m[1]} <${m[2]}>` : m[2]! };
  }
  const t = text.trim();
  if (/^[^\s@]+@[^\s@]+$/.test(t)) return { name: t, email: t, display: t };
  return { name: t, email: undefined, display: t };
}

/** `--signer`, else git `user.name <user.email>`, else the OS user. */
export async function resolveSigner(explicit: string | undefined, cwd: string, fallbackUser: string): Promise<Signer> {
  if (explicit && explicit.trim()) return parseSigner(explicit);
  const [name, email] = await Promise.all([git(['config', 'user.name'], cwd), git(['config', 'user.email'], cwd)]);
  if (name && email) return parseSigner(`${name} <${email}>`);
  if (email) return parseSigner(email);
  if (name) return parseSigner(name);
  return parseSigner(fallbackUser);
}

/** Who a signer is for the allow-list and the two-person rule: the email when known, else the name; case-insensitive. */
export function signerKey(signer: Signer): string {
  return (signer.email ?? signer.name).trim().toLowerCase();
}
