import { ProbeError } from '../../errors.js';
import { maskUrlPasswords } from '../../util/redact.js';
import { runProcess } from '../../util/run-process.js';
import type { ProbeContext } from '../types.js';
import type { Migration } from './scripts.js';

/** Output of one alembic command kept in memory. */
const MAX_OUTPUT = 4 * 1024 * 1024;

export interface AlembicRun {
  ok: boolean;
  stdout: string;
  stderr: string;
}

/**
 * Runs `alembic -c <config> [-n <section>] <args>` in the working directory with sfdeploy's environment, so the
 * project's env.py picks the database as it does in production. Never writes bytecode into the project.
 */
export async function runAlembic(
  command: readonly string[],
  config: string,
  section: string,
  args: string[],
  ctx: ProbeContext,
): Promise<AlembicRun> {
  const [file, ...pre] = command as [string, ...string[]];
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries(ctx.env)) if (v !== undefined) env[k] = v;
  env.PYTHONDONTWRITEBYTECODE = '1';
  const argv = [...pre, '-c', config, ...(section === 'alembic' ? [] : ['-n', section]), ...args];
  const result = await runProcess(file, argv, { cwd: ctx.cwd, env, signal: ctx.signal, maxOutput: MAX_OUTPUT }).catch((e: unknown) => {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') {
      throw new ProbeError(
        `${file} not found: install Alembic (apt-get install -y alembic, or pip install alembic in the project's virtualenv) or set command: to run it`,
      );
    }
    if (code === 'EACCES') throw new ProbeError(`permission denied running ${file}`);
    throw e;
  });
  if (result.stopped) throw new Error(`alembic ${args[0]} was cancelled`);
  if (result.truncated) throw new ProbeError(`alembic ${args[0]} printed more than ${MAX_OUTPUT / 1024 / 1024} MiB`);
  return { ok: result.code === 0, stdout: result.stdout.replace(/\r?\n$/, ''), stderr: result.stderr.replace(/\r?\n$/, '') };
}

const REVISION_LINE = /^(\S+)((?: \([^()]*\))*)\s*$/;

/** Revision ids printed by `alembic current` / `alembic heads`: one per line, with `(head)`-style markers. */
export function parseRevisionLines(stdout: string): string[] {
  const out: string[] = [];
  for (const line of stdout.split(/\r?\n/)) {
    const m = REVISION_LINE.exec(line.trim());
    if (m && !out.includes(m[1]!)) out.push(m[1]!);
  }
  return out;
}

/**
 * `alembic current --verbose`: the database the project's env.py connected to (`Current revision(s) for <url>:`, its
 * password hidden by alembic, removed here) and the revisions (`Rev: <id> (head)` lines).
 */
export function parseVerboseCurrent(stdout: string): { database: string | undefined; revisions: string[] } {
  let database: string | undefined;
  const revisions: string[] = [];
  for (const line of stdout.split(/\r?\n/)) {
    const db = /^Current revision\(s\) for (.+):\s*$/.exec(line.trim());
    if (db) database ??= withoutPassword(db[1]!);
    const rev = /^Rev: (\S+)/.exec(line.trim());
    if (rev && !revisions.includes(rev[1]!)) revisions.push(rev[1]!);
  }
  return { database, revisions };
}

/** A database URL for messages: `postgresql://app@db:5432/app`, whatever stood for its password removed. */
export function withoutPassword(url: string): string {
  return url.replace(/^([a-z][\w+.-]*:\/\/[^/@:]*):[^/@]*@/i, '$1@');
}

/**
 * Migrations from `alembic history` lines: `a1b2, c3d4 (dep) -> e5f6 (label) (head) (mergepoint), message`.
 * Alembic validated this graph already; labels (inherited along branches) and dependencies on labels are left out.
 */
