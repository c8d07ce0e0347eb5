import { existsSync } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import { basename, dirname, extname, isAbsolute, relative, resolve, sep } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { importMarkdown, renderImportedYaml } from '../checklist/import-markdown.js';
import { SCHEMA_PATH } from '../checklist/json-schema.js';
import { parseChecklist } from '../checklist/load.js';
import { idSchema } from '../checklist/schema.js';
import { UsageError } from '../errors.js';
import { makeDirectory } from '../util/make-directory.js';
import { displayPath, type CommandIO } from './io.js';

const PACKAGE_SCHEMA = fileURLToPath(new URL(`../../${SCHEMA_PATH}`, import.meta.url));

export interface ImportOptions {
  output?: string | undefined;
  id?: string | undefined;
  force: boolean;
}

/** `sfdeploy import <markdown-file>`: a YAML checklist of manual items from a Markdown checklist; it is validated before it is written. */
export async function importCommand(file: string, opts: ImportOptions, io: CommandIO): Promise<number> {
  if (opts.id !== undefined && !idSchema.safeParse(opts.id).success)
    throw new UsageError(`--id expects a kebab-case id such as pre-deploy, got "${opts.id}"`);
  const source = resolve(io.cwd, file);
  let markdown: string;
  try {
    markdown = await readFile(source, 'utf8');
  } catch (e) {
    throw new UsageError(`cannot read ${file}: ${(e as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (e as Error).message}`);
  }
  const imported = importMarkdown(markdown, { id: opts.id, fallbackTitle: basename(source, extname(source)) });
  if (!imported.itemCount) throw new UsageError(`${file} has no "- [ ]" checkbox items to import`);
  const out = opts.output ? resolve(io.cwd, opts.output) : undefined;
  if (out && existsSync(out) && !opts.force)
    throw new UsageError(`${displayPath(out, io.cwd)} exists: choose another --output, or add --force to overwrite it`);
  const schemaRef = existsSync(PACKAGE_SCHEMA) ? schemaReference(dirname(out ?? resolve(io.cwd, 'checklist.yaml'))) : undefined;
  const yaml = renderImportedYaml(imported, { schemaRef, source: basename(source) });
  parseChecklist(yaml, out ?? '<stdout>', { env: {} });
  for (const s of imported.skipped) io.stderr.write(`note: ${s}\n`);
  if (!out) {
    io.stdout.write(yaml);
  } else {
    try {
      await makeDirectory(dirname(out));
      await writeFile(out, yaml);
    } catch (e) {
      throw new UsageError(`cannot write ${displayPath(out, io.cwd)}: ${(e as Error).message}`);
    }
  }
  const { sections } = imported.definition;
  io.stderr.write(
    `imported ${imported.itemCount} manual items in ${sections.length} sections${out ? ` into ${displayPath(out, io.cwd)}` : ''}; it validates (sfdeploy validate)\n`,
  );
  return 0;
}

/**
 * The schema relative to the checklist when the checklist is inside the project sfdeploy is installed in (or inside
 * sfdeploy's own checkout), so the reference survives a clone; else a file URL.
 */
function schemaReference(fromDir: string): string {
  const packageRoot = resolve(dirname(PACKAGE_SCHEMA), '..');
  const parts = packageRoot.split(sep);
  const nodeModules = parts.lastIndexOf('node_modules');
  const projectRoot = nodeModules > 0 ? parts.slice(0, nodeModules).join(sep) : packageRoot;
  const rel = relative(projectRoot, resolve(fromDir));
  if (rel.startsWith('..') || isAbsolute(rel)) return pathToFileURL(PACKAGE_SCHEMA).href;
  return relative(fromDir, PACKAGE_SCHEMA).split(sep).join('/');
}
