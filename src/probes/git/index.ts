import { isAbsolute, join, relative, resolve } from 'node:path';
import { z } from 'zod';
import { ProbeError } from '../../errors.js';
import { oneLine } from '../../util/network-error.js';
import { maskUrlPasswords } from '../../util/redact.js';
import { runProcess, warmProcessRunner } from '../../util/run-process.js';
import { defineProbe } from '../types.js';

/** semver.org's regular expression, with an optional leading `v`. */
const SEMVER =
  /^v?(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)(?:-((?:0|[1-9]\d*|\d*[a-zA-Z-][0-9a-zA-Z-]*)(?:\.(?:0|[1-9]\d*|\d*[a-zA-Z-][0-9a-zA-Z-]*))*))?(?:\+([0-9a-zA-Z-]+(?:\.[0-9a-zA-Z-]+)*))?$/;

/** Output of one git command kept in memory (the status of a large tree); more is an error, not a cut list. */
const MAX_OUTPUT = 16 * 1024 * 1024;

/** sfdeploy's own run logs and ledger: never a reason to call the tree dirty. */
const OWN_DIR = /(^|\/)\.sfdeploy(\/|$)/;

const params = z.strictObject({
  path: z
    .string()
    .min(1)
    .default('.')
    .describe('The repository (or a folder in it), relative to the working directory. Default: the working directory.'),
  changelog: z
    .string()
    .min(1)
    .default('CHANGELOG.md')
    .describe('The changelog, relative to path, searched for the tag at HEAD. Default CHANGELOG.md.'),
  paths: z
    .array(z.string().min(1), { error: 'expected a list of paths such as [.env]' })
    .default([])
    .describe('Paths, relative to path, whose tracked/ignored status is observed (tracked..env, ignored..env).'),
});

