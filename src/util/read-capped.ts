import { open } from 'node:fs/promises';

/** A file went on past the bytes a reader allows. */
export class FileTooLargeError extends Error {
  constructor(readonly limit: number) {
    super(`larger than ${limit} bytes`);
    this.name = 'FileTooLargeError';
  }
}

/**
 * Reads a file, stopping once it has gone past `maxBytes` (FileTooLargeError): the bytes read are what counts, not
 * the size `stat` reports, so `/dev/zero` or a FIFO cannot grow it without bound.
 */
export async function readCapped(file: string, maxBytes: number): Promise<Buffer> {
  const handle = await open(file, 'r');
  try {
    const chunks: Buffer[] = [];
    let total = 0;
    for (;;) {
      const chunk = Buffer.alloc(Math.min(1024 * 1024, maxBytes + 1 - total));
      const { bytesRead } = await handle.read(chunk, 0, chunk.length, null);
      if (bytesRead === 0) break;
      chunks.push(chunk.subarray(0, bytesRead));
      total += bytesRead;
      if (total > maxBytes) throw new FileTooLargeError(maxBytes);
    }
    return Buffer.concat(chunks);
  } finally {
    await handle.close();
  }
}
