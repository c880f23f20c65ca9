// Bounded metric label values (SPEC §12). Every distinct attribute set is a series a cumulative
// reader keeps for the life of the process, and the MCP method, tool, prompt and resource names
// come from the client: a client calling a million made-up tools must not create a million
// series. Methods outside MCP's own list collapse into one value; a tool, prompt or resource name
// keeps its own value only when the config names it or the upstream announced it in a list answer
// (KnownNames), so no client can add a value — nor fill the label so that real names collapse.
// Client names (initialize), which nobody announces, get a small first-come set (BoundedLabel).
// Spans (sampled, short-lived) keep the real names.

/** The label value every name outside the bounded set collapses into. */
export const OTHER = '_other';
/** ToolHive caps label values at 128 bytes; longer ones are not admitted at all here. */
const MAX_LABEL_LENGTH = 128;
/** Names admitted beyond the configured ones, per first-come label. */
export const DEFAULT_OBSERVED_CAP = 64;
/** Names learned from the upstream's list answers, per label: a bound against a runaway upstream. */
export const DEFAULT_LEARNED_CAP = 1024;

/** MCP's request and notification methods (2025-06-18 and later): every other method is OTHER. */
const MCP_METHODS: ReadonlySet<string> = new Set([
  'initialize',
  'ping',
  'tools/list',
  'tools/call',
  'prompts/list',
  'prompts/get',
  'resources/list',
  'resources/templates/list',
  'resources/read',
  'resources/subscribe',
  'resources/unsubscribe',
  'logging/setLevel',
  'completion/complete',
  'sampling/createMessage',
  'elicitation/create',
  'roots/list',
  'notifications/initialized',
  'notifications/cancelled',
  'notifications/progress',
  'notifications/message',
  'notifications/roots/list_changed',
  'notifications/tools/list_changed',
  'notifications/prompts/list_changed',
  'notifications/resources/list_changed',
  'notifications/resources/updated',
]);

export function methodLabel(method: string | undefined): string {
  if (method === undefined) return 'unknown';
  return MCP_METHODS.has(method) ? method : OTHER;
}

/**
 * A label whose values are the configured names plus the first `cap` other names seen; any
 * further name is OTHER. Admission is permanent (a series, once exported, stays), so the set
 * only grows, to at most configured + cap.
 */
export class BoundedLabel {
  readonly #known: Set<string>;
  #room: number;

  constructor(configured: readonly string[], cap = DEFAULT_OBSERVED_CAP) {
    this.#known = new Set(configured);
    this.#room = cap;
  }

  value(name: string | undefined): string {
    if (name === undefined || name === '') return '';
    if (this.#known.has(name)) return name;
    if (this.#room === 0 || name.length > MAX_LABEL_LENGTH) return OTHER;
    this.#room--;
    this.#known.add(name);
    return name;
  }

  get size(): number {
    return this.#known.size;
  }
}

/**
 * A label whose values are the configured names and the names the upstream announced (learned
 * from tools/list, prompts/list, resources/list answers, at most `cap`); any other name is OTHER.
 * A name called before any list answer announced it counts as OTHER until one does.
 */
export class KnownNames {
  readonly #known: Set<string>;
  #room: number;

  constructor(configured: readonly string[], cap = DEFAULT_LEARNED_CAP) {
    this.#known = new Set(configured);
    this.#room = cap;
  }

  /** The upstream announced `name`. */
  learn(name: string): void {
    if (this.#room === 0 || name === '' || name.length > MAX_LABEL_LENGTH || this.#known.has(name)) return;
    this.#room--;
    this.#known.add(name);
  }

  value(name: string | undefined): string {
    if (name === undefined || name === '') return '';
    return this.#known.has(name) ? name : OTHER;
  }

  get size(): number {
    return this.#known.size;
  }
}
