import { describe, it, expect } from 'vitest';
import { deepCopy, parsePath, readPath, removePath } from './jsonPath.ts';
import type { Payload } from './types.ts';

describe('parsePath', () => {
  it('parses keys, indexes and wildcards', () => {
    expect(parsePath('a.b[].c[2]')).toEqual([
      { kind: 'key', key: 'a' },
      { kind: 'key', key: 'b' },
      { kind: 'all' },
      { kind: 'key', key: 'c' },
      { kind: 'index', index: 2 },
    ]);
  });
  it('reads a double-quoted key as one key (dots and brackets included); an unclosed or empty quote is bare text', () => {
    expect(parsePath('"a.b"')).toEqual([{ kind: 'key', key: 'a.b' }]);
    expect(parsePath('x."a[0]"[].y')).toEqual([{ kind: 'key', key: 'x' }, { kind: 'key', key: 'a[0]' }, { kind: 'all' }, { kind: 'key', key: 'y' }]);
    expect(parsePath('"a')).toEqual([{ kind: 'key', key: '"a' }]);
    expect(parsePath('""')).toEqual([{ kind: 'key', key: '""' }]);
    expect(parsePath('"a"b')).toBeUndefined();
    expect(readPath({ 'a.b': 1, a: { b: 2 } }, '"a.b"')).toEqual([1]);
  });
  it('rejects malformed paths', () => {
    for (const bad of ['', '.a', 'a.', 'a..b', '[0]', 'a[x]', 'a]', 'a[0]b', 'a[']) expect(parsePath(bad), bad).toBeUndefined();
    expect(parsePath('a[x]')).toBeUndefined(); // a remembered rejection stays a rejection
  });
  it('parses a path once and shares it frozen, so no caller can change what others read', () => {
    const first = parsePath('p.q[]')!;
    expect(parsePath('p.q[]')).toBe(first);
    expect(Object.isFrozen(first) && first.every((it) => Object.isFrozen(it))).toBe(true);
    expect(() => (first as { kind: string; key?: string }[]).push({ kind: 'all' })).toThrow();
    expect(readPath({ p: { q: [1, 2] } }, 'p.q[]')).toEqual([1, 2]);
  });
});

describe('setOwn (through deepCopy)', () => {
  it('writes every key, __proto__ and prototype names included, as a plain own property', () => {
    const src = JSON.parse('{"__proto__": 1, "constructor": 2, "toString": 3, "hasOwnProperty": 4}') as Payload;
    const copy = deepCopy(src);
    expect(Object.getPrototypeOf(copy)).toBe(Object.prototype);
    for (const k of ['__proto__', 'constructor', 'toString', 'hasOwnProperty']) {
      expect(Object.getOwnPropertyDescriptor(copy, k), k).toEqual({ value: src[k], writable: true, enumerable: true, configurable: true });
    }
  });
});

describe('readPath', () => {
  it('does not see inherited properties', () => {
    expect(readPath({}, 'constructor')).toBeUndefined();
    expect(readPath({ a: {} }, 'a.toString')).toBeUndefined();
  });
});

describe('removePath (delete_payload keys)', () => {
  const base = (): Payload => ({ a: 1, o: { x: 1, y: 2 }, arr: [{ x: 1, y: 1 }, { x: 2 }, 3], list: [1, 2] });
  it('a plain key removes the top-level key', () => {
    const p = base();
    removePath(p, 'a');
    removePath(p, 'missing');
    expect(p).toEqual({ o: { x: 1, y: 2 }, arr: [{ x: 1, y: 1 }, { x: 2 }, 3], list: [1, 2] });
  });
  it('nested keys, through `[]`, are removed in place', () => {
    const p = base();
    removePath(p, 'o.x');
    removePath(p, 'arr[].x');
    expect(p.o).toEqual({ y: 2 });
    expect(p.arr).toEqual([{ y: 1 }, {}, 3]);
  });
  it('a trailing `[]` empties the array; a trailing `[n]` is a no-op', () => {
    const p = base();
    removePath(p, 'list[0]');
    expect(p.list).toEqual([1, 2]);
    removePath(p, 'list[]');
    expect(p.list).toEqual([]);
    removePath(p, 'arr[0].y');
    expect(p.arr).toEqual([{ x: 1 }, { x: 2 }, 3]);
  });
});

describe('deepCopy', () => {
  it('copies deeply, including awkward keys as own properties', () => {
    const src = JSON.parse('{"__proto__": {"x": 1}, "a": [{"b": 2}]}') as Payload;
    const copy = deepCopy(src);
    expect(copy).toEqual(src);
    expect(Object.keys(copy)).toEqual(['__proto__', 'a']);
    expect(Object.getPrototypeOf(copy)).toBe(Object.prototype);
    (src.a as any)[0].b = 3;
    expect((copy.a as any)[0].b).toBe(2);
  });
});
