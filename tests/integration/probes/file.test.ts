import { describe, expect, it } from 'vitest';
import { chmodSync } from 'node:fs';
import fileProbe from '../../../src/probes/file/index.js';
import { runProbe } from '../../support/probe-run.js';
import { runItems } from '../../support/run-checklist.js';
import { tempDir } from '../../support/tmp.js';

describe('file probe', () => {
  it('observes existence, type, size, mode, content and lines relative to the working directory', async () => {
    const t = tempDir({ 'CHANGELOG.md': '# Changelog\n\n## v1.2.0\n' });
    try {
      chmodSync(t.path('CHANGELOG.md'), 0o640);
      const out = await runProbe(fileProbe, { path: 'CHANGELOG.md' }, { cwd: t.dir, timeoutMs: 1000 });
      expect(out.observations).toEqual({
        exists: true,
        type: 'file',
        size: 23,
        mode: '0640',
        content: '# Changelog\n\n## v1.2.0\n',
        lines: 3,
      });
      const missing = await runProbe(fileProbe, { path: 'RELEASE_NOTES.md' }, { cwd: t.dir, timeoutMs: 1000 });
      expect(missing).toMatchObject({ observations: { exists: false }, problems: ['RELEASE_NOTES.md does not exist'] });
    } finally {
      t.remove();
    }
  });
});

/** A failing `expect:` says what is missing in the probe's own words, beside the condition. */
describe('file probe: its reasons beside failing conditions', () => {
  it('file: ".github/workflows does not exist", not "type was not observed"', async () => {
    const repo = tempDir({ 'README.md': '# x\n' });
    try {
      const { item } = await runItems(
        `      - id: wf
        title: Workflows
        probe: { kind: file, path: .github/workflows, expect: ['type == "directory"'] }
`,
        { cwd: repo.dir },
      );
      expect(item('wf').message).toBe('.github/workflows does not exist: type == "directory" (type was not observed)');
    } finally {
      repo.remove();
    }
  });
});
