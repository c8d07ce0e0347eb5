/** Keeps the start and the end of a stream of bytes, at most `limit` bytes in all, and counts the rest. */
export class OutputCapture {
  readonly #half: number;
  #head: Buffer[] = [];
  #headBytes = 0;
  #tail: Buffer[] = [];
  #tailBytes = 0;
  /** Bytes seen in all. */
  total = 0;

  constructor(limit: number) {
    this.#half = Math.floor(limit / 2);
  }

  add(chunk: Buffer): void {
    this.total += chunk.length;
    if (this.#headBytes < this.#half) {
      const take = chunk.subarray(0, this.#half - this.#headBytes);
      this.#head.push(take);
      this.#headBytes += take.length;
      chunk = chunk.subarray(take.length);
      if (!chunk.length) return;
    }
    this.#tail.push(chunk);
    this.#tailBytes += chunk.length;
    while (this.#tailBytes - this.#tail[0]!.length >= this.#half) this.#tailBytes -= this.#tail.shift()!.length;
  }

  /** True when bytes between the start and the end were dropped. */
  get truncated(): boolean {
    return this.total > this.#headBytes + Math.min(this.#tailBytes, this.#half);
  }

  /** The text kept: all of it, or its start and end around `… (N bytes not kept) …`. */
  text(): string {
    const head = Buffer.concat(this.#head);
    let tail = Buffer.concat(this.#tail);
    if (!this.truncated) return Buffer.concat([head, tail]).toString('utf8');
    tail = tail.subarray(tail.length - this.#half);
    const dropped = this.total - head.length - tail.length;
    return `${head.toString('utf8')}\n… (${dropped} bytes not kept) …\n${tail.toString('utf8')}`;
  }
}