export function parseHistory(stdout: string): Migration[] {
  const out: Migration[] = [];
  for (const line of stdout.split(/\r?\n/)) {
    const m = /^(.*?) -> (\S+)((?: \([^()]*\))*), ?(.*)$/.exec(line.trim());
    if (!m) continue;
    const down = /^(.*?)(?: \(([^()]*)\))?$/.exec(m[1]!.trim())!;
    const list = (s: string | undefined): string[] =>
      (s ?? '')
        .split(',')
        .map((x) => x.trim())
        .filter((x) => x && x !== '<base>');
    const message = m[4]!.trim();
    out.push({
      revision: m[2]!,
      downRevisions: list(down[1]),
      dependsOn: list(down[2]),
      branchLabels: [],
      message,
      slug: (message.match(/\w+/g) ?? []).join('_').toLowerCase().slice(0, 40),
      file: 'alembic history',
    });
  }
  const known = new Set(out.map((m) => m.revision));
  for (const m of out) m.dependsOn = m.dependsOn.filter((d) => known.has(d));
  return out;
}

/** A database revision alembic cannot find among the scripts (`alembic current` fails with it, on stdout). */
export function unknownRevisionIn(run: AlembicRun): string | undefined {
  return /Can't locate revision identified by '([^']+)'/.exec(`${run.stdout}\n${run.stderr}`)?.[1];
}

/**
 * One line from a failed alembic run: the `FAILED:` line, else the exception at the end of the traceback
 * without its class name, database driver errors reworded like the postgres probe's. Never the traceback.
 */
export function describeAlembicFailure(stderr: string, stdout: string, redact: (text: string) => string = maskUrlPasswords): string {
  const lines = stderr.split(/\r?\n/);
  let text: string | undefined;
  const failed = [...stdout.split(/\r?\n/), ...lines].find((l) => l.startsWith('FAILED: '));
  if (failed) text = failed.slice('FAILED: '.length);
  if (text === undefined) {
    const at = lines.findLastIndex((l) => /^[A-Za-z_][\w.]*(?:Error|Exception|Exit|Interrupt|Failure)\b:?/.test(l));
    if (at >= 0) {
      const tail: string[] = [];
      for (const l of lines.slice(at)) {
        if (l.trim() === '' || l.startsWith('(Background on this error')) break;
        tail.push(l.trim());
      }
      text = tail.join(' ').replace(/^[A-Za-z_][\w.]*:\s*/, '');
    }
  }
  text ??=
    [...lines, ...stdout.split(/\r?\n/)]
      .reverse()
      .find((l) => l.trim() !== '')
      ?.trim() ?? 'no output';
  text = text
    .replace(/^\([\w.]+\)\s*/, '')
    .replace(/\s+/g, ' ')
    .trim();
  const key = /^KeyError: '([^']+)'$/.exec(text) ?? (/KeyError/.test(stderr) ? /^'([^']+)'$/.exec(text) : null);
  if (key) return `a migration names revision ${key[1]}, which no migration defines`;
  const refused = /connection to server at "([^"]+)"(?: \([^)]*\))?, port (\d+) failed: Connection refused/.exec(text);
  if (refused) return `connection refused at ${refused[1]}:${refused[2]}`;
  const password = /password authentication failed for user "([^"]+)"/.exec(text);
  if (password) return `password authentication failed for user ${password[1]}`;
  const database = /database "([^"]+)" does not exist/.exec(text);
  if (database) return `database "${database[1]}" does not exist`;
  const scripts = /Path doesn't exist: '?([^']+?)'?\.\s*Please use the 'init' command/i.exec(text);
  if (scripts) {
    return redact(
      `the migration scripts folder ${scripts[1]} does not exist here: run sfdeploy from the application's repository, or point ALEMBIC_CONFIG (the probe's config) at its alembic.ini`,
    );
  }
  // masked before it is cut: a secret cut in two is no longer recognised
  const masked = maskUrlPasswords(redact(text));
  return masked.length > 300 ? `${masked.slice(0, 297)}...` : masked;
}
