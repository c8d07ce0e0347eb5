import type { SignoffProvider } from '../runner/run.js';

/** Under --ci nobody is asked: manual items stay pending. */
export function createPendingProvider(reason = 'awaiting sign-off: run interactively, or record it with `sfdeploy signoff`'): SignoffProvider {
  return {
    async resolve() {
      return { status: 'pending', message: reason };
    },
  };
}
