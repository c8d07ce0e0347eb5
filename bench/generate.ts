/**
 * A checklist of `n` cheap items (env and file probes, alternating) in sections of 100, written in the block
 * style of the bundled checklists. The file probes read `file`, relative to the working directory.
 */
export function cheapChecklist(n: number, file = 'bench-file.txt'): string {
  const lines = ['id: generated', `title: Generated checklist of ${n} cheap items`, 'sections:'];
  const perSection = 100;
  for (let s = 0; s * perSection < n; s++) {
    lines.push(`  - id: section-${s + 1}`, `    title: Section ${s + 1}`, '    items:');
    for (let i = s * perSection; i < Math.min(n, (s + 1) * perSection); i++) {
      if (i % 2 === 0) {
        lines.push(
          `      - id: env-${i + 1}`,
          `        title: Variable check ${i + 1}`,
          '        tags: [env]',
          '        probe:',
          '          kind: env',
          '          vars: [BENCH_VAR]',
          '          min_length: 8',
        );
      } else {
        lines.push(
          `      - id: file-${i + 1}`,
          `        title: File check ${i + 1}`,
          '        tags: [file]',
          '        probe:',
          '          kind: file',
          `          path: ${file}`,
          '          expect:',
          '            - size > 0',
        );
      }
    }
  }
  return `${lines.join('\n')}\n`;
}
