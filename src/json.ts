// The one test for "a plain JSON object" (not an array, not null), used wherever unvalidated JSON
// is read: the config loader, the MCP parser, the stdio bridge.

export type JsonObject = Record<string, unknown>;

export function isJsonObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
