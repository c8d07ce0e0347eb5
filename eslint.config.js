import js from '@eslint/js';
import tseslint from 'typescript-eslint';

/**
 * The layers, top to bottom (STYLE.md 12): cli → commands → reporters / signoff / notify / import / config →
 * runner / runlog / store → checklist → probes → aws → util. A module may import its own layer and those below it,
 * never one above. A new folder under src/ gets its place here (a test fails while one has none).
 */
const SECOND = ['reporters', 'signoff', 'notify', 'import', 'config'];
const THIRD = ['runner', 'runlog', 'store'];
export const LAYERS = [
  { files: ['src/commands/**'], above: ['cli'] },
  { files: SECOND.map((l) => `src/${l}/**`), above: ['cli', 'commands'] },
  { files: THIRD.map((l) => `src/${l}/**`), above: ['cli', 'commands', ...SECOND] },
  { files: ['src/checklist/**'], above: ['cli', 'commands', ...SECOND, ...THIRD] },
  { files: ['src/probes/**'], above: ['cli', 'commands', ...SECOND, ...THIRD, 'checklist'] },
  { files: ['src/aws/**'], above: ['cli', 'commands', ...SECOND, ...THIRD, 'checklist', 'probes'] },
  {
    files: ['src/util/**', 'src/errors.ts'],
    above: ['cli', 'commands', ...SECOND, ...THIRD, 'checklist', 'probes', 'aws'],
  },
];

const layerRules = LAYERS.map(({ files, above }) => ({
  files,
  rules: {
    'no-restricted-imports': [
      'error',
      {
        patterns: [
          {
            regex: `^(?:\\.\\./)+(?:(?:${above.filter((l) => l !== 'cli').join('|')})/|cli\\.js$)`,
            message: `an upward import: ${files.join(', ')} may not import ${above.join(', ')} (see the layers in eslint.config.js)`,
          },
        ],
      },
    ],
  },
}));

export default tseslint.config(
  { ignores: ['dist/**', 'node_modules/**', 'tests/fixtures/**', 'coverage/**', 'bench/.out/**', 'scripts/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommendedTypeChecked,
  { languageOptions: { parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname } } },
  { files: ['eslint.config.js'], ...tseslint.configs.disableTypeChecked },
  {
    rules: {
      '@typescript-eslint/no-unused-vars': [
        'error',
        { argsIgnorePattern: '^_', varsIgnorePattern: '^_', destructuredArrayIgnorePattern: '^_' },
      ],
      'no-console': 'error',
      // a probe's run() and a sign-off provider's resolve() are async by contract, with or without an await inside
      '@typescript-eslint/require-await': 'off',
    },
  },
  ...layerRules,
  {
    // commander hands each action untyped options; the commands validate what they use
    files: ['src/cli.ts'],
    rules: { '@typescript-eslint/no-unsafe-argument': 'off', '@typescript-eslint/no-unsafe-member-access': 'off' },
  },
  {
    files: ['tests/**', 'bench/**'],
    rules: {
      'no-console': 'off',
      // parsed JSON/XML documents are inspected as `any`, and `expect(obj.method)` is how vitest asserts calls
      '@typescript-eslint/no-unsafe-assignment': 'off',
      '@typescript-eslint/no-unsafe-member-access': 'off',
      '@typescript-eslint/no-unsafe-call': 'off',
      '@typescript-eslint/unbound-method': 'off',
    },
  },
);
