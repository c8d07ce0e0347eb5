import type { ChalkInstance } from 'chalk';
import type { ItemStatus, RunLog } from '../runner/types.js';
import { latencyObservations } from '../util/observations.js';
import { sparkline } from './monitoring-markdown.js';
import { paint, SYMBOLS } from './symbols.js';

/** Below this width the live view is not used: watch prints one line per run instead. */
export const MIN_LIVE_COLUMNS = 40;
/** Latencies kept per item for its sparkline. */
const HISTORY = 16;
const MAX_ITEM_ROWS = 40;

/** Combining marks, the zero-width joiner and variation selectors: kept, they take no cell of their own. */
const isJoiningMark = (cp: number): boolean => (cp >= 0x300 && cp <= 0x36f) || cp === 0x200d || (cp >= 0xfe00 && cp <= 0xfe0f);

/** Terminal cells a character takes: 2 for East Asian wide and emoji, 0 for combining marks. */
function cells(ch: string): number {
  const cp = ch.codePointAt(0)!;
  if (cp < 0x20 || (cp >= 0x7f && cp < 0xa0) || isJoiningMark(cp)) return 0;
  if (
    (cp >= 0x1100 && cp <= 0x115f) ||
    (cp >= 0x2e80 && cp <= 0xa4cf) ||
    (cp >= 0xac00 && cp <= 0xd7a3) ||
    (cp >= 0xf900 && cp <= 0xfaff) ||
    (cp >= 0xfe30 && cp <= 0xfe4f) ||
    (cp >= 0xff00 && cp <= 0xff60) ||
    (cp >= 0xffe0 && cp <= 0xffe6) ||
    (cp >= 0x1f300 && cp <= 0x1faff) ||
    (cp >= 0x20000 && cp <= 0x3fffd)
  )
    return 2;
  return 1;
}

/** Text cut to at most `width` terminal cells (control characters dropped), with … when cut. Width 0 or less gives ''. */
export function fitWidth(text: string, width: number): string {
  if (width <= 0) return '';
  const chars = [...text.replace(/[\r\n\t]+/g, ' ')].filter((ch) => cells(ch) > 0 || isJoiningMark(ch.codePointAt(0)!));
  const total = chars.reduce((n, ch) => n + cells(ch), 0);
  if (total <= width) return chars.join('');
  let used = 0;
  let out = '';
  for (const ch of chars) {
    const w = cells(ch);
    if (used + w > width - 1) break;
    out += ch;
    used += w;
  }
  return `${out}…`;
}

interface ItemState {
  id: string;
  status: ItemStatus;
  message: string;
  latencies: number[];
  lastLatency: number | undefined;
}

const clock = (iso: string): string => `${iso.slice(11, 19)}Z`;
const VERDICT: Record<RunLog['summary']['verdict'], string> = {
  passed: '✔ passed',
  failed: '✖ FAILED',
  pending: '⏸ pending',
  interrupted: '■ stopped',
};

/**
 * The live compact view of `sfdeploy watch` in a terminal: a block redrawn after every run, one row per item with a
 * sparkline of its latency and its last status, under lines that stay (the header, phases, and each run that changed
 * the verdict). Every line is cut to the terminal's width, so the block never wraps and redrawing never scrolls.
 */
export class LiveWatchView {
  private readonly items = new Map<string, ItemState>();
  private drawn: string[] = [];
  private runs = 0;
  private last: { log: RunLog; next: Date | undefined } | undefined;

  constructor(
    private readonly out: { write(text: string): unknown },
    private readonly size: () => { columns: number; rows: number },
    private readonly c: ChalkInstance,
  ) {}

  /** A line that stays above the block (the block is drawn again below it). */
  line(text: string): void {
    this.clear();
    this.out.write(`${text}\n`);
    this.draw();
  }

  /** Takes a finished run into the view; `lasting`: a line to keep above the block (the run changed the verdict). */
  update(log: RunLog, next: Date | undefined, lasting?: string): void {
    this.runs++;
    for (const r of log.items) {
      if (r.filtered) continue;
      const state = this.items.get(r.id) ?? { id: r.id, status: r.status, message: '', latencies: [], lastLatency: undefined };
      state.status = r.status;
      state.message = r.message;
      const latency = latencyObservations(r.observations ?? {})[0]?.[1];
      state.lastLatency = latency;
      if (latency !== undefined) state.latencies = [...state.latencies, latency].slice(-HISTORY);
      this.items.set(r.id, state);
    }
    this.clear();
    if (lasting !== undefined) this.out.write(`${lasting}\n`);
    this.draw({ log, next });
  }

  /** Leaves the block on the screen as it is, for the summary to follow below. */
  finish(): void {
    this.drawn = [];
    this.last = undefined;
  }

  /** The rows of the block for this width: a status line, then one row per item. */
  render(log: RunLog, next: Date | undefined, columns: number, rows: number): string[] {
    const width = Math.max(0, columns - 1);
    const ran = log.items.filter((r) => !r.filtered);
    const ok = ran.filter((r) => r.status === 'pass' || r.status === 'signed').length;
    const head = `run ${this.runs} at ${clock(log.startedAt)}  ${VERDICT[log.summary.verdict]} · ${ok}/${ran.length} ok${next ? ` · next at ${clock(next.toISOString())}` : ''}`;
    const paintVerdict = log.summary.verdict === 'passed' ? this.c.green : log.summary.verdict === 'failed' ? this.c.red : this.c.yellow;
    const lines = [paintVerdict(fitWidth(head, width))];
    const states = [...this.items.values()];
    const room = Math.max(1, Math.min(MAX_ITEM_ROWS, rows - 8));
    const shown = states.length > room ? states.slice(0, room - 1) : states;
    const idWidth = Math.min(28, Math.max(...shown.map((s) => s.id.length), 4));
    for (const s of shown) {
      const spark = sparkline(s.latencies, HISTORY).padEnd(HISTORY);
      const latency = s.lastLatency === undefined ? '' : `${Math.round(s.lastLatency)}ms`;
      const plain = `${SYMBOLS[s.status]} ${fitWidth(s.id, idWidth).padEnd(idWidth)}  ${spark}  ${latency.padStart(7)}  ${s.message}`;
      const cut = fitWidth(plain, width);
      lines.push(cut ? paint(this.c, s.status, cut.slice(0, 1)) + cut.slice(1) : '');
    }
    if (shown.length < states.length) lines.push(this.c.dim(fitWidth(`…and ${states.length - shown.length} more items`, width)));
    return lines;
  }

  /** Draws the block of the last run again (after a lasting line), or of a new run. */
  private draw(state = this.last): void {
    if (!state) return;
    this.last = state;
    const { columns, rows } = this.size();
    this.drawn = this.render(state.log, state.next, columns, rows);
    this.out.write(`${this.drawn.join('\n')}\n`);
  }

  /** Moves the cursor back to the top of the block and erases it. */
  private clear(): void {
    if (!this.drawn.length) return;
    this.out.write(`\x1b[${this.drawn.length}F\x1b[J`);
    this.drawn = [];
  }
}
