import { resolve } from 'node:path';
import { z } from 'zod';
import { defineProbe } from '../types.js';

const MAX_CONTENT = 1024 * 1024;

const params = z.strictObject({
  path: z.string().min(1).describe("The file, relative to the working directory (where the user's repository is)."),
});

/** Looks at a file: whether it exists, its size, mode and content. */
export default defineProbe({
  kind: 'file',
  summary: 'Checks that a file exists and reads its size, mode and content (first 1 MiB).',
  docs: 'https://nodejs.org/api/fs.html#fspromisesstatpath-options',
  params,
  example: { path: 'alembic.ini' },
  observations: {
    exists: 'true when the path exists',
    type: 'file, directory, symlink or other',
    size: 'size in bytes',
    mode: 'permission bits in octal, such as "0644"',
    content: 'the text content (first 1 MiB) of a regular file',
    lines: 'the number of lines of a regular file',
  },
  defaultCheck: 'exists == true',
  async run(p, ctx) {
    const { lstat, open } = await import('node:fs/promises');
    const full = resolve(ctx.cwd, p.path);
    let stat;
    try {
      stat = await lstat(full);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') {
        const why = `${p.path} does not exist`;
        const reasons = Object.fromEntries(['exists', 'type', 'size', 'mode', 'content', 'lines'].map((k) => [k, why]));
        return { observations: { exists: false }, problems: [why], reasons };
      }
      throw e;
    }
    const type = stat.isFile() ? 'file' : stat.isDirectory() ? 'directory' : stat.isSymbolicLink() ? 'symlink' : 'other';
    const observations: Record<string, unknown> = {
      exists: true,
      type,
      size: stat.size,
      mode: `0${(stat.mode & 0o777).toString(8)}`,
    };
    if (type === 'file') {
      const handle = await open(full, 'r');
      try {
        const buf = Buffer.alloc(Math.min(stat.size, MAX_CONTENT));
        await handle.read(buf, 0, buf.length, 0);
        const content = buf.toString('utf8');
        observations.content = content;
        observations.lines = content === '' ? 0 : content.split('\n').length - (content.endsWith('\n') ? 1 : 0);
      } finally {
        await handle.close();
      }
    }
    return { observations, summary: `${type}, ${stat.size} bytes` };
  },
});
