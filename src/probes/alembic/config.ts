import { readFile, stat } from 'node:fs/promises';
import { dirname, isAbsolute, relative, resolve } from 'node:path';
import { ProbeError } from '../../errors.js';

type Ini = Map<string, Map<string, string>>;

/**
 * Reads an INI file the way Python's ConfigParser does for alembic.ini: `key = value` or `key: value`,
 * keys case-insensitive, indented continuation lines, full-line `#`/`;` comments, a DEFAULT section.
 */
export function parseIni(text: string): Ini {
  const sections: Ini = new Map();
  let current: Map<string, string> | undefined;
  let lastKey: string | undefined;
  for (const raw of text.split(/\r?\n/)) {
    if (/^\s*[#;]/.test(raw)) continue;
    if (raw.trim() === '') {
      lastKey = undefined;
      continue;
    }
    const header = /^\[([^\]]+)\]\s*$/.exec(raw);
    if (header) {
      const name = header[1]!.trim();
      current = sections.get(name) ?? new Map();
      sections.set(name, current);
      lastKey = undefined;
      continue;
    }
    if (/^\s/.test(raw) && current && lastKey !== undefined) {
      const prior = current.get(lastKey) ?? '';
      current.set(lastKey, prior === '' ? raw.trim() : `${prior}\n${raw.trim()}`);
      continue;
    }
    const kv = /^([^=:]+?)\s*[=:]\s*(.*)$/.exec(raw);
    if (kv && current) {
      lastKey = kv[1]!.trim().toLowerCase();
      current.set(lastKey, kv[2]!.trim());
    }
  }
  return sections;
}

/** An option with ConfigParser's basic interpolation: `%(here)s`, `%(name)s` from the section or DEFAULT, `%%`. */
export function iniOption(ini: Ini, section: string, key: string, defaults: Record<string, string>): string | undefined {
  const values = ini.get(section);
  const raw = values?.get(key.toLowerCase());
  if (raw === undefined) return undefined;
  const lookup = (name: string): string | undefined =>
    values?.get(name.toLowerCase()) ?? ini.get('DEFAULT')?.get(name.toLowerCase()) ?? defaults[name.toLowerCase()];
  const expand = (text: string, depth: number): string =>
    text.replace(/%%|%\(([^)]+)\)s/g, (whole, name: string | undefined) => {
      if (whole === '%%') return '%';
      const v = lookup(name!);
      if (v === undefined) throw new ProbeError(`${key} in [${section}] refers to %(${name})s, which the config file does not define`);
      return depth > 10 ? v : expand(v, depth + 1);
    });
  return expand(raw, 0);
}

/** Where the migrations are, and whether they can be read as files. */
export interface AlembicLayout {
  /** Absolute path of alembic.ini; undefined when none exists. */
  configPath: string | undefined;
  /** The path named by `config` (or its default) for messages. */
  configShown: string;
  /** script_location as written (after `%(here)s`), for messages. */
  scriptLocation: string | undefined;
  /** Absolute folders holding the revision files. */
  versionDirs: string[];
  recursive: boolean;
  /** Why the scripts cannot be read as files (a package resource, a missing folder); undefined when they can. */
  unreadable: string | undefined;
}

const PACKAGE_RESOURCE = /^[A-Za-z_][\w.]*:(?![\\/])/;

async function isDirectory(path: string): Promise<boolean> {
  return stat(path).then(
    (s) => s.isDirectory(),
    () => false,
  );
}

async function isFile(path: string): Promise<boolean> {
  return stat(path).then(
    (s) => s.isFile(),
    () => false,
  );
}

/**
 * Finds the migrations: `script_location` given to the probe (relative to the working directory), else the
 * one in the config file with `%(here)s` resolved. A relative script_location in the config file resolves against
 * the working directory, not the config file's folder: that is what alembic does.
 */
export async function resolveLayout(
  o: { config: string; section: string; scriptLocation: string | undefined },
  workingDirectory: string,
): Promise<AlembicLayout> {
  const cwd = resolve(workingDirectory);
  const configFile = resolve(cwd, o.config);
  const configPath = (await isFile(configFile)) ? configFile : undefined;
  const show = (p: string): string => {
    const rel = relative(cwd, p);
    return rel && !rel.startsWith('..') && !isAbsolute(rel) ? rel : p;
  };
  let scriptLocation = o.scriptLocation;
  let versionLocations: string[] | undefined;
  let recursive = false;
  if (configPath) {
    const ini = parseIni(await readFile(configPath, 'utf8'));
    const defaults = { here: dirname(configPath) };
    if (!ini.has(o.section) && scriptLocation === undefined) {
      throw new ProbeError(`${show(configPath)} has no [${o.section}] section`);
    }
    scriptLocation ??= iniOption(ini, o.section, 'script_location', defaults);
    if (scriptLocation === undefined) throw new ProbeError(`${show(configPath)} has no script_location in [${o.section}]`);
    if (o.scriptLocation === undefined) {
      const locations = iniOption(ini, o.section, 'version_locations', defaults);
      if (locations) versionLocations = splitLocations(locations, iniOption(ini, o.section, 'version_path_separator', defaults));
    }
    recursive = iniOption(ini, o.section, 'recursive_version_locations', defaults) === 'true';
  } else if (scriptLocation === undefined) {
    throw new ProbeError(
      `no alembic config at ${show(configFile)}: give config: (the path to alembic.ini) or script_location: (the migrations folder)`,
    );
  }
  const layout: AlembicLayout = {
    configPath,
    configShown: show(configFile),
    scriptLocation,
    versionDirs: [],
    recursive,
    unreadable: undefined,
  };
  const folders = versionLocations ?? [scriptLocation];
  const resource = folders.find((f) => PACKAGE_RESOURCE.test(f) && !/^[A-Za-z]:[\\/]/.test(f));
  if (resource) {
    layout.unreadable = `${resource} is a Python package resource, which only Python can resolve`;
    return layout;
  }
  const dirs = versionLocations ? versionLocations.map((v) => resolve(cwd, v)) : [resolve(cwd, scriptLocation, 'versions')];
  const root = resolve(cwd, scriptLocation);
  if (!versionLocations && !(await isDirectory(root))) {
    layout.unreadable =
      `script_location ${scriptLocation} not found` +
      (isAbsolute(scriptLocation) ? '' : ` (a relative script_location resolves against the working directory ${cwd}, as alembic does)`);
    return layout;
  }
  const existing: string[] = [];
  for (const d of dirs) if (await isDirectory(d)) existing.push(d);
  if (!existing.length) {
    layout.unreadable = `no versions folder at ${dirs.map(show).join(', ')}`;
    return layout;
  }
  layout.versionDirs = existing;
  return layout;
}

/** version_locations split like alembic: by version_path_separator, or by spaces and commas when it is not set. */
function splitLocations(text: string, separator: string | undefined): string[] {
  const by: Record<string, string | RegExp> = { space: ' ', os: ':', ':': ':', ';': ';', newline: '\n' };
  const split = separator === undefined ? /, *| +|\n/ : by[separator];
  if (split === undefined) throw new ProbeError(`version_path_separator "${separator}" is not one of space, os, ":", ";", newline`);
  return text
    .split(split)
    .map((s) => s.trim())
    .filter(Boolean);
}
