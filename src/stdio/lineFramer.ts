// Newline-delimited JSON-RPC framing for the child's stdout (SPEC §6, MCP stdio transport:
// messages are separated by "\n" and contain no embedded newline). Chunks from a pipe split
// messages anywhere, so bytes are kept until a newline arrives. A partial line is held as a
// list of chunks, not concatenated on every read: a multi-megabyte result arriving in 64 KiB
// pieces costs one copy, not a quadratic number.

const NEWLINE = 0x0a;
const CR = 0x0d;

export interface LineFramerOptions {
  /** Lines longer than this are dropped (reported through onOversize) instead of buffered without bound. */
  readonly maxLineBytes: number;
  readonly onLine: (line: string) => void;
  readonly onOversize: (bytes: number) => void;
}

export class LineFramer {
  readonly #maxLineBytes: number;
  readonly #onLine: (line: string) => void;
  readonly #onOversize: (bytes: number) => void;
  /** Pieces of the current, unterminated line. */
  #pending: Buffer[] = [];
  #pendingBytes = 0;
  /** True while skipping the rest of an oversized line up to its newline. */
  #discarding = false;

  constructor(opts: LineFramerOptions) {
    if (!(opts.maxLineBytes >= 1)) throw new Error('maxLineBytes must be a number greater than 0');
    this.#maxLineBytes = opts.maxLineBytes;
    this.#onLine = opts.onLine;
    this.#onOversize = opts.onOversize;
  }

  /** Bytes held for a line that has not ended yet. */
  get pendingBytes(): number {
    return this.#pendingBytes;
  }

  push(chunk: Buffer): void {
    let start = 0;
    let nl = chunk.indexOf(NEWLINE, start);
    while (nl !== -1) {
      this.#endLine(chunk.subarray(start, nl));
      start = nl + 1;
      nl = chunk.indexOf(NEWLINE, start);
    }
    if (start < chunk.length) this.#hold(chunk.subarray(start));
  }

  /** The stream ended: a last line without a newline is still a message. */
  end(): void {
    if (this.#pendingBytes > 0 && !this.#discarding) this.#endLine(Buffer.alloc(0));
    this.#reset();
  }

  #hold(piece: Buffer): void {
    if (this.#discarding) {
      this.#pendingBytes += piece.length;
      return;
    }
    this.#pendingBytes += piece.length;
    if (this.#pendingBytes > this.#maxLineBytes) {
      this.#pending = [];
      this.#discarding = true;
      return;
    }
    // Copy: the pipe may reuse the chunk's memory, and a subarray would pin the whole chunk.
    this.#pending.push(Buffer.from(piece));
  }

  #endLine(tail: Buffer): void {
    const total = this.#pendingBytes + tail.length;
    if (this.#discarding || total > this.#maxLineBytes) {
      this.#onOversize(total);
      this.#reset();
      return;
    }
    let line: Buffer;
    if (this.#pending.length === 0) line = tail;
    else {
      this.#pending.push(tail);
      line = Buffer.concat(this.#pending, total);
    }
    this.#reset();
    let end = line.length;
    if (end > 0 && line[end - 1] === CR) end--;
    if (end === 0) return; // blank lines carry no message
    this.#onLine(line.toString('utf8', 0, end));
  }

  #reset(): void {
    this.#pending = [];
    this.#pendingBytes = 0;
    this.#discarding = false;
  }
}
