import type { Writable } from 'node:stream';
import type { ItemResult, RunListener, RunLog } from '../runner/types.js';

/**
 * TAP version 13 (https://testanything.org/tap-version-13-specification.html): one test point per item, in
 * checklist order, at the end of the run. Skipped items are `# SKIP`; pending sign-offs and failed optional items
 * are `not ok ... # TODO` (TAP consumers do not count them as failures; the exit code still does for pending).
 */
export function renderTap(log: RunLog): string {
  const items = log.items.filter((r) => !r.filtered);
  const out = ['TAP version 13', `1..${items.length}`];
  items.forEach((r, i) => {
    const name = `${oneLine(r.title)} (${r.id})`;
    const point = i + 1;
    switch (r.status) {
      case 'pass':
      case 'signed':
        out.push(`ok ${point} - ${name}`);
        break;
      case 'skip':
        out.push(`ok ${point} - ${name} # SKIP ${oneLine(r.message)}`);
        break;
      case 'pending':
        out.push(`not ok ${point} - ${name} # TODO ${r.optional ? 'optional sign-off pending' : 'sign-off pending'}`);
        break;
      case 'warn':
        out.push(`not ok ${point} - ${name} # TODO optional: ${oneLine(r.message)}`);
        out.push(...diagnostics(r));
        break;
      default:
        out.push(`not ok ${point} - ${name}`);
        out.push(...diagnostics(r));
    }
  });
  out.push(`# ${log.checklist.id}: ${log.summary.verdict} (exit ${log.summary.exitCode})`);
  return `${out.join('\n')}\n`;
}

function diagnostics(r: ItemResult): string[] {
  const lines = ['  ---', `  status: ${r.status}`, `  severity: ${r.severity}`, `  section: ${JSON.stringify(r.sectionTitle)}`];
  lines.push(`  message: ${JSON.stringify(r.message)}`);
  if (r.hint) lines.push(`  hint: ${JSON.stringify(r.hint)}`);
  lines.push('  ...');
  return lines;
}

/** A test point's description ends at the line; `#` would start a directive. */
function oneLine(text: string): string {
  return text.replace(/\s+/g, ' ').replace(/#/g, '\\#').trim();
}

export function createTapReporter(stream: Writable): RunListener {
  return {
    onRunEnd(log) {
      stream.write(renderTap(log));
    },
  };
}
