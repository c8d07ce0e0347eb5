import alembic from './alembic/index.js';
import command from './command/index.js';
import dns from './dns/index.js';
import env from './env/index.js';
import file from './file/index.js';
import git from './git/index.js';
import http from './http/index.js';
import postgres from './postgres/index.js';
import prometheus from './prometheus/index.js';
import redis from './redis/index.js';
import s3 from './s3/index.js';
import tcp from './tcp/index.js';
import tls from './tls/index.js';
import type { Probe } from './types.js';

/** Every probe kind, by the name a checklist uses in `probe.kind`. Adding a probe: its folder, one line here, its test. */
export const probes = {
  alembic,
  command,
  dns,
  env,
  file,
  git,
  http,
  postgres,
  prometheus,
  redis,
  s3,
  tcp,
  tls,
} satisfies Record<string, Probe>;

export type ProbeKind = keyof typeof probes;

export function getProbe(kind: string): Probe | undefined {
  return Object.hasOwn(probes, kind) ? probes[kind as ProbeKind] : undefined;
}

export const probeKinds = (): string[] => Object.keys(probes).sort();
