// The names an upstream announces in its list answers, learned for the metric labels (labels.ts
// KnownNames): a name the server offers is a real one, a name only a client says is not. It rides
// the list-editing path (src/mcp/listAnswer.ts) as an edit that changes nothing, pushed by
// Telemetry.forwarding for list requests, so JSON and SSE answers over HTTP and the stdio bridge's
// answer lines are read the one way they are read for Cedar and the tool filter. Edits run last
// pushed first, so it sees the upstream's own names, before those stages edit the list.

import { isJsonObject, type JsonObject } from '../json.js';
import type { ListEdit, ListKind } from '../mcp/listAnswer.js';
import type { KnownNames } from './labels.js';

export class ListNamesObserver implements ListEdit {
  readonly #tools: KnownNames;
  readonly #prompts: KnownNames;
  readonly #resources: KnownNames;

  constructor(tools: KnownNames, prompts: KnownNames, resources: KnownNames) {
    this.#tools = tools;
    this.#prompts = prompts;
    this.#resources = resources;
  }

  editList(kind: ListKind, result: JsonObject): boolean {
    const label = kind === 'tools' ? this.#tools : kind === 'prompts' ? this.#prompts : this.#resources;
    const key = kind === 'resources' ? 'uri' : 'name';
    for (const item of result[kind] as unknown[]) {
      if (isJsonObject(item) && typeof item[key] === 'string') label.learn(item[key]);
    }
    return false;
  }
}
