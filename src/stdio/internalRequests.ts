// Requests the proxy itself sends to the child (the start-up probe, readiness pings, the
// initialize replay after a restart). Their ids come from the same counter as client requests,
// so a response can never be mistaken for a client's.

type JsonObject = Record<string, unknown>;

export class InternalTimeout extends Error {
  constructor(method: string, ms: number) {
    super(`stdio server did not answer ${method} within ${ms} ms`);
    this.name = 'InternalTimeout';
  }
}

interface Waiter {
  readonly resolve: (msg: JsonObject) => void;
  readonly reject: (err: Error) => void;
  readonly timer: NodeJS.Timeout;
  readonly generation: number;
}

export class InternalRequests {
  readonly #waiters = new Map<number, Waiter>();

  /** Wait for the response to internal request `id`, sent to child `generation`. */
  wait(id: number, method: string, generation: number, timeoutMs: number): Promise<JsonObject> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.#waiters.delete(id);
        reject(new InternalTimeout(method, timeoutMs));
      }, timeoutMs);
      timer.unref();
      this.#waiters.set(id, { resolve, reject, timer, generation });
    });
  }

  /** True when `id` was an internal request (now answered). */
  settle(id: unknown, msg: JsonObject): boolean {
    if (typeof id !== 'number') return false;
    const w = this.#waiters.get(id);
    if (!w) return false;
    this.#waiters.delete(id);
    clearTimeout(w.timer);
    w.resolve(msg);
    return true;
  }

  failGeneration(generation: number, err: Error): void {
    for (const [id, w] of this.#waiters) {
      if (w.generation !== generation) continue;
      this.#waiters.delete(id);
      clearTimeout(w.timer);
      w.reject(err);
    }
  }

  failAll(err: Error): void {
    for (const [id, w] of this.#waiters) {
      this.#waiters.delete(id);
      clearTimeout(w.timer);
      w.reject(err);
    }
  }
}
