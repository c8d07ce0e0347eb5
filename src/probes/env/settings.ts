/**
 * Values read the way the application's settings library (pydantic-settings) reads them.
 * https://docs.pydantic.dev/latest/concepts/pydantic_settings/ · https://docs.pydantic.dev/latest/api/standard_library_types/#booleans
 */

const TRUE = new Set(['1', 'on', 't', 'true', 'y', 'yes']);
const FALSE = new Set(['0', 'off', 'f', 'false', 'n', 'no']);

/** A boolean as pydantic parses a string: 0/1, true/false, yes/no, on/off, t/f, y/n, any case; undefined otherwise. */
export function parseSettingsBool(value: string): boolean | undefined {
  const v = value.trim().toLowerCase();
  if (TRUE.has(v)) return true;
  if (FALSE.has(v)) return false;
  return undefined;
}

export type SettingsList = { ok: true; items: string[] } | { ok: false; reason: string };

/**
 * A list setting: a JSON array (as pydantic-settings decodes complex fields) or, failing the leading `[`,
 * comma-separated items (as the common `split(",")` validators do). Items are trimmed; empty ones dropped.
 */
export function parseSettingsList(value: string): SettingsList {
  const v = value.trim();
  if (v.startsWith('[')) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(v);
    } catch {
      return { ok: false, reason: 'starts with [ but is not a valid JSON list' };
    }
    if (!Array.isArray(parsed)) return { ok: false, reason: 'is not a JSON list' };
    return { ok: true, items: parsed.map((x) => (typeof x === 'string' ? x.trim() : JSON.stringify(x))) };
  }
  return {
    ok: true,
    items: v
      .split(',')
      .map((s) => s.trim())
      .filter((s) => s !== ''),
  };
}
