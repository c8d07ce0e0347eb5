import type { Writable } from 'node:stream';
import type { RunListener } from '../runner/types.js';
import { renderStepSummary } from './github.js';

/** `check --format markdown`: the run's summary as Markdown for a pull-request comment (the GitHub step summary). */
export function createMarkdownSummaryReporter(stream: Writable): RunListener {
  return {
    onRunEnd(log) {
      stream.write(renderStepSummary(log));
    },
  };
}
