/**
 * Bytes kept beyond each half: a secret that crosses a cut is masked whole before the text is cut (secrets are
 * shorter than this), so no part of it is kept.
 */
const MARGIN = 4096;

/** Keeps the start and the end of a stream of bytes, about `limit` bytes in all, and counts the rest. */
export class OutputCapture {
  readonly #half: number;
  readonly #keep: number;
  #head: Buffer[] = [];
  #headBytes = 0;
  #tail: Buffer[] = [];
  #tailBytes = 0;
  /** Bytes seen in all. */
  total = 0;

  constructor(limit: number) {
    this.#half = Math.floor(limit / 2);
    this.#keep = this.#half + MARGIN;
  }

  add(chunk: Buffer): void {
    this.total += chunk.length;
    if (this.#headBytes < this.#keep) {
      const take = chunk.subarray(0, this.#keep - this.#headBytes);
      this.#head.push(take);
      this.#headBytes += take.length;
      chunk = chunk.subarray(take.length);
      if (!chunk.length) return;
    }
    this.#tail.push(chunk);
    this.#tailBytes += chunk.length;
    while (this.#tailBytes - this.#tail[0]!.length >= this.#keep) this.#tailBytes -= this.#tail.shift()!.length;
  }

  /** True when the text is cut: bytes between its start and its end are not kept. */
  get truncated(): boolean {
    return this.total > 2 * this.#half;
  }

  /**
   * The text kept, masked by `redact` before it is cut: all of it, or its first and last `limit / 2` characters
   * around `… (N bytes not kept) …`.
   */
  text(redact: (text: string) => string = (t) => t): string {
    const head = Buffer.concat(this.#head);
    const tail = Buffer.concat(this.#tail);
    if (!this.truncated) return redact(Buffer.concat([head, tail]).toString('utf8'));
    let start: string;
    let end: string;
    if (this.total === head.length + tail.length) {
      const all = redact(Buffer.concat([head, tail]).toString('utf8'));
      start = all.slice(0, this.#half);
      end = all.slice(Math.max(start.length, all.length - this.#half));
    } else {
      // each side is masked with its margin, then the margin (where a secret may be cut) is dropped
      const first = redact(head.toString('utf8'));
      const last = redact(tail.subarray(tail.length - this.#keep).toString('utf8'));
      start = first.slice(0, Math.max(0, Math.min(this.#half, first.length - MARGIN)));
      end = last.slice(last.length - Math.max(0, Math.min(this.#half, last.length - MARGIN)));
    }
    const dropped = Math.max(0, this.total - Buffer.byteLength(start) - Buffer.byteLength(end));
    return `${start}\n… (${dropped} bytes not kept) …\n${end}`;
  }
}