/** Reads the state of a git repository with the git CLI. */
export default defineProbe({
  kind: 'git',
  summary: 'Checks the git repository: clean tree, branch, tag at HEAD, upstream, changelog, tracked/ignored files.',
  docs: 'https://git-scm.com/docs/git-status',
  warm: warmProcessRunner,
  params,
  example: {},
  observations: {
    clean: "true when there are no uncommitted changes or untracked files (sfdeploy's .sfdeploy/ is ignored)",
    dirty_files: 'the changed or untracked paths, relative to the repository root',
    branch: 'the current branch; null when HEAD is detached',
    head_sha: 'the commit at HEAD; null in a repository without commits',
    tag: 'the tag at HEAD (the highest version when there are several); null when HEAD is not tagged',
    tags: 'every tag at HEAD',
    tag_is_semver: 'true when tag is a semantic version (1.2.3, v1.2.3-rc.1)',
    upstream: 'the upstream branch (origin/main); null when none is set',
    ahead: 'commits on HEAD that the upstream lacks; null without an upstream',
    behind: 'commits on the upstream that HEAD lacks (as of the last fetch); null without an upstream',
    'tracked.**': 'per entry of paths: true when git tracks it (tracked..env == false)',
    'ignored.**': 'per entry of paths: true when a .gitignore rule matches it, tracked or not (ignored..env == true)',
    changelog_exists: 'true when the changelog file exists',
    changelog_mentions_tag: 'true when the changelog mentions the version of the tag at HEAD (v1.2.0 or 1.2.0)',
  },
  defaultCheck: 'clean == true (uncommitted and untracked files are listed)',
  async run(p, ctx) {
    const { readFile, stat } = await import('node:fs/promises');
    const dir = resolve(ctx.cwd, p.path);
    const info = await stat(dir).catch(() => undefined);
    if (!info) throw new ProbeError(`${p.path} does not exist`);
    if (!info.isDirectory()) throw new ProbeError(`${p.path} is not a directory`);

    const env: Record<string, string> = {};
    for (const [k, v] of Object.entries(ctx.env)) if (v !== undefined) env[k] = v;
    Object.assign(env, { LC_ALL: 'C', GIT_OPTIONAL_LOCKS: '0', GIT_TERMINAL_PROMPT: '0' });
    const git = async (...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> => {
      const r = await runProcess('git', ['-C', dir, ...args], { env, signal: ctx.signal, maxOutput: MAX_OUTPUT }).catch((e: unknown) => {
        if ((e as NodeJS.ErrnoException).code === 'ENOENT')
          throw new ProbeError('git is not installed (command not found: git); the git probe needs the git CLI on PATH');
        throw e;
      });
      if (r.stopped) {
        const reason = ctx.signal.reason instanceof Error ? ctx.signal.reason.message : 'cancelled';
        throw new Error(`git ${args[0]} in ${p.path} did not finish: ${reason}`);
      }
      if (r.truncated) throw new ProbeError(`git ${args[0]} in ${p.path} printed more than ${MAX_OUTPUT / 1024 / 1024} MiB`);
      return { code: r.code ?? -1, stdout: r.stdout, stderr: maskUrlPasswords(r.stderr) };
    };

    const top = await git('rev-parse', '--show-toplevel');
    if (top.code !== 0) {
      const first = top.stderr.split('\n').find((l) => l.trim()) ?? `git exited with ${top.code}`;
      if (/not a git repository/i.test(first)) throw new ProbeError(`${p.path} is not a git repository (nor is any parent folder)`);
      throw new ProbeError(`git cannot read ${p.path}: ${oneLine(first.replace(/^fatal:\s*/, ''))}`);
    }

    const [head, branch, status, tagList, upstream] = await Promise.all([
      git('rev-parse', '--verify', '-q', 'HEAD'),
      git('symbolic-ref', '--short', '-q', 'HEAD'),
      git('status', '--porcelain=v1', '-z', '--untracked-files=normal'),
      git('tag', '--points-at', 'HEAD', '--sort=-v:refname'),
      git('rev-parse', '--abbrev-ref', '--symbolic-full-name', '@{upstream}'),
    ]);
    if (status.code !== 0) throw new ProbeError(`git status failed in ${p.path}: ${oneLine(status.stderr) || `exit ${status.code}`}`);

    const root = top.stdout.trim();
    const own = (ctx.ownPaths ?? []).map((o) => relative(root, o)).filter((r) => r !== '' && !r.startsWith('..') && !isAbsolute(r));
    const isOwn = (path: string): boolean => OWN_DIR.test(path) || own.some((o) => path === o || path.startsWith(`${o}/`));
    const changes: Change[] = [];
    for (const c of parsePorcelain(status.stdout)) {
      // git collapses an untracked folder to `dir/`: when sfdeploy writes inside it, look at its files one by one
      if (c.code === '??' && c.path.endsWith('/') && own.some((o) => `${o}/`.startsWith(c.path))) {
        const inside = await git('ls-files', '-z', '--full-name', '--others', '--exclude-standard', '--', `:(top)${c.path}`);
        for (const f of inside.stdout.split('\0').filter(Boolean)) if (!isOwn(f)) changes.push({ code: '??', path: f });
      } else if (!isOwn(c.path)) changes.push(c);
    }
    const headSha = head.code === 0 ? head.stdout.trim() || null : null;
    const tags =
      headSha && tagList.code === 0
        ? tagList.stdout
            .split('\n')
            .map((t) => t.trim())
            .filter(Boolean)
        : [];
    const tag = tags.find((t) => SEMVER.test(t)) ?? tags[0] ?? null;

    let ahead: number | null = null;
    let behind: number | null = null;
    const upstreamName = upstream.code === 0 ? upstream.stdout.trim() || null : null;
    if (upstreamName && headSha) {
      const counts = await git('rev-list', '--left-right', '--count', 'HEAD...@{upstream}');
      const m = /^(\d+)\s+(\d+)/.exec(counts.stdout.trim());
      if (counts.code === 0 && m) {
        ahead = Number(m[1]);
        behind = Number(m[2]);
      }
    }

    const tracked: Record<string, boolean> = {};
    const ignored: Record<string, boolean> = {};
    await Promise.all(
      p.paths.map(async (path) => {
        const [files, check] = await Promise.all([git('ls-files', '-z', '--', path), git('check-ignore', '-q', '--no-index', '--', path)]);
        if (files.code !== 0) throw new ProbeError(`git ls-files ${path} failed: ${oneLine(files.stderr) || `exit ${files.code}`}`);
        if (check.code > 1) throw new ProbeError(`git check-ignore ${path} failed: ${oneLine(check.stderr) || `exit ${check.code}`}`);
        tracked[path] = files.stdout.length > 0;
        ignored[path] = check.code === 0;
      }),
    );

    const changelogText = await readFile(join(dir, p.changelog), 'utf8').catch(() => undefined);
    const observations = {
      clean: changes.length === 0,
      dirty_files: changes.map((c) => c.path),
      branch: branch.code === 0 ? branch.stdout.trim() || null : null,
      head_sha: headSha,
      tag,
      tags,
      tag_is_semver: tag !== null && SEMVER.test(tag),
      upstream: upstreamName,
      ahead,
      behind,
      tracked,
      ignored,
      changelog_exists: changelogText !== undefined,
      changelog_mentions_tag: tag !== null && changelogText !== undefined && mentionsVersion(changelogText, tag),
    };

    const problems: string[] = [];
    if (changes.length) {
      const shown = changes.slice(0, 5).map((c) => `${c.code.trim() || '?'} ${c.path}`);
      problems.push(
        `${changes.length} uncommitted change${changes.length === 1 ? '' : 's'} in ${p.path}: ${shown.join(', ')}${changes.length > 5 ? ', …' : ''}`,
      );
    }
    const reasons: Record<string, string> = {};
    if (tag === null) {
      const noTag = headSha ? 'HEAD has no tag' : 'the repository has no commits, so no tag';
      Object.assign(reasons, { tag: noTag, tag_is_semver: noTag, changelog_mentions_tag: noTag });
    } else if (!observations.tag_is_semver) reasons.tag_is_semver = `the tag at HEAD, ${tag}, is not a semantic version (v1.2.3)`;
    if (changelogText === undefined) {
      reasons.changelog_exists = `${p.changelog} does not exist`;
      reasons.changelog_mentions_tag ??= `${p.changelog} does not exist`;
    } else if (tag !== null && !observations.changelog_mentions_tag)
      reasons.changelog_mentions_tag = `${p.changelog} does not mention ${tag}`;
    for (const path of p.paths) {
      reasons[`tracked.${path}`] = tracked[path] ? `${path} is tracked by git` : `${path} is not tracked by git`;
      reasons[`ignored.${path}`] = ignored[path] ? `${path} is ignored by git` : `${path} is not ignored by git (add it to .gitignore)`;
    }
    if (problems.length) reasons.clean = problems[0]!;
    const where = observations.branch ?? (headSha ? `detached at ${headSha.slice(0, 12)}` : 'no commits yet');
    return { observations, problems, reasons, summary: `${where}${tag ? ` (${tag})` : ''}, ${observations.clean ? 'clean' : 'dirty'}` };
  },
});

interface Change {
  /** The two-letter status: ` M`, `??`, `A `, `R `. */
  code: string;
  path: string;
}

/** Parses `git status --porcelain=v1 -z`: `XY path\0`, renames and copies followed by `orig\0`. */
function parsePorcelain(text: string): Change[] {
  const fields = text.split('\0');
  const out: Change[] = [];
  for (let i = 0; i < fields.length; i++) {
    const f = fields[i]!;
    if (f.length < 4) continue;
    const code = f.slice(0, 2);
    out.push({ code, path: f.slice(3) });
    if (code[0] === 'R' || code[0] === 'C') i++;
  }
  return out;
}

/** Does the text mention the tag's version as a whole word (`## [1.2.0]`, `v1.2.0`), not a longer one (`1.2.0-rc.1`, `1.2.0.1`)? */
function mentionsVersion(text: string, tag: string): boolean {
  const version = tag.replace(/^v(?=\d)/, '');
  const escaped = version.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  return new RegExp(`(?<![\\w.-])v?${escaped}(?![\\w.+-]*\\w)`).test(text);
}
