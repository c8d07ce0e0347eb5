import { access, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import type { LoadedChecklist } from '../checklist/model.js';
import { canonicalJson } from '../util/canonical-json.js';
import type { Env } from '../util/env.js';
import { mapLimit } from '../util/map-limit.js';
import type { ChecklistDefinition } from '../checklist/schema.js';
import { SfdeployError, UsageError } from '../errors.js';
import { git } from '../util/git.js';
import { runProcess } from '../util/run-process.js';
import { roleLabel } from './approvals.js';
import { hashRecord, type SignoffRecord } from './chain.js';
import { parseSigner } from './identity.js';

/** How to give a signing key, for messages. */
export const SIGN_HINT = 'sign with --signing-key PATH, $SFDEPLOY_SIGNING_KEY, or git config gpg.format ssh and user.signingkey';

/** The `-n` namespace of every sfdeploy signature: a signature made for git (`-n git`) never counts here. */
export const SIGNATURE_NAMESPACE = 'sfdeploy';
/** Signing may wait for a passphrase typed at the terminal. */
const SIGN_TIMEOUT_MS = 60_000;
const VERIFY_TIMEOUT_MS = 10_000;
const VERIFY_CONCURRENCY = 4;
const OUTPUT_LIMIT = 1024 * 1024;

/** The bytes a record's signature covers: the canonical JSON of every field but `hash` and `signature`. */
export function signedMessage(record: object): string {
  const { hash: _hash, signature: _signature, ...content } = record as { hash?: string; signature?: string };
  return canonicalJson(content);
}

/** A sealed record with its signature added, hashed again (the hash covers the signature). */
export function withSignature<R extends { hash: string; signature?: string | undefined }>(record: R, signature: string): R {
  const { hash: _hash, ...content } = record;
  const signed = { ...content, signature };
  return { ...signed, hash: hashRecord(signed) } as unknown as R;
}

/** Signs the message of a record; returns the armored signature. */
export type SignFunction = (message: string) => Promise<string>;

interface KeygenResult {
  exitCode: number;
  stdout: string;
  stderr: string;
}

/** Runs ssh-keygen with a deadline; a missing binary or a timeout is a known error, a non-zero exit is returned. */
async function sshKeygen(args: string[], o: { input: string; env: Env; timeoutMs: number }): Promise<KeygenResult> {
  const r = await runProcess('ssh-keygen', args, { input: o.input, env: o.env, timeoutMs: o.timeoutMs, maxOutput: OUTPUT_LIMIT }).catch(
    (e: unknown) => {
      throw new SfdeployError(
        'E_SSH_KEYGEN',
        `cannot run ssh-keygen (${(e as NodeJS.ErrnoException).code ?? 'unknown error'}): signed sign-offs need OpenSSH's ssh-keygen (Debian: apt-get install openssh-client)`,
      );
    },
  );
  if (r.stopped) throw new SfdeployError('E_SSH_KEYGEN', `ssh-keygen -Y ${args[1]} did not finish within ${o.timeoutMs / 1000}s`);
  return { exitCode: r.code ?? -1, stdout: r.stdout, stderr: r.stderr };
}

const lastLine = (text: string): string =>
  text
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l && !/^Signing data on standard input/.test(l))
    .at(-1) ?? 'no message';

const expandHome = (path: string, env: Env): string => (path.startsWith('~/') && env.HOME ? join(env.HOME, path.slice(2)) : path);

/**
 * The key to sign with, as git's `gpg.format=ssh` takes it: `--signing-key`, else `$SFDEPLOY_SIGNING_KEY`, else git
 * `user.signingkey` when `gpg.format` is `ssh`. A private key file, a public key file whose private key is in
 * ssh-agent, or `key::ssh-ed25519 AAAA…` (in the agent). Undefined when none is set.
 */
export async function resolveSigningKey(flag: string | undefined, env: Env, cwd: string): Promise<string | undefined> {
  if (flag?.trim()) return flag.trim();
  if (env.SFDEPLOY_SIGNING_KEY?.trim()) return env.SFDEPLOY_SIGNING_KEY.trim();
  if ((await git(['config', 'gpg.format'], cwd)) !== 'ssh') return undefined;
  return (await git(['config', 'user.signingkey'], cwd)) || undefined;
}

