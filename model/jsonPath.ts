// Qdrant JSON paths (`a`, `a.b`, `a[].b`, `a[0]`) over plain JSON payloads, plus the small JSON
// helpers the model needs (deep copy, own-property writes, path removal). Mirrors Qdrant's
// `json_path::value_get` / `value_remove`: no implicit traversal of arrays, `[]` flattens one level.
import type { JsonValue, Payload } from './types.ts';

export type PathItem =
  | { readonly kind: 'key'; readonly key: string }
  | { readonly kind: 'index'; readonly index: number }
  | { readonly kind: 'all' };

/** A key: double-quoted (Qdrant's escape for keys holding `.`, `[` or `]`), else bare. */
const FIRST = /"([^"]+)"|([^.[\]]+)/y;
const TOKEN = /\.(?:"([^"]+)"|([^.[\]]+))|\[(\d*)\]/y;

/**
 * Parses `first(.key | [n] | [])*`. The first item is always a key; a key is `"quoted"` (any
 * characters but `"`) or bare (no `.`, `[`, `]`; an unclosed or empty quote reads as bare
 * characters). Returns undefined for a path Qdrant would reject (empty key, stray brackets).
 */
export function parsePath(key: string): readonly PathItem[] | undefined {
  // Every filter check reads its paths once per point: parse each distinct key once. The parsed
  // items are frozen, so sharing them cannot leak a change from one caller to another.
  let items = parsed.get(key);
  if (items === undefined && !parsed.has(key)) {
    items = parseUncached(key);
    if (items !== undefined) {
      for (const it of items) Object.freeze(it);
      Object.freeze(items);
    }
    if (parsed.size >= PARSED_LIMIT) parsed.clear();
    parsed.set(key, items);
  }
  return items;
}
const parsed = new Map<string, readonly PathItem[] | undefined>();
/** Generated payload keys come from a small vocabulary; the bound only guards odd callers. */
const PARSED_LIMIT = 4096;

function parseUncached(key: string): PathItem[] | undefined {
  FIRST.lastIndex = 0;
  const first = FIRST.exec(key);
  if (!first) return undefined;
  const items: PathItem[] = [{ kind: 'key', key: first[1] ?? first[2] }];
  TOKEN.lastIndex = FIRST.lastIndex;
  while (TOKEN.lastIndex < key.length) {
    const m = TOKEN.exec(key);
    if (!m) return undefined;
    if (m[1] !== undefined || m[2] !== undefined) items.push({ kind: 'key', key: m[1] ?? m[2] });
    else if (m[3] === '') items.push({ kind: 'all' });
    else items.push({ kind: 'index', index: Number(m[3]) });
  }
  return items;
}

export function isObject(v: JsonValue | undefined): v is { [key: string]: JsonValue } {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/**
 * Values at `key` in `payload`.
 *
 * Return convention (the filter code relies on it):
 * - `undefined` when the path yields no value at all (missing key, index out of range, `[]` on an
 *   empty array, `.b` on a non-object, unparseable path). Conditions then use their "empty" rule.
 * - otherwise a NON-EMPTY list. A path without `[]` yields at most one value, and that value is
 *   returned as stored, arrays included: `{arr: [1, 2]}` read at `arr` gives `[[1, 2]]` (one value).
 *   Each `[]` replaces an array by its elements (one level), so `arr[]` gives `[1, 2]`.
 * - `null` is a value: `{a: null}` read at `a` gives `[null]`.
 * The returned values are the payload's own objects: do not mutate them.
 */
export function readPath(payload: Payload, key: string): JsonValue[] | undefined {
  const items = parsePath(key);
  if (!items) return undefined;
  const out: JsonValue[] = [];
  walk(payload, items, 0, out);
  return out.length > 0 ? out : undefined;
}

function walk(value: JsonValue, items: readonly PathItem[], i: number, out: JsonValue[]): void {
  if (i === items.length) {
    out.push(value);
    return;
  }
  const item = items[i];
  if (item.kind === 'key') {
    if (isObject(value) && Object.hasOwn(value, item.key)) walk(value[item.key], items, i + 1, out);
  } else if (item.kind === 'index') {
    if (Array.isArray(value) && item.index < value.length) walk(value[item.index], items, i + 1, out);
  } else if (Array.isArray(value)) {
    for (const v of value) walk(v, items, i + 1, out);
  }
}

/** Own-property write that is safe for any key (a plain `o[k] = v` with k = "__proto__" is not). */
export function setOwn(obj: { [key: string]: JsonValue }, key: string, value: JsonValue): void {
  // Only `__proto__` is an accessor on Object.prototype; every other key assigned on a plain
  // object becomes (or stays) an own writable, enumerable data property, as defineProperty makes it.
  if (key === '__proto__') Object.defineProperty(obj, key, { value, writable: true, enumerable: true, configurable: true });
  else obj[key] = value;
}

/** Deep copy of plain JSON, so the model never shares objects with ops or callers. */
export function deepCopy<T extends JsonValue>(v: T): T {
  if (Array.isArray(v)) return v.map(deepCopy) as T;
  if (isObject(v)) {
    const out: { [key: string]: JsonValue } = {};
    for (const [k, x] of Object.entries(v)) setOwn(out, k, deepCopy(x));
    return out as T;
  }
  return v;
}

/**
 * Removes the value at `key` IN PLACE, as Qdrant's `value_remove` does for delete_payload keys:
 * a last `.key` is deleted from its object, a last `[]` empties the array, a last `[n]` is a no-op
 * (Qdrant refuses non-idempotent index deletes). A plain key removes the top-level key.
 */
export function removePath(payload: Payload, key: string): void {
  const items = parsePath(key);
  if (!items) return;
  removeAt(payload, items, 0);
}

function removeAt(value: JsonValue, items: readonly PathItem[], i: number): void {
  const item = items[i];
  const last = i === items.length - 1;
  if (item.kind === 'key') {
    if (!isObject(value) || !Object.hasOwn(value, item.key)) return;
    if (last) delete value[item.key];
    else removeAt(value[item.key], items, i + 1);
  } else if (item.kind === 'index') {
    if (!last && Array.isArray(value) && item.index < value.length) removeAt(value[item.index], items, i + 1);
  } else if (Array.isArray(value)) {
    if (last) value.length = 0;
    else for (const v of value) removeAt(v, items, i + 1);
  }
}
