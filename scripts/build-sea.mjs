#!/usr/bin/env node
// `npm run build:sea` [-- <folder>]: sfdeploy as a Node single executable application, for hosts without Node
// (https://nodejs.org/api/single-executable-applications.html). Writes dist-sea/ (or the folder given): the `sfdeploy` binary (this Node
// with the CLI injected, V8's code cache included) and the package files it reads beside it (package.json,
// checklists/, templates/, schema/, the licences). Node 20 runs one CommonJS script in a single executable and gives
// it no dynamic import, so the CLI is bundled into one file and its `import('node:…')` calls become `require`.
import { execFileSync } from 'node:child_process';
import { copyFileSync, cpSync, existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'rolldown';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const out = process.argv[2] ? resolve(process.argv[2]) : join(root, 'dist-sea');
const require = createRequire(import.meta.url);
const { inject } = require('postject');

rmSync(out, { recursive: true, force: true });
await build({
  input: join(root, 'src/cli.ts'),
  platform: 'node',
  logLevel: 'warn',
  plugins: [
    {
      name: 'builtin-require',
      renderChunk(code) {
        return code.replace(
          /\bimport\((["'])(node:[^"']+)\1\)/g,
          (_m, _q, id) => `Promise.resolve({ ...require(${JSON.stringify(id)}), default: require(${JSON.stringify(id)}) })`,
        );
      },
    },
  ],
  output: { file: join(out, 'sfdeploy.cjs'), format: 'cjs', codeSplitting: false },
});
const script = readFileSync(join(out, 'sfdeploy.cjs'), 'utf8');
if (/\bimport\(/.test(script.replace(/\/\*[^]*?\*\/|\/\/[^\n]*/g, ''))) {
  process.stderr.write('build-sea: the bundle still has a dynamic import(), which a single executable cannot run\n');
  process.exit(1);
}
writeFileSync(
  join(out, 'sea-config.json'),
  JSON.stringify({ main: 'sfdeploy.cjs', output: 'sea-prep.blob', disableExperimentalSEAWarning: true, useCodeCache: true }),
);
execFileSync(process.execPath, ['--experimental-sea-config', 'sea-config.json'], { cwd: out, stdio: ['ignore', 'ignore', 'inherit'] });
const binary = join(out, 'sfdeploy');
copyFileSync(process.execPath, binary);
await inject(binary, 'NODE_SEA_BLOB', readFileSync(join(out, 'sea-prep.blob')), {
  sentinelFuse: 'NODE_SEA_FUSE_fce680ab2cc467b6e072b8b5df1996b2',
});
for (const f of ['sfdeploy.cjs', 'sea-config.json', 'sea-prep.blob']) rmSync(join(out, f));
copyFileSync(join(root, 'package.json'), join(out, 'package.json'));
for (const dir of ['checklists', 'templates', 'schema']) cpSync(join(root, dir), join(out, dir), { recursive: true });
const licences = join(root, 'dist', 'THIRD-PARTY-LICENSES.txt');
if (existsSync(licences)) copyFileSync(licences, join(out, 'THIRD-PARTY-LICENSES.txt'));
process.stdout.write(`${binary}\n`);
