// The stdio bridge on its own (src/stdio/bridge.ts): a real Bridge whose child is a recorder of
// the lines the bridge would write to it, and replies that record what the bridge did with a
// call — for tests that need exact control over what the "child" writes and when.

import { Writable } from 'node:stream';
import pino from 'pino';
import { Bridge, type BridgeOptions } from '../../src/stdio/bridge.js';
import type { ClientCall, Reply } from '../../src/stdio/calls.js';
import type { ChildLink } from '../../src/stdio/supervisor.js';
import type { Rejection } from '../../src/errors.js';

export class RecordingReply implements Reply {
  readonly related_: string[] = [];
  responded: string | undefined;
  failed: Rejection | undefined;
  abandoned = false;
  call: ClientCall | undefined;
  related(line: string): boolean {
    this.related_.push(line);
    return true;
  }
  respond(line: string): void {
    this.responded = line;
  }
  fail(rejection: Rejection): void {
    this.failed = rejection;
  }
  abandon(): void {
    this.abandoned = true;
  }
  bind(call: ClientCall): void {
    this.call = call;
  }
}

export interface BridgeHarness {
  readonly bridge: Bridge;
  /** Every line the bridge wrote to the child, in order. */
  readonly sent: string[];
  /** The bridge's log lines, parsed (level debug and up). */
  readonly logs: Array<Record<string, unknown>>;
}

export function bridgeHarness(opts: BridgeOptions = {}): BridgeHarness {
  const logs: Array<Record<string, unknown>> = [];
  const sink = new Writable({
    write(chunk: Buffer, _enc, cb) {
      for (const l of chunk.toString().split('\n')) if (l) logs.push(JSON.parse(l) as Record<string, unknown>);
      cb();
    },
  });
  const sent: string[] = [];
  const child: ChildLink = { generation: 0, state: 'ready', send: (l: string) => void sent.push(l), sendDirect: (l: string) => void sent.push(l), inputFull: () => false };
  return { bridge: new Bridge(child, pino({ level: 'debug' }, sink), opts), sent, logs };
}
