import { execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export const CHROMIUM_INSTALL = 'apt-get install -y chromium';

/** The headless Chromium binary; throws with the install command when there is none (tests never skip for it). */
export function findChromium(): string {
  for (const name of ['chromium', 'chromium-browser', 'google-chrome']) {
    try {
      return execFileSync('sh', ['-c', `command -v ${name}`], { encoding: 'utf8' }).trim();
    } catch {
      // try the next name
    }
  }
  throw new Error(
    `headless Chromium is needed to check the HTML report: install it with \`${CHROMIUM_INSTALL}\` (scripts/install-test-deps.sh does)`,
  );
}

export interface ChromiumResult {
  code: number | null;
  stderr: string;
  /** Lines the page wrote to its console (errors, CSP violations, failed loads). */
  console: string[];
}

/**
 * Headless Chromium on this machine: no sandbox (root), and none of the background connections that the closed
 * network refuses.
 */
export const HEADLESS_FLAGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

/** Runs headless Chromium on a page with one output flag (`--screenshot=...`, `--print-to-pdf=...`). */
export function runChromium(binary: string, url: string, output: string[], timeoutMs = 30_000): Promise<ChromiumResult> {
  const profile = mkdtempSync(join(tmpdir(), 'sfdeploy-chromium-'));
  const args = [...HEADLESS_FLAGS, `--user-data-dir=${profile}`, '--enable-logging=stderr', '--v=0', ...output, url];
  return new Promise((resolve, reject) => {
    const child = spawn(binary, args, { stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      rmSync(profile, { recursive: true, force: true });
      resolve({ code, stderr, console: stderr.split('\n').filter((l) => l.includes(':CONSOLE')) });
    });
  });
}
