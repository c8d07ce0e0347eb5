import type { Env } from '../util/env.js';
import type { Redactor } from '../util/redact.js';

/**
 * The release and environment a run or a sign-off is for: `--release`, else `$SFDEPLOY_RELEASE`, else
 * `git describe --tags` (secrets masked); `--environment`, else `$SFDEPLOY_ENVIRONMENT`. `check` and `signoff`
 * must agree, or a sign-off would never match a run.
 */
export function resolveTarget(
  opts: { release?: string | undefined; environment?: string | undefined },
  env: Env,
  gitDescribe: string | null,
  redact: Redactor,
): { release: string | null; environment: string | null } {
  const release = opts.release ?? env.SFDEPLOY_RELEASE ?? gitDescribe;
  return {
    release: release ? redact(release) : null,
    environment: opts.environment ?? env.SFDEPLOY_ENVIRONMENT ?? null,
  };
}
