import type { SignoffProvider } from '../../src/runner/run.js';

/** A sign-off provider that leaves every manual item pending, as `check --ci` does with an empty ledger. */
export function createPendingProvider(): SignoffProvider {
  return {
    async resolve() {
      return { status: 'pending', message: 'awaiting sign-off' };
    },
  };
}
