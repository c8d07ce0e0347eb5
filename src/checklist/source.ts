import { readFile, stat } from 'node:fs/promises';
import { LineCounter, parseDocument, type Document } from 'yaml';
import { ChecklistError, type Problem } from '../errors.js';

/** Checklists larger than this are refused before parsing. */
export const MAX_CHECKLIST_BYTES = 4 * 1024 * 1024;
const MAX_ALIAS_COUNT = 100;

/** A checklist file read and parsed as YAML, not yet validated. */
export interface ChecklistSource {
  bytes: Buffer;
  doc: Document;
  lines: LineCounter;
  data: unknown;
}

/** Reads a checklist file's bytes. Throws ChecklistError when it is missing, a directory or too large. */
export async function readChecklistBytes(file: string): Promise<Buffer> {
  try {
    const info = await stat(file);
    if (info.isDirectory()) throw new ChecklistError([fileProblem(file, 'is a directory, not a checklist file')]);
    if (info.size > MAX_CHECKLIST_BYTES) {
      throw new ChecklistError([fileProblem(file, `is ${info.size} bytes; checklists are limited to ${MAX_CHECKLIST_BYTES} bytes`)]);
    }
    return await readFile(file);
  } catch (e) {
    if (e instanceof ChecklistError) throw e;
    const code = (e as NodeJS.ErrnoException).code;
    throw new ChecklistError([fileProblem(file, code === 'ENOENT' ? 'no such file' : `cannot read: ${(e as Error).message}`)]);
  }
}

/** Decodes UTF-8 and parses YAML (duplicate keys, alias bombs and deep nesting refused); the top level must be a mapping. */
export function parseChecklistSource(source: Buffer | string, file: string): ChecklistSource {
  const bytes = typeof source === 'string' ? Buffer.from(source, 'utf8') : source;
  if (bytes.length > MAX_CHECKLIST_BYTES) {
    throw new ChecklistError([fileProblem(file, `is ${bytes.length} bytes; checklists are limited to ${MAX_CHECKLIST_BYTES} bytes`)]);
  }
  const text = decodeUtf8(bytes, file);
  const lines = new LineCounter();
  let doc: Document;
  let data: unknown;
  try {
    doc = parseDocument(text, { lineCounter: lines, prettyErrors: false, uniqueKeys: true, strict: true, stringKeys: false });
    const syntax = [...doc.errors];
    if (syntax.length) {
      throw new ChecklistError(
        syntax.map((err) => {
          const pos = lines.linePos(err.pos[0]);
          const message = err.code === 'DUPLICATE_KEY' ? `duplicate key: ${firstLine(err.message)}` : firstLine(err.message);
          return fileProblem(file, message, pos.line, pos.col);
        }),
      );
    }
    data = doc.toJS({ maxAliasCount: MAX_ALIAS_COUNT });
  } catch (e) {
    if (e instanceof ChecklistError) throw e;
    if (e instanceof RangeError) throw new ChecklistError([fileProblem(file, 'the document is nested too deeply')]);
    if (e instanceof ReferenceError) {
      throw new ChecklistError([
        fileProblem(file, `too many alias expansions (more than ${MAX_ALIAS_COUNT}); aliases are limited to guard against alias bombs`),
      ]);
    }
    throw new ChecklistError([fileProblem(file, `cannot parse YAML: ${(e as Error).message}`)]);
  }
  return { bytes, doc, lines, data };
}

export function fileProblem(file: string, message: string, line = 1, col = 1): Problem {
  return { file, line, col, path: '', message };
}

function decodeUtf8(bytes: Buffer, file: string): string {
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(bytes).replace(/^\uFEFF/, '');
  } catch {
    const bad = firstInvalidUtf8(bytes);
    const before = bytes.subarray(0, bad).toString('utf8');
    const line = before.split('\n').length;
    const col = before.length - before.lastIndexOf('\n');
    throw new ChecklistError([
      fileProblem(file, `invalid UTF-8 byte 0x${bytes[bad]?.toString(16).padStart(2, '0')}; save the file as UTF-8`, line, col),
    ]);
  }
}

/** Offset of the first byte that does not start or continue a valid UTF-8 sequence. */
function firstInvalidUtf8(bytes: Buffer): number {
  let i = 0;
  while (i < bytes.length) {
    const b = bytes[i]!;
    const len = b < 0x80 ? 1 : b >= 0xc2 && b < 0xe0 ? 2 : b >= 0xe0 && b < 0xf0 ? 3 : b >= 0xf0 && b < 0xf5 ? 4 : 0;
    if (len === 0) return i;
    for (let k = 1; k < len; k++) {
      const c = bytes[i + k];
      if (c === undefined || (c & 0xc0) !== 0x80) return i;
    }
    i += len;
  }
  return i;
}

function firstLine(message: string): string {
  return message.split('\n')[0]!.replace(/ at line \d+, column \d+:?$/, '');
}
