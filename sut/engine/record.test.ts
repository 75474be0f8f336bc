import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { deepCopy, removePath } from '../../model/jsonPath.ts';
import type { JsonValue, Payload } from '../../model/types.ts';
import { mutatePayload } from './record.ts';

describe('mutatePayload', () => {
  it('never edits the stored payload (reads share it) and keeps the spread key order', () => {
    const stored: Payload = { a: 1, b: { x: [1, 2] }, c: 'z' };
    const snapshot = JSON.stringify(stored);
    const set = mutatePayload(stored, { kind: 'setPayload', payload: { b: null, d: [3], a: 2 } });
    expect(Object.keys(set)).toEqual(['a', 'c', 'd']);
    expect(set).toEqual({ a: 2, c: 'z', d: [3] });
    const del = mutatePayload(stored, { kind: 'deletePayloadKeys', keys: ['b', 'nope'] });
    expect(del).toEqual({ a: 1, c: 'z' });
    expect(mutatePayload(stored, { kind: 'clearPayload' })).toEqual({});
    expect(JSON.stringify(stored)).toBe(snapshot);
  });

  it('copies what it stores, so the caller may reuse its op objects', () => {
    const op = { kind: 'setPayload' as const, payload: { arr: [1, { y: 2 }] } };
    const out = mutatePayload({}, op);
    (op.payload.arr[1] as { y: number }).y = 99;
    expect(out).toEqual({ arr: [1, { y: 2 }] });
  });
});

describe('deletePayloadKeys: each key is a JSON path, removed as the model removes it', () => {
  const stored = (): Payload => JSON.parse('{"a": {"b": 1, "c": 2}, "a.b": 3, "arr": [{"x": 1, "y": 2}, {"x": 3}, 5], "__proto__": {"p": 1}, "k": 0}');
  const del = (keys: string[]) => mutatePayload(stored(), { kind: 'deletePayloadKeys', keys });

  it('walks objects and arrays, copying along the path', () => {
    const before = stored();
    const snapshot = JSON.stringify(before);
    const out = mutatePayload(before, { kind: 'deletePayloadKeys', keys: ['a.b', 'arr[].x'] });
    expect(JSON.stringify(out)).toBe('{"a":{"c":2},"a.b":3,"arr":[{"y":2},{},5],"__proto__":{"p":1},"k":0}');
    expect(JSON.stringify(before)).toBe(snapshot); // the stored payload is shared: never edited
    expect(out.k).toBe(before.k);
  });

  it('a quoted key is one key; [] empties; [n] removes nothing; __proto__ is a key like any other', () => {
    expect(JSON.stringify(del(['"a.b"']))).toBe('{"a":{"b":1,"c":2},"arr":[{"x":1,"y":2},{"x":3},5],"__proto__":{"p":1},"k":0}');
    expect(del(['arr[]']).arr).toEqual([]);
    expect(JSON.stringify(del(['arr[0]', 'arr[0].q', 'nope.x', 'a[', '']))).toBe(JSON.stringify(stored()));
    const noProto = del(['__proto__']);
    expect(Object.keys(noProto)).toEqual(['a', 'a.b', 'arr', 'k']);
    expect(Object.getPrototypeOf(noProto)).toBe(Object.prototype);
  });

  it('agrees with the model on random payloads and paths', () => {
    const keyArb = fc.constantFrom('a', 'b', '"a.b"', '__proto__', 'a.b');
    const json: fc.Arbitrary<JsonValue> = fc.letrec<{ v: JsonValue }>((tie) => ({
      v: fc.oneof(
        { depthSize: 'small', withCrossShrink: true },
        fc.constantFrom(0, 1, 'x', null, true),
        fc.array(tie('v'), { maxLength: 3 }),
        fc.dictionary(keyArb, tie('v'), { maxKeys: 3 }),
      ),
    })).v;
    const payloadArb = fc.dictionary(keyArb, json, { maxKeys: 4 });
    const pathArb = fc.array(fc.constantFrom('a', 'b', '.', '[]', '[0]', '[1]', '"a.b"', '__proto__', '['), { minLength: 1, maxLength: 5 }).map((xs) => xs.join(''));
    let removed = 0;
    fc.assert(
      fc.property(payloadArb, fc.array(pathArb, { minLength: 1, maxLength: 3 }), (payload, keys) => {
        const expected = deepCopy(payload);
        for (const k of keys) removePath(expected, k);
        const out = mutatePayload(payload, { kind: 'deletePayloadKeys', keys });
        expect(JSON.stringify(out)).toBe(JSON.stringify(expected));
        if (JSON.stringify(out) !== JSON.stringify(payload)) removed++;
      }),
      { numRuns: 2000, seed: 71 },
    );
    expect(removed).toBeGreaterThan(100); // the paths really reached into the payloads (about 150 of 2000)
  });
});
