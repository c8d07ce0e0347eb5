import { afterEach, describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { removeStaleTempFiles, writeFileAtomic } from '../../src/util/atomic-file.js';
import { tempDir } from '../support/tmp.js';

const cleanups: (() => void)[] = [];
afterEach(() => cleanups.splice(0).forEach((f) => f()));

describe('atomic run-log files', () => {
  it('replaces a file whole and leaves no temp file', async () => {
    const t = tempDir({ 'run.json': '{"old": true}' });
    cleanups.push(t.remove);
    await writeFileAtomic(t.path('run.json'), '{"new": true}\n');
    expect(readFileSync(t.path('run.json'), 'utf8')).toBe('{"new": true}\n');
    expect(readdirSync(t.dir)).toEqual(['run.json']);
  });

  it('removes temp files of writers that are gone, and keeps those of live writers', async () => {
    const t = tempDir();
    cleanups.push(t.remove);
    const dead = spawnSync(process.execPath, ['-e', 'console.log(process.pid)']).stdout.toString().trim();
    writeFileSync(t.path(`.a.json.${dead}.tmp`), '{"half');
    writeFileSync(t.path(`.b.json.${process.ppid}.tmp`), '{"live');
    writeFileSync(t.path('c.json'), '{}');
    expect(await removeStaleTempFiles(t.dir)).toEqual([`.a.json.${dead}.tmp`]);
    expect(readdirSync(t.dir).sort()).toEqual([`.b.json.${process.ppid}.tmp`, 'c.json']);
  });
});