/** A function that signs with `ssh-keygen -Y sign -n sfdeploy -f <key>` (through ssh-agent for a public key). */
export async function createSshSigner(spec: string, env: Env, cwd: string): Promise<SignFunction> {
  const literal = spec.startsWith('key::') ? spec.slice('key::'.length).trim() : undefined;
  const file = literal === undefined ? resolve(cwd, expandHome(spec, env)) : undefined;
  if (file) {
    await access(file).catch(() => {
      throw new UsageError(`signing key ${spec}: no such file (give --signing-key PATH, or set SFDEPLOY_SIGNING_KEY)`);
    });
  }
  return async (message) => {
    const dir = literal !== undefined ? await mkdtemp(join(tmpdir(), 'sfdeploy-key-')) : undefined;
    try {
      const keyFile = dir ? join(dir, 'key.pub') : file!;
      if (dir) await writeFile(keyFile, `${literal}\n`, { mode: 0o600 });
      const r = await sshKeygen(['-Y', 'sign', '-n', SIGNATURE_NAMESPACE, '-f', keyFile], {
        input: message,
        env,
        timeoutMs: SIGN_TIMEOUT_MS,
      });
      const signature = r.stdout.trim();
      if (r.exitCode !== 0 || !signature.startsWith('-----BEGIN SSH SIGNATURE-----')) {
        throw new SfdeployError('E_SIGN', `cannot sign with ${spec}: ssh-keygen: ${lastLine(r.stderr)}`);
      }
      return `${signature}\n`;
    } finally {
      if (dir) await rm(dir, { recursive: true, force: true });
    }
  };
}

export type SignatureProblem = 'unsigned' | 'unknown-key' | 'bad-signature' | 'wrong-signer';

/** What checking one record's signature against the allowed signers found. */
export type SignatureVerdict =
  { ok: true; principal: string; fingerprint: string | undefined } | { ok: false; kind: SignatureProblem; message: string };

const UNSIGNED: SignatureVerdict = { ok: false, kind: 'unsigned', message: 'it is not signed' };

/**
 * Checks each signed record with ssh-keygen against an OpenSSH allowed_signers file: its key must be listed
 * (`-Y find-principals`), for the principal the record names as signer, and the signature must match the record
 * (`-Y verify -n sfdeploy`). Keyed by record hash; unsigned records are left out.
 */
