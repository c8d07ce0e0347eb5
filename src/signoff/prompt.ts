import type { Writable } from 'node:stream';
import type { PlannedItem } from '../checklist/load.js';
import { InterruptedError } from '../errors.js';
import type { ManualDecision, SignoffProvider } from '../runner/run.js';
import type { Signer } from './identity.js';

export interface PromptOptions {
  signer: Signer;
  host: string;
  /** Where the item's instructions are printed before the question. */
  output: Writable;
  input?: NodeJS.ReadableStream | undefined;
  color: boolean;
  now?: () => Date;
}

/** Asks in the terminal: confirm, decline (reason required) or leave pending, with an optional note. */
export function createPromptProvider(o: PromptOptions): SignoffProvider {
  const now = o.now ?? (() => new Date());
  return {
    async resolve(item, signal) {
      const { select, input } = await import('@inquirer/prompts');
      const { Chalk } = await import('chalk');
      const c = new Chalk({ level: o.color ? 1 : 0 });
      o.output.write(`\n${c.bold.cyan('Sign-off')} ${c.bold(item.title)} ${c.dim(`${item.id} · ${item.section.title}`)}\n`);
      for (const line of describeManual(item)) o.output.write(`  ${line}\n`);
      const context = { input: o.input, output: o.output, signal, clearPromptOnDone: false };
      try {
        const answer = await select(
          {
            message: `Sign as ${o.signer.display}?`,
            choices: [
              { name: 'Confirm — I checked it', value: 'confirm' },
              { name: 'Decline — it is not done (reason required)', value: 'decline' },
              { name: 'Leave pending', value: 'pending' },
            ],
          },
          context,
        );
        if (answer === 'pending') return { status: 'pending', message: 'left pending at the prompt' } satisfies ManualDecision;
        if (answer === 'decline') {
          const reason = await input({ message: 'Reason for declining:', required: true, validate: (v) => v.trim() !== '' || 'a reason is required' }, context);
          return {
            status: 'fail',
            message: `declined by ${o.signer.display}: ${reason.trim()}`,
            signoff: { decision: 'declined', by: o.signer.display, at: now().toISOString(), host: o.host, reason: reason.trim(), source: 'prompt' },
          };
        }
        const required = item.manual?.evidence === 'required';
        const note = await input(
          {
            message: required ? 'Evidence (note or URL, required):' : 'Note (optional):',
            required,
            validate: (v) => !required || v.trim() !== '' || 'evidence is required for this item',
          },
          context,
        );
        return {
          status: 'signed',
          message: `signed by ${o.signer.display}`,
          signoff: {
            decision: 'confirmed',
            by: o.signer.display,
            at: now().toISOString(),
            host: o.host,
            note: note.trim() || undefined,
            evidence: required ? note.trim() : undefined,
            source: 'prompt',
          },
        };
      } catch (e) {
        const name = (e as Error).name;
        if (name === 'ExitPromptError' || name === 'AbortPromptError' || signal.aborted) throw new InterruptedError('interrupted at a sign-off prompt');
        throw e;
      }
    },
  };
}

/** The lines shown for a manual item: instructions, commands, links, roles. */
export function describeManual(item: PlannedItem): string[] {
  const m = item.manual;
  if (!m) return [];
  const lines = m.instructions.trim().split('\n');
  if (m.commands.length) {
    lines.push('Commands:');
    for (const cmd of m.commands) lines.push(`  $ ${cmd}`);
  }
  if (m.links.length) {
    lines.push('Links:');
    for (const link of m.links) lines.push(`  ${link}`);
  }
  if (m.roles.length) lines.push(`Signed by: ${m.roles.join(' or ')}`);
  return lines;
}
