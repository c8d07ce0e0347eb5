import { stat } from 'node:fs/promises';
import { isAlias, isMap, isPair, isScalar, isSeq, LineCounter, parseDocument, type Document, type Node } from 'yaml';
import { ChecklistError, type Problem } from '../errors.js';
import { FileTooLargeError, readCapped } from '../util/read-capped.js';

/** Checklists larger than this are refused before parsing. */
export const MAX_CHECKLIST_BYTES = 4 * 1024 * 1024;
const MAX_ALIAS_COUNT = 100;
/**
 * At most this many YAML entries (counted as commas and line breaks, which every list or mapping entry but the
 * first of a flow collection needs): the YAML parser takes seconds and gigabytes for a few million.
 */
export const MAX_YAML_ENTRIES = 200_000;

/** A checklist file read and parsed as YAML, not yet validated. */
export interface ChecklistSource {
  bytes: Buffer;
  doc: Document;
  lines: LineCounter;
  data: unknown;
  /** Problems found in the YAML that do not stop validation: duplicate keys, `__proto__` keys. */
  problems: Problem[];
}

/**
 * Reads a checklist file's bytes, at most MAX_CHECKLIST_BYTES of them whatever stat says (`/dev/zero`, a FIFO).
 * Throws ChecklistError when it is missing, a directory or too large.
 */
export async function readChecklistBytes(file: string): Promise<Buffer> {
  try {
    const info = await stat(file);
    if (info.isDirectory()) throw new ChecklistError([fileProblem(file, 'is a directory, not a checklist file')]);
    if (info.size > MAX_CHECKLIST_BYTES) {
      throw new ChecklistError([fileProblem(file, `is ${info.size} bytes; checklists are limited to ${MAX_CHECKLIST_BYTES} bytes`)]);
    }
    return await readCapped(file, MAX_CHECKLIST_BYTES);
  } catch (e) {
    if (e instanceof ChecklistError) throw e;
    if (e instanceof FileTooLargeError) {
      throw new ChecklistError([fileProblem(file, `is larger than ${MAX_CHECKLIST_BYTES} bytes; checklists are limited to that`)]);
    }
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
  checkEntryCount(text, file);
  const lines = new LineCounter();
  let doc: Document;
  let data: unknown;
  let problems: NodeProblem[];
  try {
    // duplicate keys are found by checkNodes in linear time (the parser's own check is quadratic)
    doc = parseDocument(text, { lineCounter: lines, prettyErrors: false, uniqueKeys: false, strict: true, stringKeys: false });
    const syntax = [...doc.errors];
    if (syntax.length) {
      throw new ChecklistError(
        syntax.map((err) => {
          const pos = lines.linePos(err.pos[0]);
          const message =
            err.code === 'MULTIPLE_DOCS'
              ? 'a second YAML document starts here (after ---); a checklist file holds one document'
              : firstLine(err.message);
          return fileProblem(file, message, pos.line, pos.col);
        }),
      );
    }
    problems = checkNodes(doc, lines, file);
    if (problems.some((p) => p.fatal)) throw new ChecklistError(problems);
    data = doc.toJS({ maxAliasCount: MAX_ALIAS_COUNT });
  } catch (e) {
    if (e instanceof ChecklistError) throw e;
    if (e instanceof FileTooLargeError) {
      throw new ChecklistError([fileProblem(file, `is larger than ${MAX_CHECKLIST_BYTES} bytes; checklists are limited to that`)]);
    }
    if (e instanceof RangeError) throw new ChecklistError([fileProblem(file, 'the document is nested too deeply')]);
    if (e instanceof ReferenceError) {
      throw new ChecklistError([
        fileProblem(file, `too many alias expansions (more than ${MAX_ALIAS_COUNT}); aliases are limited to guard against alias bombs`),
      ]);
    }
    throw new ChecklistError([fileProblem(file, `cannot parse YAML: ${(e as Error).message}`)]);
  }
  return { bytes, doc, lines, data, problems: problems.map(({ fatal: _fatal, ...p }) => p) };
}

/** Refuses a file of more than MAX_YAML_ENTRIES entries before the YAML parser sees it, at the line where it goes over. */
function checkEntryCount(text: string, file: string): void {
  let count = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if ((c === 0x2c || c === 0x0a) && ++count > MAX_YAML_ENTRIES) {
      const before = text.slice(0, i);
      const line = before.split('\n').length;
      const col = i - before.lastIndexOf('\n');
      throw new ChecklistError([
        fileProblem(
          file,
          `more than ${MAX_YAML_ENTRIES.toLocaleString('en-US')} YAML entries (lines and list items); a checklist is limited to that`,
          line,
          col,
        ),
      ]);
    }
  }
}

type NodeProblem = Problem & { fatal?: boolean };

