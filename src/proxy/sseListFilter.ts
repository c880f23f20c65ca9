// List filtering inside an event stream (SPEC §10: "also inside SSE streams"), event by event:
// at most one event is held back (bounded), every event that carries no list answer is written
// as its bytes arrived, and an event carrying one is rewritten with the edited answer as its data.
//
// Events are read as the WHATWG EventSource rules read them (CRLF, LF or a lone CR end a line;
// `data` fields joined with LF; a leading BOM dropped) — what the MCP SDKs' parsers do. A client
// that splits lines on LF only (the Go SDK) would read a lone CR differently, so an event with a
// lone CR is written back with LF in its place: every client then reads what was judged.

import type { JsonRpcId } from '../errors.js';
import { editListAnswer, listFailureBody, type ListEdit, type ListKind } from '../mcp/listAnswer.js';

const LF = 0x0a;
const CR = 0x0d;

/** Larger than any list answer a real server sends; past it the answer is refused, not passed. */
export const MAX_LIST_ANSWER_BYTES = 16 * 1024 * 1024;

interface Field {
  readonly name: string;
  readonly line: string;
}

function failureEvent(id: JsonRpcId): Buffer {
  return Buffer.from(`data: ${listFailureBody(id)}\n\n`);
}

export class SseListFilter {
  readonly #edits: readonly ListEdit[];
  readonly #kind: ListKind | null;
  readonly #id: JsonRpcId;
  readonly #max: number;
  #pending: Buffer | null = null;
  /** Scan state over #pending: where to go on, and whether that position starts a line. */
  #scan = 0;
  #lineStart = true;
  #first = true;
  /** An event over the bound: its remaining bytes are dropped up to its end. */
  #discarding = false;

  constructor(edits: readonly ListEdit[], kind: ListKind | null, requestId: JsonRpcId, maxEventBytes = MAX_LIST_ANSWER_BYTES) {
    this.#edits = edits;
    this.#kind = kind;
    this.#id = requestId;
    this.#max = maxEventBytes;
  }

  /** The bytes to write now for this chunk (null: nothing yet). */
  push(chunk: Buffer): Buffer | null {
    let buf = this.#pending === null ? chunk : Buffer.concat([this.#pending, chunk]);
    if (this.#first) {
      if (buf.length < 3 && buf.length > 0 && Buffer.from([0xef, 0xbb, 0xbf]).subarray(0, buf.length).equals(buf)) {
        this.#pending = buf;
        return null;
      }
      this.#first = false;
      if (buf[0] === 0xef && buf[1] === 0xbb && buf[2] === 0xbf) buf = buf.subarray(3);
    }
    const out: Buffer[] = [];
    for (;;) {
      const end = this.#eventEnd(buf);
      if (end === -1) break;
      const event = buf.subarray(0, end);
      buf = buf.subarray(end);
      this.#scan = 0;
      this.#lineStart = true;
      if (this.#discarding) this.#discarding = false;
      else out.push(this.#event(event));
    }
    if (this.#discarding) {
      this.#pending = null; // only the scan state matters while discarding
      this.#scan = 0;
    } else if (buf.length > this.#max) {
      out.push(failureEvent(this.#id));
      this.#discarding = true;
      this.#pending = null;
      this.#scan = 0;
    } else {
      this.#pending = buf.length === 0 ? null : buf;
    }
    if (out.length === 0) return null;
    return out.length === 1 ? out[0]! : Buffer.concat(out);
  }

  /** At the end of the stream: an unterminated last event, judged like any other. */
  flush(): Buffer | null {
    const rest = this.#pending;
    this.#pending = null;
    if (rest === null || this.#discarding) return null;
    return this.#event(rest);
  }

  /** Index just past the blank line that ends the first event in buf, or -1. */
  #eventEnd(buf: Buffer): number {
    let i = this.#scan;
    let lineStart = this.#lineStart;
    for (; i < buf.length; i++) {
      const c = buf[i];
      if (c !== LF && c !== CR) {
        lineStart = false;
        continue;
      }
      // A CR at the end of what arrived may be the first half of a CRLF: wait for the next byte.
      if (c === CR && i + 1 === buf.length) break;
      const next = c === CR && buf[i + 1] === LF ? i + 2 : i + 1;
      if (lineStart) return next;
      lineStart = true;
      i = next - 1;
    }
    this.#scan = i;
    this.#lineStart = lineStart;
    return -1;
  }

  /** One complete event: its bytes as they came, or rewritten. */
  #event(bytes: Buffer): Buffer {
    const text = bytes.toString('utf8');
    const loneCr = /\r(?!\n)/.test(text);
    const lines = text.split(/\r\n|\r|\n/);
    const fields: Field[] = [];
    const data: string[] = [];
    for (const line of lines) {
      if (line === '' || line.startsWith(':')) {
        if (line !== '') fields.push({ name: '', line });
        continue;
      }
      const colon = line.indexOf(':');
      const name = colon === -1 ? line : line.slice(0, colon);
      if (name === 'data') {
        let value = colon === -1 ? '' : line.slice(colon + 1);
        if (value.startsWith(' ')) value = value.slice(1);
        data.push(value);
      }
      fields.push({ name, line });
    }
    const outcome = data.length === 0 ? null : editListAnswer(data.join('\n'), this.#edits, this.#kind, this.#id);
    if (outcome === null) return loneCr ? Buffer.from(fields.map((f) => `${f.line}\n`).join('') + '\n') : bytes;
    let out = '';
    let written = false;
    for (const f of fields) {
      if (f.name === 'data') {
        if (!written) out += `data: ${outcome.text}\n`;
        written = true;
      } else if (!(outcome.failed && f.name === 'event')) {
        // A named event is not dispatched as a message by the SDKs: the error must be one.
        out += `${f.line}\n`;
      }
    }
    return Buffer.from(`${out}\n`);
  }
}
