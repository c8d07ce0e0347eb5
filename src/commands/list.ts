import { Chalk } from 'chalk';
import { join } from 'node:path';
import { loadChecklistFile } from '../checklist/load.js';
import { BUNDLED_DIR, BUNDLED_NAMES, type CommandIO } from './io.js';

/** `sfdeploy list`: the bundled checklists with section and item counts, automated vs manual. */
export async function list(opts: { json: boolean }, io: CommandIO): Promise<number> {
  const c = new Chalk({ level: io.color ? 1 : 0 });
  const rows = [];
  for (const name of BUNDLED_NAMES) {
    const cl = await loadChecklistFile(join(BUNDLED_DIR, `${name}.yaml`), { env: {} });
    const manual = cl.items.filter((it) => it.manual).length;
    rows.push({
      name,
      id: cl.definition.id,
      title: cl.definition.title,
      sections: cl.definition.sections.length,
      items: cl.items.length,
      automated: cl.items.length - manual,
      manual,
    });
  }
  if (opts.json) {
    io.stdout.write(`${JSON.stringify(rows, null, 2)}\n`);
    return 0;
  }
  const header = ['NAME', 'SECTIONS', 'ITEMS', 'AUTOMATED', 'MANUAL', 'TITLE'];
  const table = rows.map((r) => [r.name, String(r.sections), String(r.items), String(r.automated), String(r.manual), r.title]);
  const widths = header.map((h, i) => Math.max(h.length, ...table.map((row) => row[i]!.length)));
  const fmt = (row: string[]) => row.map((cell, i) => (i === row.length - 1 ? cell : cell.padEnd(widths[i]!))).join('  ');
  io.stdout.write(`${c.bold(fmt(header))}\n`);
  for (const row of table) io.stdout.write(`${fmt(row)}\n`);
  const total = rows.reduce((a, r) => ({ items: a.items + r.items, automated: a.automated + r.automated }), { items: 0, automated: 0 });
  io.stdout.write(
    c.dim(`${total.items} items, ${total.automated} automated (${Math.round((100 * total.automated) / Math.max(1, total.items))}%)\n`),
  );
  return 0;
}
