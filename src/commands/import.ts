import { existsSync } from 'node:fs';
import { basename, dirname, extname, isAbsolute, join, relative, resolve, sep } from 'node:path';
import { SCHEMA_PATH } from '../checklist/json-schema.js';
import { parseChecklist } from '../checklist/load.js';
import { idSchema } from '../checklist/schema.js';
import { UsageError } from '../errors.js';
import { PACKAGE_ROOT } from '../util/package-root.js';
import { FileTooLargeError, readCapped } from '../util/read-capped.js';
import { displayPath, type CommandIO, writeOutputFile } from './io.js';

const PACKAGE_SCHEMA = join(PACKAGE_ROOT, SCHEMA_PATH);
/** A Markdown checklist larger than this is refused (they are a few hundred lines). */
const MAX_MARKDOWN_BYTES = 4 * 1024 * 1024;

export interface ImportOptions {
  output?: string | undefined;
  id?: string | undefined;
  force: boolean;
}

/**
 * `sfdeploy import <markdown-file>`: a YAML checklist of manual items from a Markdown checklist, validated before it is
 * written. Exit 0 only when every checkbox became an item; 1 when some checkbox-like text could not be (listed with
 * its line; the rest is still written); 2 when nothing could be imported.
 */
export async function importCommand(file: string, opts: ImportOptions, io: CommandIO): Promise<number> {
  if (opts.id !== undefined && !idSchema.safeParse(opts.id).success)
    throw new UsageError(`--id expects a kebab-case id such as pre-deploy, got "${opts.id}"`);
  const source = resolve(io.cwd, file);
  const markdown = await readMarkdown(source, file);
  const { importMarkdown } = await import('../import/convert.js');
  const { count, renderImportedYaml } = await import('../import/render.js');
  const imported = importMarkdown(markdown, { id: opts.id, fallbackTitle: basename(source, extname(source)) });
  const notImported = imported.unimported.map((u) => `not imported: ${file}:${u.line}: ${u.reason}: ${u.text}`);
  if (!imported.definition.sections.length) {
    const inTable = imported.unimported.filter((u) => u.inTable);
    if (inTable.length && inTable.length === imported.unimported.length)
      throw new UsageError(
        `${file}:${inTable[0]!.line}: the checkboxes are in a table (${inTable.length} rows); sfdeploy import reads task lists: write each row as "- [ ] text"`,
      );
    throw new UsageError([`${file} has no checkbox items ("- [ ] text") to import`, ...notImported].join('\n'));
  }
  const out = opts.output ? resolve(io.cwd, opts.output) : undefined;
  if (out && existsSync(out) && !opts.force)
    throw new UsageError(`${displayPath(out, io.cwd)} exists: choose another --output, or add --force to overwrite it`);
  const schema = existsSync(PACKAGE_SCHEMA) ? schemaReference(dirname(out ?? resolve(io.cwd, 'checklist.yaml')), io.cwd) : undefined;
  const yaml = renderImportedYaml(imported, { schemaRef: schema?.ref, source: basename(source) });
  parseChecklist(yaml, out ?? '<stdout>', { env: {} });
  for (const s of imported.notes) io.stderr.write(`note: ${s}\n`);
  if (schema?.note) io.stderr.write(`note: ${schema.note}\n`);
  for (const line of notImported) io.stderr.write(`${line}\n`);
  if (!out) {
    io.stdout.write(yaml);
  } else {
    await writeOutputFile(out, yaml, io.cwd);
  }
  const { sections } = imported.definition;
  const approvals = imported.approvalItems ? `, plus ${count(imported.approvalItems, 'approval item')} from sign-off lines` : '';
  io.stderr.write(
    `${imported.checkboxes} checkboxes found, ${imported.itemsFromCheckboxes} items written${approvals}, in ${count(sections.length, 'section')}${out ? ` into ${displayPath(out, io.cwd)}` : ''}; it validates (sfdeploy validate)\n`,
  );
  if (imported.unimported.length) {
    io.stderr.write(`${imported.unimported.length} of ${imported.checkboxes} checkboxes were not imported (listed above)\n`);
    return 1;
  }
  return 0;
}

async function readMarkdown(path: string, shown: string): Promise<string> {
  let bytes: Buffer;
  try {
    bytes = await readCapped(path, MAX_MARKDOWN_BYTES);
  } catch (e) {
    if (e instanceof FileTooLargeError) throw new UsageError(`${shown} is larger than 4 MiB: not a Markdown checklist`);
    const code = (e as NodeJS.ErrnoException).code;
    throw new UsageError(
      `cannot read ${shown}: ${code === 'ENOENT' ? 'no such file' : code === 'EISDIR' ? 'it is a directory' : (e as Error).message}`,
    );
  }
  try {
    return new TextDecoder('utf-8', { fatal: true, ignoreBOM: false }).decode(bytes);
  } catch {
    throw new UsageError(`${shown} is not UTF-8 text`);
  }
}

/** The nearest folder upward with `.git` or `package.json`: the repository the checklist is written into. */
function repositoryRoot(from: string): string | undefined {
  for (let dir = resolve(from); ; dir = dirname(dir)) {
    if (existsSync(join(dir, '.git')) || existsSync(join(dir, 'package.json'))) return dir;
    if (dirname(dir) === dir) return undefined;
  }
}

/**
 * The `$schema` reference for a checklist written into `fromDir`, relative so it survives a clone: to this package's
 * schema when the repository contains it (sfdeploy's own checkout, or installed in its node_modules), else to where
 * `npm i -D sfdeploy` puts it in that repository (the working directory when there is none) — never a path of this machine.
 */
function schemaReference(fromDir: string, cwd: string): { ref: string; note?: string } {
  const root = repositoryRoot(fromDir) ?? cwd;
  const inside = relative(root, PACKAGE_ROOT);
  const toPosix = (p: string): string => p.split(sep).join('/');
  if (!inside.startsWith('..') && !isAbsolute(inside)) return { ref: toPosix(relative(fromDir, PACKAGE_SCHEMA)) };
  const installed = join(root, 'node_modules', 'sfdeploy', SCHEMA_PATH);
  return {
    ref: toPosix(relative(fromDir, installed)),
    note: `the $schema line points at ${toPosix(relative(root, installed))}: install sfdeploy in this repository (npm i -D sfdeploy) for editor completion`,
  };
}
