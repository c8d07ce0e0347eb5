import type { Env } from '../util/env.js';
import type { Redactor } from '../util/redact.js';

/** The word that says "for no release" on purpose: `--release none` (or `SFDEPLOY_RELEASE=none`). */
export const NO_RELEASE = 'none';

/**
 * The release and environment a run or a sign-off is for: `--release`, else `$SFDEPLOY_RELEASE`, else
 * `git describe --tags` (secrets masked); `--environment`, else `$SFDEPLOY_ENVIRONMENT`. `check` and `signoff`
 * must agree, or a sign-off would never match a run. `none` is no release, chosen on purpose; `releaseUnknown`
 * is true when there is no release because nothing named one (no tag, no `--release`).
 */
export function resolveTarget(
  opts: { release?: string | undefined; environment?: string | undefined },
  env: Env,
  gitDescribe: string | null,
  redact: Redactor,
): { release: string | null; environment: string | null; releaseUnknown: boolean } {
  const release = opts.release ?? env.SFDEPLOY_RELEASE ?? gitDescribe;
  return {
    release: release && release !== NO_RELEASE ? redact(release) : null,
    environment: opts.environment ?? env.SFDEPLOY_ENVIRONMENT ?? null,
    releaseUnknown: !release,
  };
}

/** Why nothing is signed while the release is unknown. */
export const UNKNOWN_RELEASE =
  'the release is unknown (no git tag, no --release, no $SFDEPLOY_RELEASE): a sign-off would be for no release, which the runs of a release do not accept; give --release <version>, or --release none to sign for no release on purpose';
