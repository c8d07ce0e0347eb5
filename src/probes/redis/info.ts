/** INFO text as `{ section: { field: value } }`; see https://redis.io/docs/latest/commands/info/ */
export type RedisInfo = Record<string, Record<string, unknown>>;

const NUMBER = /^-?\d+(?:\.\d+)?$/;
const KEY_VALUE_LIST = /^[\w.-]+=[^,]*(?:,[\w.-]+=[^,]*)*$/;

/**
 * Parses the reply of INFO: `# Server` starts section `server`; `field:value` lines become fields.
 * Numeric values become numbers; `keys=1,expires=0` lists (keyspace, errorstats) become objects.
 */
export function parseInfo(text: string): RedisInfo {
  const info: RedisInfo = {};
  let section: Record<string, unknown> = {};
  for (const raw of text.split(/\r?\n/)) {
    const line = raw.trim();
    if (line === '') continue;
    if (line.startsWith('#')) {
      const name = line.slice(1).trim().toLowerCase();
      section = info[name] ??= {};
      continue;
    }
    const colon = line.indexOf(':');
    if (colon <= 0) continue;
    section[line.slice(0, colon)] = parseValue(line.slice(colon + 1));
  }
  return info;
}

function parseValue(value: string): unknown {
  if (NUMBER.test(value)) return Number(value);
  if (KEY_VALUE_LIST.test(value)) {
    return Object.fromEntries(
      value.split(',').map((pair) => {
        const eq = pair.indexOf('=');
        const v = pair.slice(eq + 1);
        return [pair.slice(0, eq), NUMBER.test(v) ? Number(v) : v];
      }),
    );
  }
  return value;
}

/** A CONFIG GET value: numbers as numbers, everything else as written. */
export function parseConfigValue(value: string): unknown {
  return NUMBER.test(value) ? Number(value) : value;
}
