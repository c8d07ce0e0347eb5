import alembic from './alembic/index.js';
import command from './command/index.js';
import env from './env/index.js';
import file from './file/index.js';
import http from './http/index.js';
import postgres from './postgres/index.js';
import redis from './redis/index.js';
import s3 from './s3/index.js';
import type { Probe } from './types.js';

/** Every probe kind, by the name a checklist uses in `probe.kind`. Adding a probe: its folder, one line here, its test. */
export const probes = {
  alembic,
  command,
  env,
  file,
  http,
  postgres,
  redis,
  s3,
} satisfies Record<string, Probe>;

export type ProbeKind = keyof typeof probes;

export function getProbe(kind: string): Probe | undefined {
  return Object.hasOwn(probes, kind) ? (probes[kind as ProbeKind] as unknown as Probe) : undefined;
}

export const probeKinds = (): string[] => Object.keys(probes).sort();
