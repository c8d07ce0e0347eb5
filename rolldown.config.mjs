// The CLI as ES module chunks: the entry (commander and the model: yaml, zod) plus one lazy chunk per heavy client,
// loaded by the dynamic imports that already separate them in src/, so `validate` loads no driver and `check` only
// the drivers its checklist uses. One file per chunk to read and compile instead of hundreds of modules to resolve.
// `tsc` still type-checks (npm run typecheck); the tests run this build, as users do.
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { defineConfig } from 'rolldown';

/** Heavy clients, by the npm packages that make them up: each becomes one chunk named after it. */
const CLIENTS = {
  pg: /^(?:pg|pg-[a-z-]+|pgpass|postgres-[a-z-]+|split2|xtend)$/,
  ioredis: /^(?:ioredis|@ioredis\/.*|redis-errors|redis-parser|cluster-key-slot|denque|standard-as-callback|lodash\.[a-z]+)$/,
  'aws-sdk': /^(?:@aws-sdk\/.*|@smithy\/.*|@aws-crypto\/.*|@aws\/.*|bowser|fast-xml-parser|strnum|tslib|uuid)$/,
  prompts: /^(?:@inquirer\/.*|mute-stream|wrap-ansi|yoctocolors-cjs|cli-width|chardet|iconv-lite|safer-buffer|@types\/.*)$/,
  zod: /^zod$/,
  yaml: /^yaml$/,
  execa:
    /^(?:execa|cross-spawn|figures|get-stream|human-signals|is-plain-obj|is-stream|npm-run-path|pretty-ms|parse-ms|signal-exit|strip-final-newline|unicorn-magic|yoctocolors|@sindresorhus\/merge-streams|path-key|shebang-command|shebang-regex|which|isexe)$/,
  mdast:
    /^(?:micromark.*|mdast-.*|unist-.*|decode-named-character-reference|character-entities.*|devlop|ccount|markdown-table|longest-streak|zwitch|escape-string-regexp|fault|format)$/,
};

/** `.../node_modules/@scope/name/...` → `@scope/name`. */
function packageOf(id) {
  const m = /[\\/]node_modules[\\/]((?:@[^\\/]+[\\/])?[^\\/]+)[\\/][^]*$/.exec(id.slice(id.lastIndexOf('node_modules') - 1));
  return m ? m[1].replace('\\', '/') : undefined;
}

/** The bundle carries third-party code, so it carries their licence texts too: dist/THIRD-PARTY-LICENSES.txt. */
function thirdPartyLicenses() {
  return {
    name: 'third-party-licenses',
    generateBundle(_options, bundle) {
      const packages = new Map();
      for (const chunk of Object.values(bundle)) {
        if (chunk.type !== 'chunk') continue;
        for (const id of Object.keys(chunk.modules)) {
          const at = id.lastIndexOf('node_modules');
          const pkg = packageOf(id);
          if (at < 0 || !pkg) continue;
          packages.set(pkg, join(id.slice(0, at), 'node_modules', pkg));
        }
      }
      const byText = new Map();
      for (const [name, dir] of [...packages].sort(([a], [b]) => a.localeCompare(b))) {
        const meta = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8'));
        const file = readdirSync(dir).find((f) => /^(?:licen[cs]e|copying)(?:\.|$)/i.test(f));
        const text =
          file && existsSync(join(dir, file))
            ? readFileSync(join(dir, file), 'utf8').trim()
            : `License: ${meta.license ?? 'see the package'}`;
        byText.set(text, [...(byText.get(text) ?? []), `${name}@${meta.version} (${meta.license ?? 'unknown'})`]);
      }
      const sections = [...byText].map(([text, names]) => `${names.join('\n')}\n\n${text}`);
      this.emitFile({
        type: 'asset',
        fileName: 'THIRD-PARTY-LICENSES.txt',
        source: `sfdeploy's dist/ bundles these packages; their licences follow.\n\n${sections.join(`\n\n${'-'.repeat(72)}\n\n`)}\n`,
      });
    },
  };
}

export default defineConfig({
  plugins: [thirdPartyLicenses()],
  input: { cli: 'src/cli.ts' },
  platform: 'node',
  // pg's optional native binding is never installed: its import stays, inside pg's own try/catch.
  external: ['pg-native'],
  output: {
    dir: 'dist',
    format: 'esm',
    entryFileNames: '[name].js',
    chunkFileNames: 'chunks/[name]-[hash].js',
    sourcemap: true,
    cleanDir: true,
    codeSplitting: {
      groups: [
        {
          debugName: 'clients',
          name(id) {
            const pkg = packageOf(id);
            if (!pkg) return null;
            for (const [name, test] of Object.entries(CLIENTS)) if (test.test(pkg)) return name;
            return null;
          },
        },
      ],
    },
  },
});
