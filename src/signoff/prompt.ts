import type { Writable } from 'node:stream';
import type { PlannedItem } from '../checklist/model.js';
import { InterruptedError } from '../errors.js';

/** `pending`: leave this item; `quit`: leave it and every item after it pending (nobody is asked again). */
export type Decision = 'confirm' | 'decline' | 'pending' | 'quit';

/** The questions asked for a manual item. A terminal implementation below; tests may script one. */
export interface Questions {
  /** Prints text above the questions (the item, why an earlier sign-off does not count). */
  show(lines: string[]): void;
  decide(signer: string, signal: AbortSignal): Promise<Decision>;
  chooseRole(choices: { id: string; label: string }[], signal: AbortSignal): Promise<string>;
  reason(signal: AbortSignal): Promise<string>;
  /** A note, or with `evidence` the mandatory note or URL. */
  note(evidence: boolean, signal: AbortSignal): Promise<string>;
}

export interface TerminalOptions {
  output: Writable;
  input?: NodeJS.ReadableStream | undefined;
  color: boolean;
}

/**
 * @inquirer/prompts on the given streams. Ctrl-C at a question (or the run's signal) throws InterruptedError,
 * which the runner turns into an interrupted run.
 */
export function createTerminalQuestions(o: TerminalOptions): Questions {
  const ask = async <T>(
    question: (p: typeof import('@inquirer/prompts'), context: object) => Promise<T>,
    signal: AbortSignal,
  ): Promise<T> => {
    const prompts = await import('@inquirer/prompts');
    try {
      return await question(prompts, { input: o.input, output: o.output, signal, clearPromptOnDone: false });
    } catch (e) {
      const name = (e as Error).name;
      if (name === 'ExitPromptError' || name === 'AbortPromptError' || signal.aborted)
        throw new InterruptedError('interrupted at a sign-off prompt');
      throw e;
    }
  };
  const text = (message: string, required: string | undefined, signal: AbortSignal) =>
    ask(({ input }, ctx) => input({ message, validate: (v) => !required || v.trim() !== '' || required }, ctx), signal).then((v) =>
      v.trim(),
    );
  return {
    show(lines) {
      for (const line of lines) o.output.write(`${line}\n`);
    },
    decide(signer, signal) {
      return decideByKey(o, signer, signal);
    },
    chooseRole(choices, signal) {
      return ask(
        ({ select }, ctx) =>
          select<string>({ message: 'Sign as which role?', choices: choices.map((c) => ({ name: c.label, value: c.id })) }, ctx),
        signal,
      );
    },
    reason(signal) {
      return text('Reason for declining:', 'a reason is required', signal);
    },
    note(evidence, signal) {
      return evidence
        ? text('Evidence (note or URL, required):', 'evidence is required for this item', signal)
        : text('Note (optional):', undefined, signal);
    },
  };
}

const KEYS: Record<string, Decision> = { y: 'confirm', n: 'decline', s: 'pending', q: 'quit', escape: 'quit' };

const HELP = [
  '  y  confirm — I checked it (a note is asked next)',
  '  n  decline — it is not done (a reason is asked next); the item fails',
  '  s  skip — leave this item pending',
  '  q  (or Esc) leave this and every remaining item pending; the remaining automated items still run',
  '  ?  this help · Ctrl-C stops the run',
];

/**
 * One key answers: y, n, s, q or Esc; `?` shows what they do. The terminal is in raw mode meanwhile, so Ctrl-C
 * arrives as a key and interrupts the run like a signal would.
 */
async function decideByKey(o: TerminalOptions, signer: string, signal: AbortSignal): Promise<Decision> {
  const input: (NodeJS.ReadableStream & { isTTY?: boolean; setRawMode?: (raw: boolean) => void }) | undefined = o.input;
  if (!input) throw new InterruptedError('no terminal to ask on');
  const { emitKeypressEvents } = await import('node:readline');
  emitKeypressEvents(input);
  const question = `? Sign off as ${signer}? [y]es [n]o [s]kip [q]uit, ? for help `;
  o.output.write(question);
  const raw = typeof input.setRawMode === 'function' && input.isTTY;
  if (raw) input.setRawMode!(true);
  input.resume();
  try {
    return await new Promise<Decision>((resolve, reject) => {
      const done = (): void => {
        input.off('keypress', onKey);
        signal.removeEventListener('abort', onAbort);
      };
      const onAbort = (): void => {
        done();
        reject(new InterruptedError('interrupted at a sign-off prompt'));
      };
      const onKey = (text: string | undefined, key: { name?: string; ctrl?: boolean; sequence?: string } | undefined): void => {
        if (key?.ctrl && (key.name === 'c' || key.name === 'd')) return onAbort();
        const name = (key?.name ?? text ?? '').toLowerCase();
        if (text === '?' || key?.sequence === '?') {
          o.output.write(`\n${HELP.join('\n')}\n${question}`);
          return;
        }
        const decision = KEYS[name];
        if (!decision) return;
        done();
        o.output.write(
          `${{ confirm: 'confirm', decline: 'decline', pending: 'leave pending', quit: 'leave the rest pending' }[decision]}\n`,
        );
        resolve(decision);
      };
      if (signal.aborted) return onAbort();
      signal.addEventListener('abort', onAbort, { once: true });
      input.on('keypress', onKey);
    });
  } finally {
    if (raw) input.setRawMode!(false);
    input.pause();
  }
}

/** The block shown for a manual item: title, instructions, commands, links and who signs it. */
export async function describeManual(item: PlannedItem, roles: string | undefined, color: boolean): Promise<string[]> {
  const { Chalk } = await import('chalk');
  const c = new Chalk({ level: color ? 1 : 0 });
  const m = item.manual;
  const lines = ['', `${c.bold.cyan('Sign-off')} ${c.bold(item.title)} ${c.dim(`${item.id} · ${item.section.title}`)}`];
  if (!m) return lines;
  if (m.instructions.trim()) for (const line of m.instructions.trim().split('\n')) lines.push(`  ${line}`);
  if (m.commands.length) {
    lines.push(`  ${c.dim('Commands:')}`);
    for (const cmd of m.commands) lines.push(`    $ ${cmd}`);
  }
  if (m.links.length) {
    lines.push(`  ${c.dim('Links:')}`);
    for (const link of m.links) lines.push(`    ${link}`);
  }
  if (roles) lines.push(`  ${c.dim('Signed by:')} ${roles}`);
  if (m.evidence === 'required') lines.push(`  ${c.dim('Evidence:')} required (a note or URL)`);
  return lines;
}
