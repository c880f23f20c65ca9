// The loaded config is shared by every request for the life of the process: freeze it whole so
// no module can change it under another. Maps are frozen too (their type is ReadonlyMap, which
// is what stops `set`); Buffers cannot be frozen and are left as they are.

export function deepFreeze<T>(value: T): T {
  if (typeof value !== 'object' || value === null || Object.isFrozen(value) || ArrayBuffer.isView(value)) return value;
  if (value instanceof Map) {
    for (const [k, v] of value) {
      deepFreeze(k);
      deepFreeze(v);
    }
  }
  Object.freeze(value);
  for (const v of Object.values(value)) deepFreeze(v);
  return value;
}
