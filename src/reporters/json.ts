import type { Writable } from 'node:stream';
import type { RunListener } from '../runner/types.js';

/** Prints the run log document when the run ends. */
export function createJsonReporter(stream: Writable): RunListener {
  return {
    onRunEnd(log) {
      stream.write(`${JSON.stringify(log, null, 2)}\n`);
    },
  };
}