export async function verifySignatures(
  records: readonly SignoffRecord[],
  allowedSigners: string,
  env: Env,
): Promise<Map<string, SignatureVerdict>> {
  const verdicts = new Map<string, SignatureVerdict>();
  const signed = records.filter((r) => r.signature);
  if (!signed.length) return verdicts;
  await access(allowedSigners).catch((e: Error) => {
    throw new SfdeployError('E_ALLOWED_SIGNERS', `cannot read the allowed signers file ${allowedSigners}: ${e.message}`);
  });
  const dir = await mkdtemp(join(tmpdir(), 'sfdeploy-verify-'));
  try {
    await mapLimit(signed, VERIFY_CONCURRENCY, async (record, i) => {
      verdicts.set(record.hash, await verifyOne(record, join(dir, `${i}.sig`), allowedSigners, env));
    });
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
  return verdicts;
}

async function verifyOne(record: SignoffRecord, sigFile: string, allowedSigners: string, env: Env): Promise<SignatureVerdict> {
  await writeFile(sigFile, record.signature!);
  const run = (args: string[], input = ''): Promise<KeygenResult> => sshKeygen(args, { input, env, timeoutMs: VERIFY_TIMEOUT_MS });
  const message = signedMessage(record);
  const found = await run(['-Y', 'find-principals', '-s', sigFile, '-f', allowedSigners]);
  if (found.exitCode !== 0) {
    const intact = await run(['-Y', 'check-novalidate', '-n', SIGNATURE_NAMESPACE, '-s', sigFile], message);
    if (intact.exitCode !== 0) {
      return { ok: false, kind: 'bad-signature', message: `its signature does not match it (ssh-keygen: ${lastLine(intact.stderr)})` };
    }
    return { ok: false, kind: 'unknown-key', message: 'it is signed with a key that is not in the allowed signers file' };
  }
  const principals = found.stdout
    .split('\n')
    .map((l) => l.trim())
    .filter(Boolean);
  const email = parseSigner(record.signer).email?.toLowerCase();
  const principal = principals.find((p) => p.toLowerCase() === email);
  if (!principal) {
    return {
      ok: false,
      kind: 'wrong-signer',
      message: `it is signed with the key of ${principals.join(', ')}, but names ${record.signer} as its signer`,
    };
  }
  const good = await run(['-Y', 'verify', '-f', allowedSigners, '-I', principal, '-n', SIGNATURE_NAMESPACE, '-s', sigFile], message);
  if (good.exitCode !== 0) {
    return {
      ok: false,
      kind: 'bad-signature',
      message: `its signature does not match it: the record was changed after ${principal} signed it (ssh-keygen: ${lastLine(good.stderr)})`,
    };
  }
  return { ok: true, principal, fingerprint: /\bkey (\S+:\S+)/.exec(good.stdout)?.[1] };
}

/** Where signatures are checked and which sign-offs need one. */
export interface SignaturePolicy {
  /** Absolute path of the OpenSSH allowed_signers file. */
  allowedSigners: string;
  /** Every sign-off needs a valid signature, not only those of roles with signers. */
  required: boolean;
}

/** The checklist's `signatures:` (its file relative to the checklist), else `$SFDEPLOY_ALLOWED_SIGNERS`; undefined: unsigned mode. */
export function signaturePolicy(checklist: LoadedChecklist, env: Env, cwd: string): SignaturePolicy | undefined {
  const s = checklist.definition.signatures;
  if (s) return { allowedSigners: resolve(dirname(checklist.file), expandHome(s.allowed_signers, env)), required: s.required };
  const fromEnv = env.SFDEPLOY_ALLOWED_SIGNERS?.trim();
  return fromEnv ? { allowedSigners: resolve(cwd, expandHome(fromEnv, env)), required: false } : undefined;
}

type Roles = ChecklistDefinition['roles'];

/**
 * Which records count as far as signatures go. Without a policy (unsigned mode) every record does. With one, a
 * record signed with a key that does not verify never counts, and a record for a role with `signers` (or any record,
 * with `required`) counts only when signed by one of them.
 */
export class SignatureRules {
  constructor(
    readonly policy: SignaturePolicy | undefined,
    readonly roles: Roles,
    private readonly verdicts = new Map<string, SignatureVerdict>(),
  ) {}

  /** Whether a sign-off as `role` needs a signature. */
  requires(role: string | null): boolean {
    if (!this.policy) return false;
    return this.policy.required || (!!role && !!this.roles[role]?.signers?.length);
  }

  /** The roles among `roles` that need a signature, for messages. */
  describe(role: string | null): string {
    return role ? roleLabel(this.roles, role) : 'this checklist';
  }

  /** What was found about a record's signature; undefined in unsigned mode. */
  verdict(record: SignoffRecord): SignatureVerdict | undefined {
    if (!this.policy) return undefined;
    if (!record.signature) return UNSIGNED;
    return this.verdicts.get(record.hash) ?? { ok: false, kind: 'bad-signature', message: 'its signature was not checked' };
  }

  /** Remembers the verdict of a record signed in this process (checked before it was written). */
  add(hash: string, verdict: SignatureVerdict): void {
    this.verdicts.set(hash, verdict);
  }

  /** Why the record does not count because of its signature; undefined when it counts. */
  refusal(record: SignoffRecord): string | undefined {
    const v = this.verdict(record);
    if (!v || v.ok) return undefined;
    if (v.kind === 'unsigned') {
      return this.requires(record.role) ? `it is not signed, and ${this.describe(record.role)} accepts only signed sign-offs` : undefined;
    }
    return v.message;
  }
}

/**
 * The rules for a checklist, with the signatures of its records in `records` checked — only those for `target`'s
 * release and environment when given (no other record can count for it, see findSignoff).
 */
export async function loadSignatureRules(
  checklist: LoadedChecklist,
  records: readonly SignoffRecord[],
  env: Env,
  cwd: string,
  target?: { release: string | null; environment: string | null },
): Promise<SignatureRules> {
  const policy = signaturePolicy(checklist, env, cwd);
  const roles = checklist.definition.roles;
  if (!policy) return new SignatureRules(undefined, roles);
  await access(policy.allowedSigners).catch((e: NodeJS.ErrnoException) => {
    const from = checklist.definition.signatures ? `${checklist.file}: signatures.allowed_signers` : 'SFDEPLOY_ALLOWED_SIGNERS';
    throw new SfdeployError(
      'E_ALLOWED_SIGNERS',
      `${from}: cannot read the allowed signers file ${policy.allowedSigners} (${e.code ?? e.message})`,
    );
  });
  const mine = records.filter(
    (r) => r.checklist === checklist.definition.id && (!target || (r.release === target.release && r.environment === target.environment)),
  );
  return new SignatureRules(policy, roles, await verifySignatures(mine, policy.allowedSigners, env));
}

/**
 * Wraps a signer so that a signature that would not count (a key not in the allowed signers, or another person's
 * key) is refused before anything is written; the verdict of one that counts is remembered in `rules`.
 */
export function selfChecking(sign: SignFunction, rules: SignatureRules, env: Env): SignFunction {
  return async (message) => {
    const signature = await sign(message);
    if (!rules.policy) return signature;
    const content = { ...(JSON.parse(message) as SignoffRecord), signature };
    const record = { ...content, hash: hashRecord(content) };
    const verdict = (await verifySignatures([record], rules.policy.allowedSigners, env)).get(record.hash);
    if (!verdict?.ok) {
      throw new SfdeployError(
        'E_SIGNOFF_REJECTED',
        `rejected: ${record.item}: the signature would not count: ${verdict?.message ?? 'not checked'}`,
      );
    }
    rules.add(record.hash, verdict);
    return signature;
  };
}
