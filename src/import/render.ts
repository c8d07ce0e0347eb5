import { stringify } from 'yaml';
import type { ImportedChecklist } from './convert.js';

/** `1 section`, `3 sections`. */
export const count = (n: number, noun: string): string => `${n} ${noun}${n === 1 ? '' : 's'}`;

/** The imported checklist as YAML, with the yaml-language-server schema line first. */
export function renderImportedYaml(imported: ImportedChecklist, o: { schemaRef: string | undefined; source: string }): string {
  const { sections } = imported.definition;
  const items = sections.reduce((n, s) => n + s.items.length, 0);
  const header = [
    ...(o.schemaRef ? [`# yaml-language-server: $schema=${o.schemaRef}`] : []),
    `# Imported from ${o.source} by sfdeploy import: ${count(sections.length, 'section')}, ${count(items, 'manual item')}.`,
    '# Replace manual items with probes where a check can be automated (sfdeploy probes lists them).',
  ];
  return `${header.join('\n')}\n${stringify(imported.definition, { lineWidth: 0, indent: 2 })}`;
}