/**
 * One pass over the YAML nodes, in source order and without recursion: duplicate keys (each mapping's keys in a Set),
 * `__proto__` keys (JavaScript objects would drop them silently) and aliases whose anchor is not defined before them
 * (fatal: the document cannot be read).
 */
function checkNodes(doc: Document, lines: LineCounter, file: string): NodeProblem[] {
  const problems: NodeProblem[] = [];
  const at = (node: Node | null | undefined, message: string, fatal = false): void => {
    const pos = lines.linePos(node?.range?.[0] ?? 0);
    problems.push({ ...fileProblem(file, message, pos.line, pos.col), ...(fatal ? { fatal } : {}) });
  };
  const anchors = new Set<string>();
  const stack: unknown[] = [doc.contents];
  while (stack.length) {
    const node = stack.pop();
    if (!node || typeof node !== 'object') continue;
    if (isAlias(node)) {
      if (!anchors.has(node.source)) at(node, `undefined alias *${node.source}: define &${node.source} before it is used`, true);
      continue;
    }
    const anchor = (node as { anchor?: string }).anchor;
    if (anchor) anchors.add(anchor);
    if (isMap(node)) {
      const keys = new Map<string, Node>();
      for (const pair of node.items) {
        if (!isPair(pair)) continue;
        const key = pair.key as Node | null;
        if (isScalar(key)) {
          const name = String(key.value);
          const first = keys.get(name);
          if (first) at(key, `duplicate key "${name}" (first at line ${lines.linePos(first.range?.[0] ?? 0).line})`);
          else keys.set(name, key);
          if (name === '__proto__') at(key, 'the key "__proto__" is not allowed (JavaScript objects cannot hold it)');
        }
      }
      for (let i = node.items.length - 1; i >= 0; i--) {
        const pair = node.items[i]!;
        stack.push(pair.value, pair.key);
      }
    } else if (isSeq(node)) {
      for (let i = node.items.length - 1; i >= 0; i--) stack.push(node.items[i]);
    }
  }
  return problems;
}

export function fileProblem(file: string, message: string, line = 1, col = 1): Problem {
  return { file, line, col, path: '', message };
}

function decodeUtf8(bytes: Buffer, file: string): string {
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(bytes).replace(/^\uFEFF/, '');
  } catch {
    const bad = firstInvalidUtf8(bytes);
    const before = bytes.subarray(0, bad.offset).toString('utf8');
    const line = before.split('\n').length;
    const col = before.length - before.lastIndexOf('\n');
    const shown = [...bytes.subarray(bad.offset, bad.offset + Math.max(1, bad.length))].map((b) => `0x${b.toString(16).padStart(2, '0')}`);
    const what = bad.surrogate
      ? `invalid UTF-8 sequence ${shown.join(' ')} (an encoded UTF-16 surrogate, as CESU-8 or WTF-8 write them)`
      : bad.length > 1
        ? `invalid UTF-8 sequence ${shown.join(' ')} (an overlong or out-of-range encoding)`
        : `invalid UTF-8 byte ${shown[0] ?? 'at the end of the file'}`;
    throw new ChecklistError([fileProblem(file, `${what}; save the file as UTF-8`, line, col)]);
  }
}

/**
 * The first byte sequence that is not valid UTF-8 (RFC 3629): a byte that cannot start or continue a sequence
 * (length 1), or a well-formed sequence that encodes a surrogate (U+D800-U+DFFF), an overlong form or more than U+10FFFF.
 */
function firstInvalidUtf8(bytes: Buffer): { offset: number; length: number; surrogate: boolean } {
  let i = 0;
  while (i < bytes.length) {
    const b = bytes[i]!;
    const len = b < 0x80 ? 1 : b >= 0xc2 && b < 0xe0 ? 2 : b >= 0xe0 && b < 0xf0 ? 3 : b >= 0xf0 && b < 0xf5 ? 4 : 0;
    if (len === 0) return { offset: i, length: 1, surrogate: false };
    for (let k = 1; k < len; k++) {
      const c = bytes[i + k];
      if (c === undefined || (c & 0xc0) !== 0x80) return { offset: i, length: 1, surrogate: false };
    }
    const second = bytes[i + 1]!;
    if (b === 0xed && second >= 0xa0) return { offset: i, length: 3, surrogate: true };
    if ((b === 0xe0 && second < 0xa0) || (b === 0xf0 && second < 0x90) || (b === 0xf4 && second >= 0x90)) {
      return { offset: i, length: len, surrogate: false };
    }
    i += len;
  }
  return { offset: bytes.length, length: 0, surrogate: false };
}

function firstLine(message: string): string {
  return message.split('\n')[0]!.replace(/ at line \d+, column \d+:?$/, '');
}
