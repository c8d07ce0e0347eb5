#!/bin/sh
//usr/bin/env true; exec node -- "$0" "$@"
// Started as a shell script, the line above (a comment to Node) re-runs this file as `node -- <file> <args>`: Node 20 reads `--env-file`
// (and the NODE_OPTIONS in that file) even after the script name, but never after `--`, so sfdeploy owns its flags.
// `sfdeploy --version` answers before the CLI (commander and the rest) is loaded: it costs a bare Node start.
const [flag, ...rest] = process.argv.slice(2);
if ((flag === '--version' || flag === '-V') && rest.length === 0) {
  const { readFileSync } = await import('node:fs');
  process.stdout.write(`${JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')).version}\n`);
} else {
  await import('../dist/cli.js');
}
