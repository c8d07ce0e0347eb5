import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export const OPENSSH_INSTALL = 'apt-get install -y openssh-client';

/** Fails with the install command when ssh-keygen is missing (tests never skip for it). */
export function requireSshKeygen(): void {
  try {
    execFileSync('ssh-keygen', ['-?'], { stdio: 'ignore', timeout: 5000 });
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') {
      throw new Error(
        `ssh-keygen is needed for signed sign-offs: install it with \`${OPENSSH_INSTALL}\` (scripts/install-test-deps.sh does)`,
      );
    }
  }
}

export interface SshKey {
  /** Private key file. */
  file: string;
  /** Public key file (`file.pub`). */
  pub: string;
  /** `ssh-ed25519 AAAA…` (type and key, no comment). */
  publicKey: string;
}

/** A new ed25519 key without passphrase, made by ssh-keygen in `dir`. */
export function makeSshKey(dir: string, name: string): SshKey {
  requireSshKeygen();
  const file = join(dir, name);
  execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', name, '-f', file], { timeout: 10_000 });
  const publicKey = readFileSync(`${file}.pub`, 'utf8').trim().split(/\s+/).slice(0, 2).join(' ');
  return { file, pub: `${file}.pub`, publicKey };
}

/** Writes an OpenSSH allowed_signers file: one `principal key` line per entry. */
export function writeAllowedSigners(file: string, entries: [principal: string, key: SshKey][]): void {
  writeFileSync(file, entries.map(([p, k]) => `${p} namespaces="sfdeploy" ${k.publicKey}\n`).join(''));
}

/** An ssh-agent on a socket in `dir`, holding the given keys; stop() kills it (by its own pid). */
export async function startSshAgent(dir: string, keys: SshKey[]): Promise<{ socket: string; stop: () => void }> {
  const socket = join(dir, 'agent.sock');
  const agent: ChildProcess = spawn('ssh-agent', ['-D', '-a', socket], { stdio: 'ignore' });
  for (let i = 0; i < 100 && !existsSync(socket); i++) await new Promise((r) => setTimeout(r, 50));
  if (!existsSync(socket)) {
    agent.kill('SIGKILL');
    throw new Error('ssh-agent did not create its socket');
  }
  for (const k of keys)
    execFileSync('ssh-add', ['-q', k.file], { env: { ...process.env, SSH_AUTH_SOCK: socket }, timeout: 10_000, stdio: 'ignore' });
  return { socket, stop: () => agent.kill('SIGTERM') };
}
