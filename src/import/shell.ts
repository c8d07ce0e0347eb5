/** Fence info strings of shell code: its lines are commands an approver runs. */
const SHELL_LANGS = new Set([
  'bash',
  'sh',
  'shell',
  'zsh',
  'console',
  'shell-session',
  'shellsession',
  'powershell',
  'ps1',
  'pwsh',
  'cmd',
  'bat',
  'fish',
]);
/** First words of lines that read as shell commands in a fence without an info string. */
const COMMAND_WORDS = new Set(
  (
    'alembic apt apt-get aws az bash brew cargo cat cd celery chmod chown cp curl dig docker docker-compose echo env export ' +
    'flask gcloud gh git go grep gunicorn head helm jq kill kubectl ln ls make mkdir mv mvn nc node npm npx nslookup openssl ' +
    'pip pip3 pnpm poetry psql pytest python python3 redis-cli rm rsync scp sed ssh sudo systemctl tail tar terraform ' +
    'touch uvicorn wget yarn'
  ).split(' '),
);

/** Whether one line reads like a shell command: a known command word, a `./` path, a path to a script or a `$ ` prompt. */
export function looksLikeCommand(line: string): boolean {
  const t = line.trim();
  if (/^\$\s/.test(t)) return true;
  const word = /^(?:sudo\s+)?([A-Za-z0-9_./-]+)/.exec(t)?.[1] ?? '';
  return COMMAND_WORDS.has(word) || word.startsWith('./') || /\/[\w.-]+\.(?:sh|py|rb|ps1)$/.test(word);
}

const isAssignment = (l: string): boolean => /^\s*(?:export\s+)?[A-Za-z_][A-Za-z0-9_]*=/.test(l);
const contentLines = (code: string): string[] => code.split('\n').filter((l) => l.trim() && !/^\s*#/.test(l));

/** A block of `NAME=value` lines is configuration to compare against, not commands to run. */
export function isAssignmentList(code: string): boolean {
  const lines = contentLines(code);
  return lines.length > 0 && lines.every(isAssignment);
}

/**
 * Whether a fenced block holds commands: a shell info string (`bash`, `sh`, `console`...), or no info string and every
 * line reads like a command. Any other info string (`yaml`, `json`, `md`, `ini`...) is reference text.
 */
export function isShellBlock(lang: string | null | undefined, code: string): boolean {
  const info = (lang ?? '').toLowerCase();
  if (isAssignmentList(code)) return false;
  if (SHELL_LANGS.has(info)) return true;
  if (info) return false;
  const lines = contentLines(code);
  return lines.length > 0 && lines.every((l, i) => (i > 0 && /\\\s*$/.test(lines[i - 1]!)) || looksLikeCommand(l));
}

/** A console transcript keeps only its `$ ` lines; output lines are not commands. */
function consoleLines(lang: string, code: string): string {
  const lines = code.split('\n');
  const prompted = lines.filter((l) => /^\s*\$\s/.test(l));
  if (!['console', 'shell-session', 'shellsession'].includes(lang) && !(prompted.length && !lang)) return code;
  if (!prompted.length) return code;
  return prompted.map((l) => l.replace(/^\s*\$\s+/, '')).join('\n');
}

/** Logical commands of a shell block: continuation lines joined, comments attached to their command. */
export function shellCommands(code: string, lang = ''): string[] {
  const commands: string[] = [];
  let comment: string[] = [];
  let current: string[] = [];
  let lastWasCommand = false;
  const flush = (): void => {
    if (!current.length) return;
    const text = current.join('\n');
    commands.push(comment.length ? `${text}  # ${comment.join('; ')}` : text);
    current = [];
    comment = [];
  };
  for (const raw of consoleLines(lang.toLowerCase(), code).split('\n')) {
    const line = raw.replace(/\s+$/, '');
    if (current.length) {
      current.push(line);
      if (!line.endsWith('\\')) {
        flush();
        lastWasCommand = true;
      }
      continue;
    }
    if (line.trim() === '') {
      lastWasCommand = false;
      continue;
    }
    const c = /^\s*#\s?(.*)$/.exec(line);
    if (c) {
      if (lastWasCommand && commands.length) commands[commands.length - 1] += `  # ${c[1]}`;
      else comment.push(c[1]!.trim());
      continue;
    }
    current.push(line.trim());
    if (!line.endsWith('\\')) {
      flush();
      lastWasCommand = true;
    }
  }
  flush();
  return commands;
}
